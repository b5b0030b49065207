/*
 * kern_exec.c - execve: FreeBSD's ELF loader in miniature, for the programs
 * linked into the kernel image (user/, embedded by the build as
 * user_programs[]; no file system needed).
 *
 * A new address space is built beside the old one and made current, so
 * the loader fills it with plain copyout: each PT_LOAD segment becomes
 * anonymous memory (vm_map_insert of no object: zero-filled on first
 * touch), its file bytes copied out, then its protection lowered to the
 * segment's flags; the rest of the last page and the bss stay zero.  The
 * stack is USTACK_SIZE below VM_MAXUSER_ADDRESS, with the argument strings
 * at its top, then argv[], then argc and argv for crt0:
 *
 *   VM_MAXUSER_ADDRESS -> | strings | argv[0..argc-1], NULL | argc, argv | <- sp (16-aligned)
 *
 * Any failure before the point of no return (a bad ELF file, no memory)
 * puts the old address space back and returns the error; after it the old
 * one is freed and the thread's frame starts the program.
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <vm/vm_param.h>
#include <vm/vm_map.h>
#include <machine/elf.h>
#include "kern_exec.h"

#define	USRSTACK	VM_MAXUSER_ADDRESS

const char *
exec_basename(const char *path)
{
	const char *base = path;

	for (const char *s = path; *s != '\0'; s++)
		if (*s == '/')
			base = s + 1;
	return (base);
}

static const struct uprog *
exec_find(const char *path)
{
	const char *name = exec_basename(path);

	for (const struct uprog *up = user_programs; up->name != NULL; up++)
		if (strcmp(up->name, name) == 0)
			return (up);
	return (NULL);
}

void
exec_list_programs(void)
{
	for (const struct uprog *up = user_programs; up->name != NULL; up++)
		printf(" %s", up->name);
	printf("\n");
}

static int
exec_args_add(struct exec_args *ea, const char *s)
{
	size_t n = strlen(s) + 1;

	if (ea->argc >= EXEC_MAXARGS || n > EXEC_ARGMAX - ea->len)
		return (E2BIG);
	memcpy(ea->buf + ea->len, s, n);
	ea->len += n;
	ea->argc++;
	return (0);
}

/* The arguments from kernel strings (monitor `run', the `user' ktest). */
int
exec_args_kernel(struct exec_args *ea, const char *path, char *const argv[])
{
	int error;

	memset(ea, 0, offsetof(struct exec_args, buf));
	if (strlcpy(ea->path, path, sizeof(ea->path)) >= sizeof(ea->path))
		return (ENAMETOOLONG);
	for (int i = 0; argv != NULL && argv[i] != NULL; i++)
		if ((error = exec_args_add(ea, argv[i])) != 0)
			return (error);
	return (0);
}

/* The arguments from user memory: EFAULT for a bad pointer anywhere. */
int
exec_args_user(struct exec_args *ea, const char *upath, char *const *uargv)
{
	size_t done;
	char *uarg;
	int error;

	memset(ea, 0, offsetof(struct exec_args, buf));
	if ((error = copyinstr(upath, ea->path, sizeof(ea->path), &done)) != 0)
		return (error);
	for (int i = 0; uargv != NULL; i++) {
		if ((error = copyin(&uargv[i], &uarg, sizeof(uarg))) != 0)
			return (error);
		if (uarg == NULL)
			break;
		if (ea->argc >= EXEC_MAXARGS)
			return (E2BIG);
		error = copyinstr(uarg, ea->buf + ea->len, EXEC_ARGMAX - ea->len, &done);
		if (error != 0)
			return (error == ENAMETOOLONG ? E2BIG : error);
		ea->len += done;
		ea->argc++;
	}
	return (0);
}

/* The header and program headers lie inside the image and are ours to run. */
static int
exec_check(const char *img, size_t size)
{
	const Elf_Ehdr *eh = (const Elf_Ehdr *)img;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) != 0 ||
	    eh->e_ident[EI_CLASS] != ELF_TARG_CLASS || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_type != ET_EXEC || eh->e_machine != ELF_TARG_MACH ||
	    eh->e_phentsize != sizeof(Elf_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 16 ||
	    eh->e_phoff > size || size - eh->e_phoff < eh->e_phnum * sizeof(Elf_Phdr))
		return (ENOEXEC);
	return (0);
}

static vm_prot_t
exec_prot(uint32_t flags)
{
	return (((flags & PF_R) ? VM_PROT_READ : 0) | ((flags & PF_W) ? VM_PROT_WRITE : 0) |
	    ((flags & PF_X) ? VM_PROT_EXECUTE : 0));
}

