/*
 * test_libkern.c - the kernel's strtoull and printf against the host C
 * library, which serves as the oracle, over random inputs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernel_api.h"

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
	size_t n = (size_t)snprintf(buf, size, "%s", pre[rnd() % 10]);
	size_t len = rnd() % 24;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		buf[n++] = alphabet[rnd() % (sizeof(alphabet) - 1)];
	buf[n] = '\0';
}

HOST_TEST(strtoull_matches_libc)
{
	static const int bases[] = { 0, 8, 10, 16, 2, 36 };
	char tok[64], *kend, *lend;

	rng_state = harness_seed() | 1;
	for (int i = 0; i < 20000; i++) {
		int base = bases[rnd() % 6];

		random_token(tok, sizeof(tok));
		unsigned long long k = vmk_strtoull(tok, &kend, base);
		unsigned long long l = strtoull(tok, &lend, base);
		CHECK(k == l && kend == lend, "strtoull(\"%s\", %d): kernel %llu used %td, libc %llu used %td",
		    tok, base, k, kend - tok, l, lend - tok);
	}
}

HOST_TEST(strtoull_edges)
{
	char *end;

	CHECK(vmk_strtoull("18446744073709551615", &end, 10) == UINT64_MAX && *end == '\0', "max");
	CHECK(vmk_strtoull("18446744073709551616", &end, 10) == UINT64_MAX && *end == '\0', "overflow");
	CHECK(vmk_strtoull("0x", &end, 16) == 0 && *end == 'x', "bare 0x");
	CHECK(vmk_strtoull("", &end, 0) == 0 && *end == '\0', "empty");
	CHECK(vmk_strtoull("0x1c0000000", NULL, 0) == 0x1c0000000ull, "a PAE address");
}

HOST_TEST(snprintf_matches_libc)
{
	static const char *const fmts[] = {
		"%d", "%5d", "%-5d|", "%05d", "%u", "%x", "%08x", "%#x", "%#010x", "%X",
		"%o", "%lld", "%llx", "%020llu", "%jx", "%#jx", "%zu", "%c", "%%",
	};
	char k[128], l[128];

	rng_state = harness_seed() * 3 + 1;
	for (int i = 0; i < 20000; i++) {
		const char *f = fmts[rnd() % (sizeof(fmts) / sizeof(fmts[0]))];
		unsigned long long v = rnd() >> (rnd() % 64);
		int kn, ln;

		if (strstr(f, "ll") || strchr(f, 'j')) {
			kn = vmk_snprintf(k, sizeof(k), f, v);
			ln = snprintf(l, sizeof(l), f, v);
		} else if (strchr(f, 'z')) {
			kn = vmk_snprintf(k, sizeof(k), f, (size_t)v);
			ln = snprintf(l, sizeof(l), f, (size_t)v);
		} else if (strchr(f, 'c')) {
			kn = vmk_snprintf(k, sizeof(k), f, 'a' + (int)(v % 26));
			ln = snprintf(l, sizeof(l), f, 'a' + (int)(v % 26));
		} else {
			kn = vmk_snprintf(k, sizeof(k), f, (int)v);
			ln = snprintf(l, sizeof(l), f, (int)v);
		}
		CHECK(strcmp(k, l) == 0 && kn == ln, "format \"%s\" of %llu: kernel \"%s\" (%d), libc \"%s\" (%d)",
		    f, v, k, kn, l, ln);
	}
}

HOST_TEST(snprintf_strings_and_truncation)
{
	char buf[8];

	CHECK(vmk_snprintf(buf, sizeof(buf), "%s|%-4s|%.2s", "ab", "c", "xyz") == 10 &&
	    strcmp(buf, "ab|c   ") == 0, "got \"%s\"", buf);
	CHECK(vmk_snprintf(buf, sizeof(buf), "%s", (char *)NULL) == 6, "NULL string");
	CHECK(vmk_snprintf(buf, sizeof(buf), "%p", (void *)0x1234) == 18 &&
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
