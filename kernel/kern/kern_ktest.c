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
 *
 * A run resolves its list of names once, at its start, into a table
 * (run.req): each entry the test it names, or NULL for an unknown name.
 * The phases and the END line read the table, never the list again.
 */
#include <sys/systm.h>
#include <sys/kenv.h>
#include <sys/kernel.h>
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

/* The test cannot run here (an argument or configuration it needs is missing). */
void
ktest_skip(struct ktest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return;
	t->skipped = true;
	va_start(ap, fmt);
	ktest_vformat(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
	if (t->detail[0] == '\0')	/* a SKIP always says why */
		strlcpy(t->detail, "(no reason given)", sizeof(t->detail));
}

void
ktest_detail(struct ktest_ctx *t, const char *fmt, ...)
{
	va_list ap;

	if (t->failed || t->skipped)
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

/* The verdict of one test: a failure overrides a skip. */
enum ktest_verdict { KTEST_PASS, KTEST_FAIL, KTEST_SKIP };

static enum ktest_verdict
ktest_run_one(const struct ktest *k, const char *nonce, uint64_t seed)
{
	static const char *const words[] = { "PASS", "FAIL", "SKIP" };
	struct ktest_ctx t = { .name = k->name, .nonce = nonce };
	enum ktest_verdict v;

	t.seed = ktest_seed(seed, k->name);
	rng_seed(&t.rng, t.seed);
	k->fn(&t);
	v = t.failed ? KTEST_FAIL : t.skipped ? KTEST_SKIP : KTEST_PASS;
	ktest_emit("KTEST %s %s %s %s", nonce, k->name, words[v], t.detail);
	return (v);
}

#define	KTEST_REQ_MAX	256	/* names one list may hold (a command line has 4095 bytes) */

/* One requested name, resolved. */
struct ktest_req {
	const struct ktest *k;		/* NULL: no test has this name */
	const char	*name;		/* into the list; not NUL-terminated */
	int		len;
};

/* The run in progress: what was asked for, and the tally so far. */
static struct {
	bool		active;		/* between ktest_begin() and ktest_end() */
	const char	*list;
	uint64_t	seed;
	struct ktest_req req[KTEST_REQ_MAX];
	int		nreq;
	bool		overflow;	/* the list named more than KTEST_REQ_MAX */
	const char	*arg;		/* NAME:ARG, the list's last entry: ARG (commas and all) */
	int		passed, failed, skipped;
} run;

static int
ktest_phase_of(const struct ktest *k)
{
	return ((k->flags & KTEST_VM) != 0 ? KTEST_PHASE_VM : KTEST_PHASE_BOOT);
}

static void
ktest_request(const struct ktest *k, const char *name, int len)
{
	if (run.nreq == KTEST_REQ_MAX) {
		run.overflow = true;
		return;
	}
	run.req[run.nreq++] = (struct ktest_req){ k, name, len };
}

/* Start a run: resolve `list` ("all", or names separated by commas) once. */
static void
ktest_begin(const char *list, const char *nonce, uint64_t seed)
{
	cur_nonce = nonce;
	cur_seq = 0;
	run.active = true;
	run.list = list;
	run.seed = seed;
	run.nreq = 0;
	run.overflow = false;
	run.arg = NULL;
	run.passed = run.failed = run.skipped = 0;
	if (strcmp(list, "all") == 0) {
		for (const struct ktest *k = __start_ktest_set; k < __stop_ktest_set; k++)
			if ((k->flags & KTEST_EXPLICIT) == 0)
				ktest_request(k, k->name, (int)strlen(k->name));
		return;
	}
	for (const char *p = list; *p != '\0';) {
		size_t len = 0;

		while (p[len] != '\0' && p[len] != ',' && p[len] != ':')
			len++;

		if (len > 0)
			ktest_request(ktest_find(p, len), p, (int)len);
		if (p[len] == ':') {		/* NAME:ARG - the rest is the argument */
			run.arg = p + len + 1;
			break;
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

/*
 * test=NAME:ARG (the list's last entry, e.g. test=user:cowtest,1,2): ARG,
 * commas included, for the test to read (ktest_user.c); NULL without one.
 */
const char *
ktest_argument(void)
{
	return (run.arg);
}

/* Does the run ask for a test of this phase? */
static bool
ktest_wants(int phase)
{
	for (int i = 0; i < run.nreq; i++)
		if (run.req[i].k != NULL && ktest_phase_of(run.req[i].k) == phase)
			return (true);
	return (false);
}

static void
ktest_run_tests(int phase)
{
	for (int i = 0; i < run.nreq; i++) {
		const struct ktest *k = run.req[i].k;

		if (k == NULL || ktest_phase_of(k) != phase)
			continue;
		switch (ktest_run_one(k, cur_nonce, run.seed)) {
		case KTEST_PASS:
			run.passed++;
			break;
		case KTEST_FAIL:
			run.failed++;
			break;
		case KTEST_SKIP:
			run.skipped++;
			break;
		}
	}
}

/*
 * End the run: report unknown names as failures, and a list that names
 * nothing ("test=" or "test=,"), so that running no test never looks like
 * passing; then END.  Returns the number of failures.
 */
static int
ktest_end(void)
{
	for (int i = 0; i < run.nreq; i++)
		if (run.req[i].k == NULL) {
			ktest_emit("KTEST %s %.*s FAIL unknown test", cur_nonce, run.req[i].len,
			    run.req[i].name);
			run.failed++;
		}
	if (run.overflow) {
		ktest_emit("KTEST %s (list) FAIL the list names more than %d tests; the rest "
		    "did not run", cur_nonce, KTEST_REQ_MAX);
		run.failed++;
	}
	if (run.nreq == 0) {
		ktest_emit("KTEST %s (none) FAIL empty test list \"%s\": name tests, or test=all",
		    cur_nonce, run.list);
		run.failed++;
	}
	ktest_emit("KTEST %s END passed=%d failed=%d skipped=%d", cur_nonce, run.passed,
	    run.failed, run.skipped);
	run.active = false;
	return (run.failed);
}

/*
 * A refused tunable in a test run stops it (grader/PROTOCOL.md): no result
 * computed from other input than the grader gave.
 */
static void
ktest_check_cmdline(void)
{
	if (kenv_errors() == 0)
		return;
	printf("vmkit: stopping: the kernel command line is bad (see the errors above)\n");
	machine_exit(EXIT_FAIL);
}

/* END, then leave QEMU: a pass when nothing failed. */
static void __noreturn
ktest_exit(void)
{
	machine_exit(ktest_end() == 0 ? EXIT_PASS : EXIT_FAIL);
}

/*
 * Start-up's hook.  Without test= on the command line, nothing.  With it:
 * the boot phase reads test=, nonce= and seed=, resolves the names, runs
 * the boot-phase tests, and leaves QEMU at once if no VM test was asked
 * for; the VM phase runs the VM tests and leaves QEMU.
 */
void
ktest_run_phase(int phase)
{
	const char *tests, *nonce;
	uint64_t seed = 1;

	if (phase == KTEST_PHASE_BOOT) {
		if ((tests = kenv_get("test")) == NULL)
			return;
		nonce = kenv_get("nonce");
		if (nonce == NULL || *nonce == '\0')
			nonce = "-";
		(void)tunable_u64("seed", &seed);
		ktest_check_cmdline();
		ktest_begin(tests, nonce, seed);
	} else if (!run.active)
		return;
	ktest_run_tests(phase);
	ktest_check_cmdline();
	if (phase == KTEST_PHASE_VM || !ktest_wants(KTEST_PHASE_VM))
		ktest_exit();
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
	ktest_run_tests(KTEST_PHASE_BOOT);
	ktest_run_tests(KTEST_PHASE_VM);
	return (ktest_end());
}

void
ktest_list(void)
{
	for (const struct ktest *k = __start_ktest_set; k < __stop_ktest_set; k++)
		printf("  %-20s%s%s\n", k->name, (k->flags & KTEST_VM) ? " [vm]" : "",
		    (k->flags & KTEST_EXPLICIT) ? " (only when named)" : "");
}
