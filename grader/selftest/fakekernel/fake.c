/*
 * fake.c: a tiny Multiboot kernel that speaks the vmkit grader protocol
 * (grader/PROTOCOL.md) well or badly, for the grader's own tests.
 * The behaviour is chosen on the command line with fake.mode=, or at build
 * time with make FAKE_MODE=<mode> (the default when fake.mode= is absent):
 *   good (default)  run the requested tests (boot, strtoull, kenv, fail, skip, panic)
 *   hang            print a banner, then spin forever
 *   wrongnonce      print PASS lines with a nonce that is not the grader's
 *   nononce         print PASS lines without any nonce
 *   panic           panic with a backtrace (exit status 37)
 *   flood           print output forever
 *   triple          triple-fault
 *   noend           print the results but no END line, exit 33
 *   badstrtoull     like good, but strtoull gets base 16 wrong
 *   dropbytes       like good, but 5 bytes of the first KDATA line are lost
 *   dropline        like good, but the first KDATA line is lost whole
 *   dropnewline     like good, but the first KDATA line's newline is lost
 *   unsealed        like good, but no line carries its ` #<seq>:<crc>` seal
 *   freelistlie     like good, but vm_boot prints a free-list table whose
 *                   isadma limit (32 MiB) is not the one in vm_phys_freelists
 * Every protocol line is sealed like the real kernel's (kern_ktest.c): it
 * ends in " #<seq>:<crc32 of the text before the ':'>".  The drop modes
 * damage a line after sealing it, as a UART losing bytes would.
 */
#ifndef FAKE_MODE
#define FAKE_MODE "good"
#endif
typedef unsigned int u32;
typedef unsigned long long u64;

void triple_fault(void);

static inline void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline unsigned char inb(unsigned short port)
{
	unsigned char v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static void uart_putc(char c)
{
	while ((inb(0x3f8 + 5) & 0x20) == 0)
		;
	outb(0x3f8, c);
}

/* A protocol line is gathered here, then sealed and sent by line_end(). */
static char line[1024];
static int line_len = -1;		/* -1: not gathering */
static u32 seq;
static char mode[32];

static void putc(char c)
{
	if (line_len < 0)
		uart_putc(c);
	else if (line_len < (int)sizeof(line) - 32)
		line[line_len++] = c;
}
static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}
static void putu(u64 v)
{
	char buf[24];
	int i = 0;
	do {
		buf[i++] = '0' + (char)(v % 10);
		v /= 10;
	} while (v);
	while (i)
		putc(buf[--i]);
}
static void qexit(int v)
{
	outb(0xf4, v);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static u32 crc32(const char *s, int n)
{
	u32 c = 0xffffffffu;
	for (int i = 0; i < n; i++) {
		c ^= (unsigned char)s[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static int streq(const char *a, const char *b, int n);

static void line_begin(void)
{
	line_len = 0;
}
/* Seal the gathered line, damage it as the mode says, and send it. */
static void line_end(void)
{
	static int kdata_seen;
	int n = line_len, first_kdata = 0, drop = 0, nl = 1;
	char *p;

	line_len = -1;
	if (!streq(mode, "unsealed", 8)) {
		line[n++] = ' ';
		line[n++] = '#';
		char d[12];
		int i = 0;
		u32 v = seq++;
		do {
			d[i++] = '0' + (char)(v % 10);
			v /= 10;
		} while (v);
		while (i)
			line[n++] = d[--i];
		u32 c = crc32(line, n);
		line[n++] = ':';
		for (int k = 7; k >= 0; k--)
			line[n++] = "0123456789abcdef"[(c >> (4 * k)) & 15];
	}
	if (line[0] == 'K' && line[1] == 'D' && !kdata_seen++)
		first_kdata = 1;
	if (first_kdata && streq(mode, "dropline", 8))
		return;
	if (first_kdata && streq(mode, "dropbytes", 9))
		drop = 5;
	if (first_kdata && streq(mode, "dropnewline", 11))
		nl = 0;
	p = line;
	for (int i = 0; i < n; i++)
		if (i < n / 2 || i >= n / 2 + drop)
			uart_putc(p[i]);
	if (nl)
		uart_putc('\n');
}

static char cmdline[4096];

static int streq(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return b[n] == 0;
}
/* Value of key in the command line, copied into out (word ends at space). */
static int getarg(const char *key, char *out, int max)
{
	const char *p = cmdline;
	int klen = 0, found = 0;
	while (key[klen])
		klen++;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		const char *eq = w;
		while (eq < p && *eq != '=')
			eq++;
		if (eq < p && eq - w == klen && streq(w, key, klen)) {
			int n = 0;
			for (const char *v = eq + 1; v < p && n < max - 1; v++)
				out[n++] = *v;
			out[n] = 0;
			found = 1;		/* and read on: the last one wins */
		}
	}
	return found;
}

static u64 fake_strtoull(const char *s, const char **end, int base, int buggy)
{
	const char *start = s;
	int neg = 0, any = 0, over = 0;
	u64 acc = 0;
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '-' || *s == '+')
		neg = (*s++ == '-');
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		char c = s[2];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
			s += 2;
			base = 16;
		}
	}
	if (base == 0)
		base = (s[0] == '0') ? 8 : 10;
	if (buggy && base == 16)
		base = 10;
	for (;; s++) {
		int d;
		char c = *s;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'Z')
			d = c - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		any = 1;
		if (acc > (~0ULL - d) / base)
			over = 1;
		acc = acc * base + d;
	}
	if (over)
		acc = ~0ULL;
	else if (neg)
		acc = -acc;
	*end = any ? s : start;
	return any ? acc : 0;
}

