/*
 * sys/monitor.h - the interactive kernel monitor on the serial console.
 *
 * Any file can add a command; each subsystem keeps its commands beside the
 * code they inspect (and the labs add theirs the same way):
 *
 *	MONITOR_CMD(pages, "<>", "page counts by state")
 *	{
 *		...argc/argv as in C...
 *		return (0);
 *	}
 */
#ifndef _SYS_MONITOR_H_
#define _SYS_MONITOR_H_

#include <sys/types.h>

struct monitor_cmd {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*fn)(int argc, char **argv);
};

/*
 * The hosted build (tests/host) defines MONITOR_CMD first, to compile each
 * command as a plain unused function: it has no monitor to register with.
 */
#ifndef MONITOR_CMD
#define	MONITOR_CMD(cname, cargs, chelp)				\
	static int mon_##cname(int, char **);				\
	static const struct monitor_cmd moncmd_##cname			\
	    __section("monitor_cmds") __used __aligned(4) =		\
	    { #cname, cargs, chelp, mon_##cname };			\
	static int mon_##cname(int argc __unused, char **argv __unused)
#endif

void	monitor(void) __noreturn;
int	monitor_exec(char *line);	/* run one command line; -1 to leave */

#endif
