/*
 * vm_phys_table.c - the machine's free lists and pools, by name, as data.
 *
 * vm_phys_freelists[] is machine/vmparam.h's VM_FREELIST_TABLE: each free
 * list's limit and name.  It lives apart from vm_phys.c because vm_phys.c
 * is a lab file (students edit it) and this table is a fact of the machine
 * that others read from the built kernel: the grader takes the limits it
 * expects segments to be cut at from this symbol's initialised data in the
 * kernel ELF (grader/vmkit/physmem.py elf_freelists), and GDB prints the
 * names from it (tools/gdb).  Neither believes what a kernel prints about
 * it; the boot's "vm_phys: free list" lines only have to agree.
 */
#include <sys/types.h>
#include <vm/vm_param.h>
#include <vm/vm_phys.h>

const struct vm_freelist_desc vm_phys_freelists[VM_NFREELIST] = VM_FREELIST_TABLE;
const char *const vm_phys_pool_names[VM_NFREEPOOL] = VM_FREEPOOL_NAMES;