static const char *nonce;
static char nonce_buf[80];
static int passed, failed, skipped;

/* ok: 1 PASS, 0 FAIL, -1 SKIP (detail: the reason) */
static void result(const char *name, int ok, const char *detail)
{
	line_begin();
	puts("KTEST ");
	puts(nonce);
	puts(" ");
	puts(name);
	puts(ok > 0 ? " PASS " : ok == 0 ? " FAIL " : " SKIP ");
	puts(detail);
	line_end();
	if (ok > 0)
		passed++;
	else if (ok == 0)
		failed++;
	else
		skipped++;
}
static void kdata(const char *name)
{
	line_begin();
	puts("KDATA ");
	puts(nonce);
	puts(" ");
	puts(name);
	puts(" ");
}

/*
 * The machine's free lists as the real kernel has them (kernel/vm/
 * vm_phys_table.c): the grader reads this symbol from the ELF, whatever
 * vm_boot prints (grader/selftest/test_freelists.py).
 */
struct fake_freelist {
	u64		limit;
	const char	*name;
};
const struct fake_freelist vm_phys_freelists[2] = {
	{ 1ull << 32, "default" },
	{ 16ull << 20, "isadma" },
};

static void puthex(u64 v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[17];
	int i = 16;
	buf[i] = 0;
	do {
		buf[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	puts("0x");
	puts(&buf[i]);
}

/* The boot's free-list lines and free count, plausible for -m 128M. */
static void t_vm_boot(void)
{
	static const u64 pages[2] = { 20000, 3900 };
	for (int i = 0; i < 2; i++) {
		u64 limit = vm_phys_freelists[i].limit;
		if (i == 1 && streq(mode, "freelistlie", 11))
			limit = 32ull << 20;
		puts("vm_phys: free list ");
		putu(i);
		puts(" ");
		puts(vm_phys_freelists[i].name);
		puts(" below ");
		puthex(limit);
		puts(" pages ");
		putu(pages[i]);
		puts("\n");
	}
	puts("vm_page_startup: fake: 23900 pages free\n");
	result("vm_boot", 1, "ok");
}

static void do_panic(const char *msg)
{
	puts("panic: ");
	puts(msg);
	puts("\nbacktrace:\n  #0 0x00101234 fake_panic+0x14\n  #1 0x00100abc fake_main+0x99\n");
	if (nonce[0]) {
		line_begin();
		puts("KPANIC ");
		puts(nonce);
		line_end();
	}
	qexit(0x12);
}

/* lab 00's %XX escapes (kernel/tests/ktest_kern.c) */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}
static int unescape(char *dst, int cap, const char *src, int len)
{
	int n = 0;
	for (int i = 0; i < len && n < cap - 1; i++) {
		if (src[i] == '%' && i + 2 < len && hexval(src[i + 1]) >= 0 && hexval(src[i + 2]) >= 0) {
			dst[n++] = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
			i += 2;
		} else
			dst[n++] = src[i];
	}
	dst[n] = 0;
	return n;
}
static void putesc(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || c == '%') {
			putc('%');
			putc(hex[c >> 4]);
			putc(hex[c & 15]);
		} else
			putc((char)c);
	}
}

static void t_strtoull(int buggy)
{
	static char list[4096], tok[128];
	int n = 0;
	if (!getarg("lab00.nums", list, sizeof(list)))
		list[0] = 0;
	char *p = list;
	while (*p) {
		char *item = p;
		while (*p && *p != ',')
			p++;
		if (*p)
			*p++ = 0;
		char *colon = item;
		while (*colon && *colon != ':')
			colon++;
		if (!*colon)
			continue;
		*colon = 0;
		int base = 0;
		for (char *b = item; *b; b++)
			base = base * 10 + (*b - '0');
		const char *end;
		int tl = 0;
		while (colon[1 + tl])
			tl++;
		unescape(tok, sizeof(tok), colon + 1, tl);
		u64 v = fake_strtoull(tok, &end, base, buggy);
		kdata("strtoull");
		puts(item);
		puts(":");
		puts(colon + 1);
		puts(" value=");
		putu(v);
		puts(" used=");
		putu((u64)(end - tok));
		line_end();
		n++;
	}
	line_begin();
	puts("KTEST ");
	puts(nonce);
	puts(" strtoull PASS items=");
	putu(n);
	line_end();
	passed++;
}

