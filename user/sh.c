/*
 * sh - a tiny shell: programs with arguments, `&', `wait', `exit'.
 *
 *   sh                 reads lines from the console (fd 0), prompt "$ "
 *   sh -c word...      runs the words, joined by spaces, as one line (the
 *                      grader's form: its command line cannot quote)
 *
 * A line is commands separated by `;'; a command is words separated by
 * blanks, and runs in a forked child that execs its first word (an
 * embedded program).  The shell waits for it, unless the command ends with
 * `&': then it says `[pid]' and goes on.  Built in:
 *
 *   wait        waits for every background child: `[pid] status N' each
 *   exit [n]    exits with n (default 0), after waiting for background children
 *
 * A background child that ends while the shell waits for a foreground one
 * is reported the same way, when it is reaped.
 */
#include <ulib.h>

#define	LINE_MAX	256
#define	ARGS_MAX	16

static int nbg;			/* background children not yet reaped */

/* Reap one child; report it if it is not fg.  Its pid, or -errno. */
static int
reap(int fg, int *status)
{
	int st = 0, pid = wait(&st);

	if (pid < 0)
		return (pid);
	if (pid != fg) {
		nbg--;
		printf("[%d] status %d\n", pid, st);
	}
	*status = st;
	return (pid);
}

static void
wait_all(void)
{
	int st;

	while (nbg > 0 && reap(-1, &st) > 0)
		;
}

/* Run one command (argv[0..argc)); the exit status of a foreground one. */
static int
run(int argc, char **argv, bool bg)
{
	int pid, st = 0, r;

	argv[argc] = NULL;
	if (strcmp(argv[0], "wait") == 0) {
		wait_all();
		return (0);
	}
	if (strcmp(argv[0], "exit") == 0) {
		wait_all();
		exit(argc > 1 ? atoi(argv[1]) : 0);
	}
	if ((pid = fork()) < 0) {
		printf("sh: fork: error %d\n", -pid);
		return (1);
	}
	if (pid == 0) {
		r = execve(argv[0], argv);
		printf("sh: %s: error %d%s\n", argv[0], -r, r == -ENOENT ? " (no such program)" : "");
		exit(127);
	}
	if (bg) {
		nbg++;
		printf("[%d]\n", pid);
		return (0);
	}
	while ((r = reap(pid, &st)) > 0 && r != pid)
		;
	return (st);
}

/* Split line in place into commands at `;' and words at blanks, and run them. */
static void
run_line(char *line)
{
	char *argv[ARGS_MAX + 1], *p = line;
	int argc = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0' || *p == ';' || *p == '&') {
			bool bg = *p == '&', end = *p == '\0';

			if (*p != '\0')
				*p++ = '\0';
			if (argc > 0)
				(void)run(argc, argv, bg);
			argc = 0;
			if (end)
				return;
			continue;
		}
		if (argc == ARGS_MAX) {
			printf("sh: more than %d words\n", ARGS_MAX);
			return;
		}
		argv[argc++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != ';' && *p != '&')
			p++;
	}
}

static char line[LINE_MAX];

int
main(int argc, char **argv)
{
	ssize_t n;

	if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
		size_t len = 0;

		for (int i = 2; i < argc; i++) {
			size_t k = strlen(argv[i]);

			if (len + k + 2 > sizeof(line)) {
				printf("sh: -c: the line is longer than %d\n", LINE_MAX);
				return (2);
			}
			memcpy(line + len, argv[i], k);
			len += k;
			line[len++] = ' ';
		}
		line[len] = '\0';
		run_line(line);
		wait_all();
		return (0);
	}
	for (;;) {
		printf("$ ");
		if ((n = read(0, line, sizeof(line) - 1)) <= 0)
			break;
		line[n] = '\0';
		run_line(line);
	}
	wait_all();
	return (0);
}
