/*
 * printf.c - formatted output: %d %i %u %x %p %s %c %%, with l and ll,
 * a width and the 0 and - flags.  printf formats into a buffer and writes
 * it with one system call, so a line from one process is not cut into by
 * another's.
 */
#include <ulib.h>

struct out {
	char	*buf;
	size_t	size, len;
};

static void
out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void
out_num(struct out *o, unsigned long long v, int base, bool neg, int width, char pad, bool left)
{
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	len = n + neg;
	if (neg && pad == '0')
		out_c(o, '-');
	for (; !left && width > len; width--)
		out_c(o, pad);
	if (neg && pad != '0')
		out_c(o, '-');
	while (n > 0)
		out_c(o, tmp[--n]);
	for (; left && width > len; width--)
		out_c(o, ' ');
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt != '\0'; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		bool left = false;
		unsigned long long u;
		long long s;
		const char *str;

		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '0' || *fmt == '-'; fmt++)
			if (*fmt == '0')
				pad = '0';
			else
				left = true;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			lng++;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			out_num(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, 10, s < 0,
			    width, pad, left);
			break;
		case 'u':
		case 'x':
			u = lng >= 2 ? va_arg(ap, unsigned long long) : lng ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned int);
			out_num(&o, u, *fmt == 'u' ? 10 : 16, false, width, pad, left);
			break;
		case 'p':
			out_c(&o, '0');
			out_c(&o, 'x');
			out_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, width, pad, left);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (str == NULL)
				str = "(null)";
			for (int n = (int)strlen(str); !left && width > n; width--)
				out_c(&o, ' ');
			for (int n = 0; str[n] != '\0'; n++, width--)
				out_c(&o, str[n]);
			for (; left && width > 0; width--)
				out_c(&o, ' ');
			break;
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_c(&o, *fmt);
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return ((int)o.len);
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

int
printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	return ((int)write(1, buf, n));
}
