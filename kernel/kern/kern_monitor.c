/*
 * kern_monitor.c - the kernel monitor: a tiny shell on the serial console,
 * in the spirit of JOS's.  `make qemu` lands here; students use it to look
 * at the kernel's state without a debugger.
 *
 * Commands register themselves with MONITOR_CMD (sys/monitor.h) into the
 * monitor_cmds linker section, so each subsystem's commands live beside its
 * code (meminfo in vm_physmem.c, buddy and contig in vm_phys.c, page and
 * pages in vm_page.c, vmstat in vm_meter.c).  This file has the monitor
 * itself and the kernel-wide commands: help, kerninfo, backtrace, ktest,
 * halt.
 */
#include <sys/systm.h>
#include <sys/cons.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <sys/monitor.h>
#include <vm/vm_param.h>
#include <vm/pmap.h>

#define	MON_LINE	128
#define	MON_ARGS	8

extern const struct monitor_cmd __start_monitor_cmds[], __stop_monitor_cmds[];
extern char kernel_start[], etext[], edata[], kernel_end[];

MONITOR_CMD(help, "", "list the commands")
{
	const char *last = "";

	/* In name order; the linker leaves them in file order. */
	for (;;) {
		const struct monitor_cmd *next = NULL;

		for (const struct monitor_cmd *c = __start_monitor_cmds; c < __stop_monitor_cmds; c++)
			if (strcmp(c->name, last) > 0 && (next == NULL || strcmp(c->name, next->name) < 0))
				next = c;
		if (next == NULL)
			return (0);
		printf("  %-10s %-32s %s\n", next->name, next->args, next->help);
		last = next->name;
	}
}

MONITOR_CMD(kerninfo, "", "the kernel image's layout")
{
	/* Physical addresses from the pmap: the kernel image is mapped, page by page. */
	printf("kernel image (virtual / physical):\n");
	printf("  start  %p / 0x%09jx\n", kernel_start,
	    (uintmax_t)pmap_kextract((vm_offset_t)kernel_start));
	printf("  etext  %p / 0x%09jx\n", etext, (uintmax_t)pmap_kextract((vm_offset_t)etext));
	printf("  edata  %p / 0x%09jx\n", edata, (uintmax_t)pmap_kextract((vm_offset_t)edata));
	printf("  end    %p / 0x%09jx\n", kernel_end,
	    (uintmax_t)pmap_kextract((vm_offset_t)kernel_end - 1) + 1);
	printf("  size   %u KiB; config %s\n",
	    (unsigned)((uintptr_t)kernel_end - (uintptr_t)kernel_start) >> 10, MACHINE_CONFIG);
	return (0);
}

MONITOR_CMD(backtrace, "", "the monitor's own stack")
{
	db_backtrace_here();
	return (0);
}

MONITOR_CMD(ktest, "[name[,name...]|all]", "run in-kernel tests (none: list them)")
{
	if (argc < 2)
		ktest_list();
	else
		ktest_run_list(argv[1], "monitor", 1);
	return (0);
}

MONITOR_CMD(halt, "", "leave QEMU")
{
	printf("halting.\n");
	machine_exit(EXIT_HALT);
}

static int
monitor_split(char *line, char **argv)
{
	int argc = 0;

	for (char *p = line; *p != '\0';) {
		while (isspace(*p))
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == MON_ARGS)
			return (-1);
		argv[argc++] = p;
		while (*p != '\0' && !isspace(*p))
			p++;
	}
	return (argc);
}

int
monitor_exec(char *line)
{
	char *argv[MON_ARGS + 1];
	int argc = monitor_split(line, argv);

	if (argc < 0) {
		printf("too many arguments (at most %d)\n", MON_ARGS);
		return (0);
	}
	if (argc == 0)
		return (0);
	argv[argc] = NULL;
	for (const struct monitor_cmd *c = __start_monitor_cmds; c < __stop_monitor_cmds; c++)
		if (strcmp(c->name, argv[0]) == 0)
			return (c->fn(argc, argv));
	printf("unknown command '%s'; try 'help'\n", argv[0]);
	return (0);
}

/*
 * Read a line with echo and backspace; returns its length, or -1 if it did
 * not fit in buf: then the rest of the line is read and dropped, so a
 * truncated command is never run (`contig 4 0 ...` must not become
 * `contig 4`).
 */
static int
monitor_readline(char *buf, int size)
{
	int n = 0, c;
	bool overflow = false;

	for (;;) {
		c = cons_getc_wait();
		if (c == '\r' || c == '\n') {
			printf("\n");
			buf[n] = '\0';
			if (overflow) {
				printf("line too long (at most %d characters); ignored\n", size - 1);
				return (-1);
			}
			return (n);
		}
		if (overflow)
			continue;
		if ((c == '\b' || c == 0x7f) && n > 0) {
			n--;
			printf("\b \b");
		} else if (isprint(c) && n < size - 1) {
			buf[n++] = (char)c;
			cons_putc(c);
		} else if (isprint(c))
			overflow = true;
	}
}

void
monitor(void)
{
	char line[MON_LINE];

	printf("Welcome to the vmkit monitor. Type 'help' for a list of commands.\n");
	for (;;) {
		printf("vmkit> ");
		if (monitor_readline(line, sizeof(line)) >= 0)
			monitor_exec(line);
	}
}