/* Map and fill each PT_LOAD segment; *brk: the page after the highest. */
static int
exec_load(struct vmspace *vm, const char *img, size_t size, vm_offset_t *brk)
{
	const Elf_Ehdr *eh = (const Elf_Ehdr *)img;
	const Elf_Phdr *ph = (const Elf_Phdr *)(img + eh->e_phoff);
	vm_map_t map = &vm->vm_map;
	vm_offset_t start, end, top = 0;
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > size ||
		    size - ph[i].p_offset < ph[i].p_filesz || ph[i].p_vaddr < PAGE_SIZE ||
		    ph[i].p_vaddr >= USRSTACK - USTACK_SIZE ||
		    ph[i].p_memsz > USRSTACK - USTACK_SIZE - ph[i].p_vaddr)
			return (ENOEXEC);
		start = trunc_page(ph[i].p_vaddr);
		end = round_page(ph[i].p_vaddr + ph[i].p_memsz);
		if (start < top)		/* shares a page with the one before */
			start = top;
		if (start < end && vm_map_insert(map, NULL, 0, start, end, VM_PROT_RW,
		    VM_PROT_ALL, 0) != KERN_SUCCESS)
			return (ENOEXEC);	/* overlapping segments */
		if (copyout(img + ph[i].p_offset, (void *)(vm_offset_t)ph[i].p_vaddr,
		    ph[i].p_filesz) != 0)
			return (ENOMEM);	/* the fault found no page */
		top = MAX(top, end);
	}
	if (top == 0)
		return (ENOEXEC);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		/* In order: a page two segments share takes the later's (data: writable). */
		(void)vm_map_protect(map, trunc_page(ph[i].p_vaddr),
		    round_page(ph[i].p_vaddr + ph[i].p_memsz), exec_prot(ph[i].p_flags), false);
	}
	*brk = top;
	return (0);
}

/* The stack with the arguments; *spp: where crt0 finds argc and argv. */
static int
exec_stack(struct vmspace *vm, const struct exec_args *ea, vm_offset_t *spp, vm_offset_t *argvp)
{
	vm_offset_t strings, argv, sp, uargv[EXEC_MAXARGS + 1];
	register_t top2[2];
	size_t off = 0;

	if (vm_map_insert(&vm->vm_map, NULL, 0, USRSTACK - USTACK_SIZE, USRSTACK, VM_PROT_RW,
	    VM_PROT_ALL, 0) != KERN_SUCCESS)
		return (ENOMEM);
	strings = (USRSTACK - ea->len) & ~(vm_offset_t)15;
	for (int i = 0; i < ea->argc; i++) {
		uargv[i] = strings + off;
		off += strlen(ea->buf + off) + 1;
	}
	uargv[ea->argc] = 0;
	argv = (strings - (ea->argc + 1) * sizeof(vm_offset_t)) & ~(vm_offset_t)15;
	sp = argv - 16;
	top2[0] = ea->argc;
	top2[1] = argv;
	if (copyout(ea->buf, (void *)strings, ea->len) != 0 ||
	    copyout(uargv, (void *)argv, (ea->argc + 1) * sizeof(vm_offset_t)) != 0 ||
	    copyout(top2, (void *)sp, sizeof(top2)) != 0)
		return (ENOMEM);
	vm->vm_stacktop = USRSTACK;
	*spp = sp;
	*argvp = argv;
	return (0);
}

int
kern_execve(struct thread *td, const struct exec_args *ea)
{
	struct proc *p = td->td_proc;
	const struct uprog *up = exec_find(ea->path);
	struct vmspace *vm, *old = p->p_vmspace;
	vm_offset_t brk = 0, sp = 0, argv = 0;
	int error;

	if (up == NULL)
		return (ENOENT);
	if ((error = exec_check(up->start, up->end - up->start)) != 0)
		return (error);
	if ((vm = vmspace_alloc(PAGE_SIZE, VM_MAXUSER_ADDRESS)) == NULL)
		return (ENOMEM);
	p->p_vmspace = vm;		/* a switch back to us loads the new one */
	pmap_activate(vmspace_pmap(vm));
	error = exec_load(vm, up->start, up->end - up->start, &brk);
	if (error == 0)
		error = exec_stack(vm, ea, &sp, &argv);
	if (error != 0) {
		p->p_vmspace = old;
		pmap_activate(vmspace_pmap(old));
		vmspace_free(vm);
		return (error);
	}
	/* The point of no return. */
	vm->vm_daddr = brk;
	vm->vm_dsize = 0;
	strlcpy(p->p_comm, up->name, sizeof(p->p_comm));
	strlcpy(td->td_name, up->name, sizeof(td->td_name));
	vmspace_free(old);
	fd_unpin_all(p);		/* the old program's mapped files */
	cpu_exec_setregs(td, ((const Elf_Ehdr *)up->start)->e_entry, sp, ea->argc, argv);
	return (0);
}
