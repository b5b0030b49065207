/*
 * test_kenv.c - the kernel's handling of bad command-line input, hosted:
 * kstrtou64 (the strict number parser of tunables and monitor arguments)
 * against libc's strtoull as the oracle, tunables that overflow or carry a
 * sign, a command line with too many words, and contiguous requests larger
 * than any machine.  Each of these once gave a silently wrong answer or hung.
 * Kernel side: the kernel's headers, errno values and snprintf.
 */
#include <sys/systm.h>
#include <sys/kenv.h>

#include "harness.h"
#include "host_machine.h"
#include "libc_oracle.h"

static unsigned long long rng_state;

static unsigned long long
rnd(void)
{
	return (harness_xorshift(&rng_state));
}

HOST_TEST(kstrtou64_matches_libc_where_strict)
{
	static const char *const pre[] = { "", "0x", "0X", "0", "-", "+", " ", "0x0" };
	static const char alphabet[] = "0123456789abcdefABCDEFx,";
	char tok[48], *kend, *lend;
	uint64_t v, max;
	int erange;

	rng_state = harness_seed() | 1;
	for (int i = 0; i < 20000; i++) {
		size_t n = strlcpy(tok, pre[rnd() % 8], sizeof(tok));
		size_t len = rnd() % 24;

		for (size_t k = 0; k < len && n + 1 < sizeof(tok); k++)
			tok[n++] = alphabet[rnd() % (sizeof(alphabet) - 1)];
		tok[n] = '\0';
		max = (rnd() & 1) ? UINT64_MAX : rnd() >> (rnd() % 64);
		unsigned long long l = libc_strtoull(tok, &lend, 0, &erange);
		int err = kstrtou64(tok, &kend, max, &v);
		int digit_first = tok[0] >= '0' && tok[0] <= '9';

		if (!digit_first || lend == tok) {
			CHECK(err == EINVAL && kend == tok, "\"%s\": want EINVAL, got %d", tok, err);
		} else if (erange || l > max) {
			CHECK(err == ERANGE && kend == lend, "\"%s\" (max %#llx): want ERANGE, got %d "
			    "(used %td, libc %td)", tok, (unsigned long long)max, err, kend - tok, lend - tok);
		} else {
			CHECK(err == 0 && v == l && kend == lend, "\"%s\": got %d %#llx used %td, libc "
			    "%#llx used %td", tok, err, (unsigned long long)v, kend - tok, l, lend - tok);
		}
	}
}

HOST_TEST(kstrtou64_edges)
{
	char *end;
	uint64_t v = 0;

	CHECK(kstrtou64("18446744073709551615", &end, UINT64_MAX, &v) == 0 && v == UINT64_MAX, "max");
	CHECK(kstrtou64("0xffffffffffffffff", &end, UINT64_MAX, &v) == 0 && v == UINT64_MAX, "hex max");
	CHECK(kstrtou64("18446744073709551616", &end, UINT64_MAX, &v) == ERANGE, "2^64");
	/* Saturation in every base; a real UINT64_MAX with leading zeros is not one. */
	CHECK(kstrtou64("01777777777777777777777", &end, UINT64_MAX, &v) == 0 && v == UINT64_MAX,
	    "octal max");
	CHECK(kstrtou64("0x0000FFFFffffffffffff", &end, UINT64_MAX, &v) == 0 && v == UINT64_MAX,
	    "hex max, zeros, mixed case");
	CHECK(kstrtou64("02000000000000000000000", &end, UINT64_MAX, &v) == ERANGE, "octal 2^64");
	CHECK(kstrtou64("0x1ffffffffffffffff", &end, UINT64_MAX, &v) == ERANGE, "hex 2^65-1");
	CHECK(kstrtou64("99999999999999999999999", &end, UINT64_MAX, &v) == ERANGE, "all nines");
	CHECK(kstrtou64("0x100005000", &end, 0xffffffff, &v) == ERANGE && *end == '\0',
	    "an address above 4 GiB must not fit 32 bits");
	CHECK(kstrtou64("0xffffffff", &end, 0xffffffff, &v) == 0 && v == 0xffffffff, "4 GiB - 1");
	CHECK(kstrtou64("-1", &end, UINT64_MAX, &v) == EINVAL, "a sign");
	CHECK(kstrtou64(" 1", &end, UINT64_MAX, &v) == EINVAL, "white space");
	CHECK(kstrtou64("0x1000,0x2000", &end, UINT64_MAX, &v) == 0 && v == 0x1000 && *end == ',',
	    "stops at the comma");
}

/* seed= and other numeric tunables: overflow and signs are refused, not wrapped. */
HOST_TEST(tunable_u64_refuses_overflow_and_sign)
{
	uint64_t v;

	kenv_init("kernel.elf test=boot seed=18446744073709551616 neg=-1 ok=0x2a big=0xffffffffffffffff");
	v = 7;
	CHECK(!tunable_u64("seed", &v) && v == 7, "seed=2^64 was taken as %#llx",
	    (unsigned long long)v);
	CHECK(!tunable_u64("neg", &v) && v == 7, "neg=-1 was taken as %#llx", (unsigned long long)v);
	CHECK(tunable_u64("ok", &v) && v == 42, "ok=0x2a");
	CHECK(tunable_u64("big", &v) && v == UINT64_MAX, "big=2^64-1");
}

/* 64 key=value words fit; the 65th is an error, not a silent drop. */
HOST_TEST(kenv_too_many_words_is_an_error)
{
	static char line[4096];
	size_t n = (size_t)snprintf(line, sizeof(line), "kernel.elf");

	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " k%d=%d", i, i);
	kenv_init(line);
	CHECK(kenv_count() == 64 && kenv_errors() == 0, "64 words: %d kept, %d errors",
	    kenv_count(), kenv_errors());
	snprintf(line + n, sizeof(line) - n, " test=boot");
	kenv_init(line);
	CHECK(kenv_errors() == 1, "65 words: %d errors, want 1", kenv_errors());
}

/* No run is larger than the address space: refused at once, never an endless loop. */
HOST_TEST(contig_impossible_sizes_return_none)
{
	static const struct sim_range r[] = { { 0x100000, 0x2000000 } };

	sim_setup(r, 1);
	CHECK(sim_alloc_contig((1ul << 63) + 1, 0, ~0ull, 4096, 0) == SIM_NONE, "2^63 + 1 pages");
	CHECK(sim_alloc_contig(~0ul, 0, ~0ull, 4096, 0) == SIM_NONE, "ULONG_MAX pages");
	CHECK(sim_alloc_contig(0x80000001ul, 0, ~0ull, 4096, 0) == SIM_NONE, "2^31 + 1 pages");
	CHECK(sim_alloc_contig(16, 0, ~0ull, 4096, 0) != SIM_NONE, "16 pages still work");
}
