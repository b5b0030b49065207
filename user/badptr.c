/*
 * badptr - every bad pointer a system call can be given, and every fault
 * a program can take; the kernel must answer each with an error or by
 * killing the program, never by panicking.
 *
 *   EFAULT: NULL, a kernel address, a range crossing the end of user
 *           space, an unmapped page, a range running off a mapping, a
 *           read-only page on copyout (text; an mprotect'ed page), for
 *           write, wait, nanosleep and execve (path, argv, an argument)
 *   other errors: mmap/munmap/mprotect of bad ranges (EINVAL), an unknown
 *           program (ENOENT), an unknown system call (ENOSYS)
 *   killed (in a child; the status checked): a NULL load, a store to
 *           text, a jump into the kernel, a privileged instruction, an
 *           invalid opcode, a division by zero, a stack overflow
 *
 * Prints one line per case (`badptr: <case> ok`), then the counts; exits
 * with the number of failures.
 */
#include <ulib.h>

#ifdef __LP64__
#define	KERNEL_ADDR	0xffffffff80100000ul
#else
#define	KERNEL_ADDR	0xc0100000ul
#endif

static int passed, failed;
static uintptr_t utop;		/* the end of user space: the top of the stack */

static void
check(const char *name, long got, long want)
{
	if (got == want) {
		printf("badptr: %s ok\n", name);
		passed++;
	} else {
		printf("badptr: %s FAILED: got %ld, want %ld\n", name, got, want);
		failed++;
	}
}

static long
raw_syscall99(void)
{
	long rv;

#ifdef __LP64__
	__asm__ volatile("int $0x80" : "=a"(rv) : "a"(99L) : "memory", "rcx", "r11");
#else
	__asm__ volatile("int $0x80" : "=a"(rv) : "a"(99L) : "memory");
#endif
	return (rv);
}

/* Children that die: each returns the status its parent should see. */
static void
die_null(void)
{
	printf("%d\n", *(volatile int *)0);
}

static void
die_text_store(void)
{
	*(volatile int *)(uintptr_t)die_null = 0;
}

static void
die_kernel_jump(void)
{
	((void (*)(void))KERNEL_ADDR)();
}

static void
die_privileged(void)
{
	__asm__ volatile("cli; hlt");
}

static void
die_ud2(void)
{
	__asm__ volatile("ud2");
}

static void
die_divide(void)
{
	unsigned int q;

	/* In assembly: the compiler may turn a C division by a variable into a compare. */
	__asm__ volatile("xorl %%edx, %%edx; divl %1" : "=a"(q) : "r"(0u), "a"(1u) : "edx");
	printf("%u\n", q);
}

static int depth_limit = 1 << 30;	/* not const: the compiler may not see the end */

static int
recurse(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n >= depth_limit)
		return (0);
	return (recurse(n + 1) + pad[0]);
}

static void
die_stack(void)
{
	printf("%d\n", recurse(0));
}

static void
killed(const char *name, void (*fn)(void), int want)
{
	int pid = fork(), st = -1;

	if (pid == 0) {
		fn();
		exit(0);	/* survived: status 0 fails the check */
	}
	if (pid < 0 || wait(&st) != pid)
		st = -1;
	check(name, st, want);
}

int
main(int argc, char **argv)
{
	char *args[] = { "echo", NULL, NULL };
	char *kargv = (char *)KERNEL_ADDR;
	uint64_t ns = 1;
	intptr_t page;
	int st, pid;

	utop = ((uintptr_t)argv[0] + PAGE_SIZE) & ~(uintptr_t)(PAGE_SIZE - 1);

	/* copyin */
	check("write NULL", write(1, NULL, 8), -EFAULT);
	check("write kernel address", write(1, (void *)KERNEL_ADDR, 8), -EFAULT);
	check("write user top", write(1, (void *)utop, 8), -EFAULT);
	check("write crossing the end of user space", write(1, (void *)(utop - 4), 16), -EFAULT);
	check("write unmapped", write(1, (void *)0x10000000, 8), -EFAULT);
	page = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	check("mmap two pages", page > 0, 1);
	check("munmap the second", munmap((void *)(page + PAGE_SIZE), PAGE_SIZE), 0);
	memset((void *)page, 'x', PAGE_SIZE);
	check("write running off a mapping", write(1, (void *)(page + PAGE_SIZE - 4), 16), -EFAULT);
	check("nanosleep NULL", nanosleep(NULL), -EFAULT);
	check("nanosleep kernel address", nanosleep((uint64_t *)KERNEL_ADDR), -EFAULT);
	check("nanosleep good", nanosleep(&ns), 0);
	check("execve NULL path", execve(NULL, args), -EFAULT);
	check("execve kernel path", execve((char *)KERNEL_ADDR, args), -EFAULT);
	check("execve kernel argv", execve("echo", (char **)kargv), -EFAULT);
	args[1] = (char *)KERNEL_ADDR;
	check("execve kernel argument", execve("echo", args), -EFAULT);
	args[1] = NULL;
	check("execve unknown program", execve("nosuchprogram", args), -ENOENT);
	check("unknown system call", raw_syscall99(), -ENOSYS);

	/* copyout */
	if ((pid = fork()) == 0)
		exit(7);
	check("wait into text", wait((int *)(uintptr_t)main), -EFAULT);
	if ((pid = fork()) == 0)
		exit(7);
	check("mprotect read-only", mprotect((void *)page, PAGE_SIZE, PROT_READ), 0);
	check("wait into a read-only page", wait((int *)page), -EFAULT);
	check("read-only page kept", *(volatile char *)page, 'x');
	if ((pid = fork()) == 0)
		exit(7);
	check("wait into a kernel address", wait((int *)KERNEL_ADDR), -EFAULT);
	if ((pid = fork()) == 0)
		exit(7);
	check("wait good", wait(&st) == pid && st == 7, 1);
	check("wait no children", wait(&st), -ECHILD);

	/* bad ranges */
	check("mmap length 0", mmap(NULL, 0, PROT_READ, 0), -EINVAL);
	check("mmap fixed at a kernel address", mmap((void *)KERNEL_ADDR, PAGE_SIZE, PROT_READ,
	    MAP_FIXED), -EINVAL);
	check("munmap unaligned", munmap((void *)(page + 1), PAGE_SIZE), -EINVAL);
	check("mprotect kernel range", mprotect((void *)KERNEL_ADDR, PAGE_SIZE, PROT_READ), -EINVAL);
	check("sbrk below the heap", sbrk(-(intptr_t)0x40000000), -EINVAL);

	/* faults that kill */
	killed("NULL load kills", die_null, 139);
	killed("store to text kills", die_text_store, 139);
	killed("jump into the kernel kills", die_kernel_jump, 139);
	killed("privileged instruction kills", die_privileged, 139);
	killed("invalid opcode kills", die_ud2, 132);
	killed("division by zero kills", die_divide, 136);
	killed("stack overflow kills", die_stack, 139);

	printf("badptr: %d passed, %d failed\n", passed, failed);
	return (failed);
}
