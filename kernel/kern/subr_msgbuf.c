/*
 * subr_msgbuf.c - the kernel message buffer (sys/msgbuf.h) and `dmesg`.
 *
 * No lock: the kernel runs on one CPU, and a byte is stored before the
 * sequence number that publishes it moves, so a reader that is interrupted
 * (or a dump taken in the middle of a printf) sees at worst the last byte
 * missing, never garbage.
 */
#include <sys/systm.h>
#include <sys/monitor.h>
#include <sys/msgbuf.h>
#include <vm/vm_param.h>

CTASSERT(MSGBUF_SIZE % PAGE_SIZE == 0);

char msgbuf_data[MSGBUF_SIZE] __aligned(PAGE_SIZE);
volatile uint64_t msgbuf_seq;

void
msgbuf_putc(int c)
{
	uint64_t seq = msgbuf_seq;

	msgbuf_data[seq % MSGBUF_SIZE] = (char)c;
	__sync_synchronize();
	msgbuf_seq = seq + 1;
}

/*
 * Print the buffer, oldest byte first.  The bytes dmesg prints go to the
 * console, so to the buffer too: only what was there when it started.
 */
MONITOR_CMD(dmesg, "", "the kernel message buffer (console output so far)")
{
	uint64_t end = msgbuf_seq;
	uint64_t start = end > MSGBUF_SIZE ? end - MSGBUF_SIZE : 0;
	char line[128];
	size_t n = 0;

	for (uint64_t i = start; i < end; i++) {
		char c = msgbuf_data[i % MSGBUF_SIZE];

		if (c == '\r')
			continue;
		line[n++] = c;
		if (c == '\n' || n == sizeof(line) - 1) {
			line[n] = '\0';
			printf("%s", line);
			n = 0;
		}
	}
	if (n > 0) {
		line[n] = '\0';
		printf("%s\n", line);
	}
	return (0);
}
