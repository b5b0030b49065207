/*
 * sys/kenv.h - the kernel environment: key=value words from the boot
 * command line, parsed once at startup.
 *
 * Tunables are kernel settings taken from the environment.  Read each one
 * once, at the start of the code that uses it, never inside a per-page or
 * per-object loop: FreeBSD once looked a tunable up for every page in
 * vm_page_startup() and lost about a second of boot to it.
 */
#ifndef _SYS_KENV_H_
#define _SYS_KENV_H_

#include <sys/types.h>

#define	KENV_MAX	64		/* at most this many key=value words */
#define	CMDLINE_MAX	4096		/* bytes of command line kept */

struct kenv_entry {
	const char	*key;
	const char	*value;		/* "" for a bare "key=" */
};

void		kenv_init(const char *cmdline);
int		cmdline_parse(char *buf, struct kenv_entry *tab, int max);
const char	*kenv_get(const char *key);
int		kenv_count(void);
const struct kenv_entry *kenv_entry(int i);
bool		tunable_u64(const char *key, uint64_t *val);
bool		tunable_u64_max(const char *key, uint64_t max, uint64_t *val);
int		kstrtou64(const char *s, char **end, uint64_t max, uint64_t *v);
void		kenv_reject(const char *key, const char *fmt, ...) __printflike(2, 3);
int		kenv_errors(void);

#endif
