/*
 * kern_environment.c - the kernel environment: the multiboot command line
 * split into key=value words.
 *
 * The loader passes one string, e.g.
 *     "build/i386/kernel.elf test=boot,meminfo seed=42 nonce=9f3c vm.blacklist=0x200000"
 * kenv_init() copies it into kernel memory (the loader's copy lives in memory
 * the allocator will hand out) and cmdline_parse() splits the copy in place:
 *
 *     "test=boot,meminfo\0seed=42\0..."      tab[0] = { "test", "boot,meminfo" }
 *           ^key   ^value                     tab[1] = { "seed", "42" } ...
 *
 * Everything after this point asks kenv_get("key").
 */
#include <sys/systm.h>
#include <sys/kenv.h>

static char cmdline_copy[CMDLINE_MAX];
static struct kenv_entry kenv_tab[KENV_MAX];
static int kenv_n;

/*
 * cmdline_parse: split `buf` in place into white-space separated words and
 * record each word of the form key=value in tab[] (at most `max` entries;
 * further words are ignored).  Words without '=' (the kernel's own file
 * name comes first) are skipped.  A word "key=" has the value "".  Each
 * key and value points into buf, NUL-terminated.  If a key appears twice,
 * both entries are recorded; kenv_get() returns the last one.
 * Returns the number of entries recorded.  This is lab 00's second exercise.
 */
int
cmdline_parse(char *buf, struct kenv_entry *tab, int max)
{
/* BEGIN LAB 00 cmdline_parse
 * stub:
 *	(void)buf; (void)tab; (void)max;
 *	panic("lab 00: cmdline_parse: not implemented");
 */
	char *p = buf, *word, *eq;
	int n = 0;

	while (*p != '\0') {
		while (isspace(*p))
			*p++ = '\0';
		if (*p == '\0')
			break;
		word = p;
		while (*p != '\0' && !isspace(*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
		eq = strchr(word, '=');
		if (eq == NULL || eq == word || n == max)
			continue;
		*eq = '\0';
		tab[n].key = word;
		tab[n].value = eq + 1;
		n++;
	}
	return (n);
/* END LAB 00 cmdline_parse */
}

void
kenv_init(const char *cmdline)
{
	if (cmdline == NULL)
		cmdline = "";
	if (strlcpy(cmdline_copy, cmdline, sizeof(cmdline_copy)) >= sizeof(cmdline_copy))
		printf("kenv: command line longer than %d bytes, truncated\n", CMDLINE_MAX - 1);
	kenv_n = cmdline_parse(cmdline_copy, kenv_tab, KENV_MAX);
}

const char *
kenv_get(const char *key)
{
	for (int i = kenv_n - 1; i >= 0; i--)
		if (strcmp(kenv_tab[i].key, key) == 0)
			return (kenv_tab[i].value);
	return (NULL);
}

int
kenv_count(void)
{
	return (kenv_n);
}

const struct kenv_entry *
kenv_entry(int i)
{
	return (i >= 0 && i < kenv_n ? &kenv_tab[i] : NULL);
}

/* A numeric tunable (any strtoull base-0 form).  False if absent or malformed. */
bool
tunable_u64(const char *key, uint64_t *val)
{
	const char *s = kenv_get(key);
	char *end;
	uint64_t v;

	if (s == NULL)
		return (false);
	v = strtoull(s, &end, 0);
	if (end == s || *end != '\0') {
		printf("kenv: tunable %s=\"%s\" is not a number; ignored\n", key, s);
		return (false);
	}
	*val = v;
	return (true);
}
