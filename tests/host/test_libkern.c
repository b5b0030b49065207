/*
 * test_libkern.c - the kernel's strtoull and printf against the host C
 * library, which serves as the oracle, over random inputs; the command-line
 * parser.  Kernel side: strtoull, snprintf and strcmp here are the
 * kernel's (sys/systm.h, renamed by hostnames.h); libc's are libc_*.
 */
#include <sys/systm.h>
#include <sys/kenv.h>

#include "harness.h"
#include "libc_oracle.h"

static unsigned long long rng_state;

static unsigned long long
rnd(void)
{
	return (harness_xorshift(&rng_state));
}

/* A random token from a grammar that hits prefixes, signs, overflow, junk. */
static void
random_token(char *buf, size_t size)
{
	static const char *const pre[] = { "", "", " ", "+", "-", "0x", "0X", "0", "-0x", "\t" };
	static const char alphabet[] = "0123456789abcdefxzABCDEF";
	size_t n = strlcpy(buf, pre[rnd() % 10], size);
	size_t len = rnd() % 24;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		buf[n++] = alphabet[rnd() % (sizeof(alphabet) - 1)];
	buf[n] = '\0';
}

HOST_TEST(strtoull_matches_libc)
{
	static const int bases[] = { 0, 8, 10, 16, 2, 36 };
	char tok[64], *kend, *lend;
	int erange;

	rng_state = harness_seed() | 1;
	for (int i = 0; i < 20000; i++) {
		int base = bases[rnd() % 6];

		random_token(tok, sizeof(tok));
		unsigned long long k = strtoull(tok, &kend, base);
		unsigned long long l = libc_strtoull(tok, &lend, base, &erange);
		CHECK(k == l && kend == lend, "strtoull(\"%s\", %d): kernel %llu used %td, libc %llu used %td",
		    tok, base, k, kend - tok, l, lend - tok);
	}
}

HOST_TEST(strtoull_edges)
{
	char *end;

	CHECK(strtoull("18446744073709551615", &end, 10) == UINT64_MAX && *end == '\0', "max");
	CHECK(strtoull("18446744073709551616", &end, 10) == UINT64_MAX && *end == '\0', "overflow");
	CHECK(strtoull("0x", &end, 16) == 0 && *end == 'x', "bare 0x");
	CHECK(strtoull("", &end, 0) == 0 && *end == '\0', "empty");
	CHECK(strtoull("0x1c0000000", NULL, 0) == 0x1c0000000ull, "a PAE address");
}

/* The argument each format takes. */
enum fmt_arg { ARG_INT, ARG_ULL, ARG_SIZE, ARG_CHAR };

HOST_TEST(snprintf_matches_libc)
{
	static const struct { const char *fmt; enum fmt_arg arg; } fmts[] = {
		{ "%d", ARG_INT }, { "%5d", ARG_INT }, { "%-5d|", ARG_INT }, { "%05d", ARG_INT },
		{ "%u", ARG_INT }, { "%x", ARG_INT }, { "%08x", ARG_INT }, { "%#x", ARG_INT },
		{ "%#010x", ARG_INT }, { "%X", ARG_INT }, { "%o", ARG_INT }, { "%lld", ARG_ULL },
		{ "%llx", ARG_ULL }, { "%020llu", ARG_ULL }, { "%jx", ARG_ULL }, { "%#jx", ARG_ULL },
		{ "%zu", ARG_SIZE }, { "%c", ARG_CHAR }, { "%%", ARG_INT },
	};
	char k[128], l[128];

	rng_state = harness_seed() * 3 + 1;
	for (int i = 0; i < 20000; i++) {
		int w = (int)(rnd() % nitems(fmts));
		const char *f = fmts[w].fmt;
		unsigned long long v = rnd() >> (rnd() % 64);
		int kn, ln;

		switch (fmts[w].arg) {
		case ARG_ULL:
			kn = snprintf(k, sizeof(k), f, v);
			ln = libc_snprintf(l, sizeof(l), f, v);
			break;
		case ARG_SIZE:
			kn = snprintf(k, sizeof(k), f, (size_t)v);
			ln = libc_snprintf(l, sizeof(l), f, (size_t)v);
			break;
		case ARG_CHAR:
			kn = snprintf(k, sizeof(k), f, 'a' + (int)(v % 26));
			ln = libc_snprintf(l, sizeof(l), f, 'a' + (int)(v % 26));
			break;
		default:
			kn = snprintf(k, sizeof(k), f, (int)v);
			ln = libc_snprintf(l, sizeof(l), f, (int)v);
			break;
		}
		CHECK(strcmp(k, l) == 0 && kn == ln, "format \"%s\" of %llu: kernel \"%s\" (%d), libc \"%s\" (%d)",
		    f, v, k, kn, l, ln);
	}
}

HOST_TEST(snprintf_strings_and_truncation)
{
	char buf[8];
	char *volatile null = NULL;	/* volatile: gcc's format check rejects a literal NULL */

	CHECK(snprintf(buf, sizeof(buf), "%s|%-4s|%.2s", "ab", "c", "xyz") == 10 &&
	    strcmp(buf, "ab|c   ") == 0, "got \"%s\"", buf);
	CHECK(snprintf(buf, sizeof(buf), "%s", null) == 6, "NULL string");
	CHECK(snprintf(buf, sizeof(buf), "%p", (void *)0x1234) == 18 &&
	    strcmp(buf, "0x00000") == 0, "pointer, truncated: \"%s\"", buf);
}

HOST_TEST(cmdline_parse_words)
{
	char buf[] = "build/i386/kernel.elf  test=boot,meminfo seed=42\tempty= =nokey bare last=1";
	struct kenv_entry tab[8];
	int n = cmdline_parse(buf, tab, 8);

	CHECK(n == 4, "parsed %d entries, want 4", n);
	CHECK(strcmp(tab[0].key, "test") == 0 && strcmp(tab[0].value, "boot,meminfo") == 0, "test=");
	CHECK(strcmp(tab[1].key, "seed") == 0 && strcmp(tab[1].value, "42") == 0, "seed=");
	CHECK(strcmp(tab[2].key, "empty") == 0 && tab[2].value[0] == '\0', "empty=");
	CHECK(strcmp(tab[3].key, "last") == 0 && strcmp(tab[3].value, "1") == 0, "last=");
}

HOST_TEST(cmdline_parse_limit)
{
	char buf[] = "a=1 b=2 c=3 d=4";
	struct kenv_entry tab[2];

	CHECK(cmdline_parse(buf, tab, 2) == 2, "the table limit was not respected");
}
