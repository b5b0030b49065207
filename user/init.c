/*
 * init - run each program named in the arguments (default: usertests) and
 * report its status; exit with the number of programs that failed.
 */
#include <ulib.h>

int
main(int argc, char **argv)
{
	char *deflt[] = { "usertests", NULL };
	int failed = 0;

	for (int i = argc > 1 ? 1 : 0; i < (argc > 1 ? argc : 1); i++) {
		char *prog = argc > 1 ? argv[i] : deflt[0];
		char *av[] = { prog, NULL };
		int st = spawn_wait(prog, av);

		printf("init: %s exited with status %d\n", prog, st);
		failed += st != 0;
	}
	return (failed);
}
