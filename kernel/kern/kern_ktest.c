/*
 * kern_ktest.c - run in-kernel tests and report them on the console.
 *
 * Tests live in the ktest_set linker section (see sys/ktest.h); the linker
 * script brackets it with __start_ktest_set/__stop_ktest_set, and the hosted
 * build gets the same symbols from the host linker.  Results go out as one
 * line each, with the nonce, in the format grader/PROTOCOL.md fixes.
 *
 * Every protocol line ends in " #<seq>:<crc>": a per-run sequence number
 * and the CRC-32 of everything before the ':'.  They let the grader tell a
 * line damaged or lost on the serial line (under host load) from a wrong
 * answer; they are no defence against forgery, which the nonce and the
 * grader's recomputation are for.
 */
#include <sys/systm.h>
#include <sys/ktest.h>

extern const struct ktest __start_ktest_set[], __stop_ktest_set[];

static const char *cur_nonce;
static u_int cur_seq;		/* protocol lines printed in this run */

const char *
ktest_nonce(void)
{
	return (cur_nonce);
}

/* CRC-32 (IEEE 802.3, reflected), bit by bit: lines are short. */
static uint32_t
ktest_crc32(const char *s)
{
	uint32_t c = 0xffffffffu;

	for (; *s != '\0'; s++) {
		c ^= (uint8_t)*s;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return (~c);
}

/*
 * Print one protocol line: the formatted text, then " #<seq>:<crc>".
 * One static buffer: lines are printed one at a time, and a panic in the
 * middle of one abandons it.
 */
static void __printflike(1, 2)
ktest_emit(const char *fmt, ...)
{
	static char line[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 24, fmt, ap);
	va_end(ap);
	n = strlen(line);
	snprintf(line + n, sizeof(line) - n, " #%u", cur_seq++);
	printf("%s:%08x\n", line, ktest_crc32(line));
}

/* The panic's KPANIC line (kern_shutdown.c), when a grader is watching. */
void
ktest_kpanic(void)
{
	if (cur_nonce != NULL)
		ktest_emit("KPANIC %s", cur_nonce);
}

static void
ktest_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(buf, size, fmt, ap);
	for (char *p = buf; *p != '\0'; p++)	/* one result = one line */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

void
ktest_fail(struct ktest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;		/* keep the first failure: it explains the rest */
	t->failed = true;
	va_start(ap, fmt);
	ktest_vformat(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
}

void
ktest_detail(struct ktest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;
	va_start(ap, fmt);
	ktest_vformat(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
}

void
ktest_data(struct ktest_ctx *t, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	ktest_vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	ktest_emit("KDATA %s %s %s", t->nonce, t->name, line);
}

static const struct ktest *
ktest_find(const char *name, size_t len)
{
	for (const struct ktest *k = __start_ktest_set; k < __stop_ktest_set; k++)
		if (strncmp(k->name, name, len) == 0 && k->name[len] == '\0')
			return (k);
	return (NULL);
}

/* FNV-1a of the name, so each test draws its own stream from one seed. */
static uint64_t
ktest_seed(uint64_t seed, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ull;
	return (seed ^ h);
}

static bool
ktest_run_one(const struct ktest *k, const char *nonce, uint64_t seed)
{
	struct ktest_ctx t = { .name = k->name, .nonce = nonce };

	t.seed = ktest_seed(seed, k->name);
	rng_seed(&t.rng, t.seed);
	k->fn(&t);
	ktest_emit("KTEST %s %s %s %s", nonce, k->name, t.failed ? "FAIL" : "PASS", t.detail);
	return (!t.failed);
}

/* The run in progress: what was asked for, and the tally so far. */
static struct {
	const char	*list;
	uint64_t	seed;
	int		passed, failed;
	int		named;		/* names in the list (unknown ones too) */
} run;

/* Call fn for each requested test (or every test, for "all"); NULL = unknown name. */
static void
ktest_foreach_requested(void (*fn)(const struct ktest *, const char *, size_t, void *), void *arg)
{
	if (strcmp(run.list, "all") == 0) {
		for (const struct ktest *k = __start_ktest_set; k < __stop_ktest_set; k++)
			if ((k->flags & KTEST_EXPLICIT) == 0)
				fn(k, k->name, strlen(k->name), arg);
		return;
	}
	for (const char *p = run.list; *p != '\0';) {
		size_t len = 0;

		while (p[len] != '\0' && p[len] != ',')
			len++;
		if (len > 0)
			fn(ktest_find(p, len), p, len, arg);
		p += len;
		if (*p == ',')
			p++;
	}
}

void
ktest_begin(const char *list, const char *nonce, uint64_t seed)
{
	cur_nonce = nonce;
	cur_seq = 0;
	run.list = list;
	run.seed = seed;
	run.passed = run.failed = run.named = 0;
}

static void
want_one(const struct ktest *k, const char *name __unused, size_t len __unused, void *arg)
{
	int *phase = arg;

	if (k != NULL && (k->flags & KTEST_VM) == *phase)
		*phase = -1;
}

bool
ktest_wants(int phase)
{
	int p = phase & KTEST_VM;

	ktest_foreach_requested(want_one, &p);
	return (p == -1);
}

static void
run_one_in_phase(const struct ktest *k, const char *name __unused, size_t len __unused, void *arg)
{
	if (k != NULL && (k->flags & KTEST_VM) == *(int *)arg) {
		if (ktest_run_one(k, cur_nonce, run.seed))
			run.passed++;
		else
			run.failed++;
	}
}

void
ktest_run_phase(int phase)
{
	int p = phase & KTEST_VM;

	ktest_foreach_requested(run_one_in_phase, &p);
}

static void
report_unknown(const struct ktest *k, const char *name, size_t len, void *arg __unused)
{
	run.named++;
	if (k == NULL) {
		ktest_emit("KTEST %s %.*s FAIL unknown test", cur_nonce, (int)len, name);
		run.failed++;
	}
}

/*
 * Unknown names count as failures, and so does a list that names nothing
 * ("test=" or "test=,"): running no test must never look like passing.
 */
int
ktest_end(void)
{
	ktest_foreach_requested(report_unknown, NULL);
	if (run.named == 0) {
		ktest_emit("KTEST %s (none) FAIL empty test list \"%s\": name tests, or test=all",
		    cur_nonce, run.list);
		run.failed++;
	}
	ktest_emit("KTEST %s END passed=%d failed=%d", cur_nonce, run.passed, run.failed);
	return (run.failed);
}

/*
 * Run a comma-separated list of tests (or "all") in both phases, for the
 * monitor; returns the number that failed.  Unknown names count as
 * failures, so a typo cannot pass.
 */
int
ktest_run_list(const char *list, const char *nonce, uint64_t seed)
{
	ktest_begin(list, nonce, seed);
	ktest_run_phase(0);
	ktest_run_phase(KTEST_VM);
	return (ktest_end());
}

void
ktest_list(void)
{
	for (const struct ktest *k = __start_ktest_set; k < __stop_ktest_set; k++)
		printf("  %-20s%s%s\n", k->name, (k->flags & KTEST_VM) ? " [vm]" : "",
		    (k->flags & KTEST_EXPLICIT) ? " (only when named)" : "");
}
