/*
 * subr_prf.c - the kernel's printf.
 *
 * One formatter, kvprintf(), drives printf (to the console) and snprintf
 * (to a buffer).  It understands the 64-bit length modifiers (ll, j) because
 * physical addresses are 64-bit under PAE and must always be printed with
 * %jx / %llx after a cast to uintmax_t; see DEVELOPERS.md rule 3.
 *
 * Division of 64-bit numbers on i386 calls libgcc's __udivdi3, which is why
 * the kernel links libgcc (gcc-multilib provides the 32-bit one).
 */
#include <sys/systm.h>
#include <sys/cons.h>
#include <sys/msgbuf.h>

struct fmtspec {
	int	width;
	bool	zero_pad;
	bool	left;
	bool	alt;		/* '#': 0x before hex */
	int	prec;		/* %.Ns / %.*s: at most N characters; -1 none */
	int	lenmod;		/* 0 int, 1 long, 2 long long / intmax, 3 size_t */
};

static const char digits_lower[] = "0123456789abcdef";
static const char digits_upper[] = "0123456789ABCDEF";

/*
 * Emit `n` in `base` honouring width and padding; returns characters put.
 * The sign or "0x" prefix counts toward the width, as in C: "%#010x" of
 * 0x1234 is "0x00001234".
 */
static int
put_number(uint64_t n, int base, const char *prefix, bool upper, const struct fmtspec *fs,
    void (*put)(int, void *), void *arg)
{
	char buf[24];
	const char *dig = upper ? digits_upper : digits_lower;
	int len = 0, total = 0, pad;

	do {
		buf[len++] = dig[n % base];
		n /= base;
	} while (n != 0);
	pad = fs->width - len - (int)strlen(prefix);
	if (!fs->left && !fs->zero_pad)
		for (; pad > 0; pad--, total++)
			put(' ', arg);
	for (; *prefix != '\0'; prefix++, total++)
		put(*prefix, arg);
	if (!fs->left && fs->zero_pad)
		for (; pad > 0; pad--, total++)
			put('0', arg);
	while (len > 0) {
		put(buf[--len], arg);
		total++;
	}
	for (; fs->left && pad > 0; pad--, total++)
		put(' ', arg);
	return (total);
}

static int
put_string(const char *s, const struct fmtspec *fs, void (*put)(int, void *), void *arg)
{
	int len, total = 0, pad;

	if (s == NULL)
		s = "(null)";
	for (len = 0; s[len] != '\0' && (fs->prec < 0 || len < fs->prec); len++)
		continue;
	pad = fs->width - len;
	for (; !fs->left && pad > 0; pad--, total++)
		put(' ', arg);
	for (int i = 0; i < len; i++, total++)
		put(s[i], arg);
	for (; fs->left && pad > 0; pad--, total++)
		put(' ', arg);
	return (total);
}

static uint64_t
fetch_unsigned(const struct fmtspec *fs, va_list *ap)
{
	switch (fs->lenmod) {
	case 2:
		return (va_arg(*ap, unsigned long long));
	case 1:
		return (va_arg(*ap, unsigned long));
	case 3:
		return (va_arg(*ap, size_t));
	default:
		return (va_arg(*ap, unsigned int));
	}
}

static int64_t
fetch_signed(const struct fmtspec *fs, va_list *ap)
{
	switch (fs->lenmod) {
	case 2:
		return (va_arg(*ap, long long));
	case 1:
		return (va_arg(*ap, long));
	case 3:
		return (va_arg(*ap, ssize_t));
	default:
		return (va_arg(*ap, int));
	}
}

/* Parse flags, width and length modifier after a '%'; returns the conversion. */
static const char *
parse_spec(const char *p, struct fmtspec *fs)
{
	*fs = (struct fmtspec){ .prec = -1 };
	for (;; p++) {
		if (*p == '0')
			fs->zero_pad = true;
		else if (*p == '-')
			fs->left = true;
		else if (*p == '#')
			fs->alt = true;
		else
			break;
	}
	while (*p >= '0' && *p <= '9')
		fs->width = fs->width * 10 + (*p++ - '0');
	if (*p == '.') {
		fs->prec = 0;
		if (*++p == '*') {
			fs->prec = -2;		/* taken from the arguments */
			p++;
		}
		while (*p >= '0' && *p <= '9')
			fs->prec = fs->prec * 10 + (*p++ - '0');
	}
	if (*p == 'l') {
		fs->lenmod = 1;
		if (*++p == 'l') {
			fs->lenmod = 2;
			p++;
		}
	} else if (*p == 'j' || *p == 'q') {
		fs->lenmod = 2;
		p++;
	} else if (*p == 'z') {
		fs->lenmod = 3;
		p++;
	}
	return (p);
}

int
kvprintf(const char *fmt, void (*put)(int, void *), void *arg, va_list ap)
{
	struct fmtspec fs;
	va_list aq;
	uint64_t uv;
	int64_t sv;
	int total = 0;

	va_copy(aq, ap);
	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			put(*p, arg);
			total++;
			continue;
		}
		p = parse_spec(p + 1, &fs);
		if (fs.prec == -2)
			fs.prec = va_arg(aq, int);
		switch (*p) {
		case 'd':
		case 'i':
			sv = fetch_signed(&fs, &aq);
			total += put_number(sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10,
			    sv < 0 ? "-" : "", false, &fs, put, arg);
			break;
		case 'u':
			total += put_number(fetch_unsigned(&fs, &aq), 10, "", false, &fs, put, arg);
			break;
		case 'x':
		case 'X':
			uv = fetch_unsigned(&fs, &aq);
			total += put_number(uv, 16, fs.alt && uv != 0 ? "0x" : "",
			    *p == 'X', &fs, put, arg);
			break;
		case 'o':
			total += put_number(fetch_unsigned(&fs, &aq), 8, "", false, &fs, put, arg);
			break;
		case 'p':
			fs.width = 2 + 2 * (int)sizeof(void *);
			fs.zero_pad = true;
			total += put_number((uintptr_t)va_arg(aq, void *), 16, "0x", false,
			    &fs, put, arg);
			break;
		case 's':
			total += put_string(va_arg(aq, const char *), &fs, put, arg);
			break;
		case 'c':
			put(va_arg(aq, int), arg);
			total++;
			break;
		case '\0':
			p--;
			break;
		default:	/* '%%' and unknown conversions print themselves */
			put(*p, arg);
			total++;
			break;
		}
	}
	va_end(aq);
	return (total);
}

/* The console, and the message buffer (sys/msgbuf.h) that keeps a copy. */
static void
cons_put(int c, void *arg __unused)
{
	msgbuf_putc(c);
	if (c == '\n')
		cons_putc('\r');
	cons_putc(c);
}

int
vprintf(const char *fmt, va_list ap)
{
	return (kvprintf(fmt, cons_put, NULL, ap));
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return (n);
}

struct snbuf {
	char	*p;
	size_t	left;
};

static void
buf_put(int c, void *arg)
{
	struct snbuf *b = arg;

	if (b->left > 1) {
		*b->p++ = (char)c;
		b->left--;
	}
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snbuf b = { buf, size };
	int n;

	n = kvprintf(fmt, buf_put, &b, ap);
	if (size > 0)
		*b.p = '\0';
	return (n);
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n);
}
