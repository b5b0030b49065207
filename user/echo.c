/* echo - print the arguments, one line; exit with their count. */
#include <ulib.h>

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
	return (argc - 1);
}