static void t_kenv(void)
{
	static char keys[2048], val[512];
	if (!getarg("lab00.keys", keys, sizeof(keys)))
		keys[0] = 0;
	char *p = keys;
	while (*p) {
		char *k = p;
		while (*p && *p != ',')
			p++;
		if (*p)
			*p++ = 0;
		kdata("kenv");
		puts(k);
		if (getarg(k, val, sizeof(val))) {
			puts("=");
			puts(val);
		} else
			puts(" (none)");
		line_end();
	}
	result("kenv", 1, "");
}

/* lab 00's cmdline test: split each MAX:TEXT item, print n and the entries. */
static void t_cmdline(void)
{
	static char list[4096], buf[512];
	int item = 0;
	if (!getarg("lab00.cmdline", list, sizeof(list)))
		list[0] = 0;
	for (char *p = list; *p; item++) {
		int max = 0, len = 0, n = 0;
		while (*p >= '0' && *p <= '9')
			max = max * 10 + (*p++ - '0');
		if (*p == ':')
			p++;
		while (p[len] && p[len] != ',')
			len++;
		unescape(buf, sizeof(buf), p, len);
		p += len;
		if (*p == ',')
			p++;
		char *keys[16], *vals[16], *q = buf;
		while (*q) {
			while (*q == ' ' || (*q >= '\t' && *q <= '\r'))
				*q++ = 0;
			if (!*q)
				break;
			char *w = q, *eq = 0;
			while (*q && !(*q == ' ' || (*q >= '\t' && *q <= '\r'))) {
				if (*q == '=' && !eq)
					eq = q;
				q++;
			}
			if (*q)
				*q++ = 0;
			if (eq && eq != w && n < max) {
				*eq = 0;
				keys[n] = w;
				vals[n++] = eq + 1;
			}
		}
		kdata("cmdline");
		puts("item=");
		putu(item);
		puts(" max=");
		putu(max);
		puts(" n=");
		putu(n);
		line_end();
		for (int i = 0; i < n; i++) {
			kdata("cmdline");
			puts("item=");
			putu(item);
			puts(" entry=");
			putu(i);
			puts(" key=");
			putesc(keys[i]);
			puts(" value=");
			putesc(vals[i]);
			line_end();
		}
	}
	result("cmdline", 1, "");
}

void fake_main(u32 magic, u32 *mbi)
{
	static char tests[512];
	(void)magic;
	if (mbi[0] & 4) {
		const char *c = (const char *)mbi[4];
		int i = 0;
		while (c[i] && i < (int)sizeof(cmdline) - 1) {
			cmdline[i] = c[i];
			i++;
		}
		cmdline[i] = 0;
	}
	nonce = getarg("nonce", nonce_buf, sizeof(nonce_buf)) ? nonce_buf : "";
	if (!getarg("fake.mode", mode, sizeof(mode))) {
		const char *d = FAKE_MODE;
		int i = 0;
		while (d[i] && i < (int)sizeof(mode) - 1) {
			mode[i] = d[i];
			i++;
		}
		mode[i] = 0;
	}
	puts("fake kernel booting\n");
	if (streq(mode, "hang", 4)) {
		for (;;)
			;
	}
	if (streq(mode, "flood", 5)) {
		for (;;)
			puts("flood flood flood flood flood flood flood flood flood flood\n");
	}
	if (streq(mode, "triple", 6))
		triple_fault();
	if (streq(mode, "panic", 5))
		do_panic("fake panic for the grader");
	if (streq(mode, "wrongnonce", 10))
		nonce = "0123456789abcdef";
	if (streq(mode, "nononce", 7))
		nonce = "";
	if (!getarg("test", tests, sizeof(tests))) {
		puts("no test= given\n");
		qexit(0);
	}
	char *p = tests;
	while (*p) {
		char *t = p;
		while (*p && *p != ',')
			p++;
		if (*p)
			*p++ = 0;
		int tl = 0;
		while (t[tl])
			tl++;
		if (streq(t, "boot", tl) || streq(t, "pass", tl))
			result(t, 1, "ok");
		else if (streq(t, "strtoull", tl))
			t_strtoull(streq(mode, "badstrtoull", 11));
		else if (streq(t, "kenv", tl))
			t_kenv();
		else if (streq(t, "vm_boot", tl))
			t_vm_boot();
		else if (streq(t, "cmdline", tl))
			t_cmdline();
		else if (streq(t, "fail", tl))
			result(t, 0, "deliberate failure");
		else if (streq(t, "skip", tl))
			result(t, -1, "needs fake.arg= on the command line");
		else if (streq(t, "panic", tl))
			do_panic("deliberate panic");
		else if (streq(t, "triple", tl))
			triple_fault();
		else
			result(t, 0, "unknown test");
	}
	if (!streq(mode, "noend", 5)) {
		line_begin();
		puts("KTEST ");
		puts(nonce);
		puts(" END passed=");
		putu(passed);
		puts(" failed=");
		putu(failed);
		puts(" skipped=");
		putu(skipped);
		line_end();
	}
	qexit(failed ? 0x11 : 0x10);
}
