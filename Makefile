# vmkit - build, run, debug, grade and test the teaching kernel.
#
#   make                     build build/$(CONFIG)/kernel.elf
#   make qemu                boot it; serial on this terminal; 'halt' leaves
#   make qemu-gdb / make gdb boot it waiting for GDB / attach GDB
#   make grade [LAB=NN]      grade a lab (in a student tree: its own lab); V=1: pytest's
#                            own output; TESTS=a,b GRADE_CONFIG=i386: only these
#   make lab LAB=NN DEST=dir generate a student tree (releasing labs, in order, as git
#                            repositories: labs/README.md, tools/publish-lab.sh)
#   make gradescope LAB=NN   build/gradescope/labNN.zip, Gradescope's autograder
#   make test                everything CI runs
#   make fresh-check         (root) the README's commands on a new Debian 12 system
#   make hosttest            the host unit tests only (ASan, UBSan)
#   make typecheck           mypy over the grader and the Python tools
#   make check-layering      machine-independent code names no machine (tools/check-layering.py)
#   make bench               boot, page-array start-up, grading, DIRECT-pool and disk (bench-disk.py) benchmarks
#   make bench-vm            buddy allocator benchmarks (host)
#   make bench-pageout       page-daemon cycles per MiB reclaimed, per config and workload
#   make bench-pagecache     disk reads of a re-read workload, cache queue on vs off
#   make bench-user          fork of a 16 MiB process, faults per fork, a syscall round trip
#   make bench-cow           fork of a 16 MiB process, copy-on-write vs eager copy (lab 04)
#   make fuzz [FUZZTIME=60]  fuzz the buddy allocator (host, clang libFuzzer)
#   make mutation LAB=NN     grade mechanical mutants of a lab's answer (minutes)
#   make compile_commands.json   for clangd
#   make handouts            handouts/*.md -> build/handouts/*.html, figures from the kernel
#   make handouts-check      ... then check them in headless Chromium (screenshots)
#   make clean
#
# CONFIG=i386 (default), i386-pae or amd64: the rows of conf/configs.toml; MEM=128M (at
# least 8M; default: the config's); ARGS="key=value ..." adds to the kernel command
# line; SEED=n replays a grade run; VM_PHYSSEG=dense|sparse; DISK=path (DISK_RO=path:
# read-only) attaches a raw image to make qemu as a virtio-blk disk (the monitor's `disks`).

# An interpreter that has pytest (Debian's); stdlib-only tools use it too.
PYTHON	:= $(shell for p in /usr/bin/python3 python3; do \
		$$p -c 'import pytest' >/dev/null 2>&1 && { command -v $$p; break; }; done)
ifeq ($(PYTHON),)
PYTHON	:= /usr/bin/python3
endif

# The configuration.  conf/configs.toml is the one table of the configs and
# their machine facts; make reads it as build/conf/$(CONFIG).mk, written by
# tools/configs.py and re-made when the table changes.  The fragment sets
# CONFIG (the table's default when unset), CONFIGS, ARCH, MACH_CFLAGS,
# MACH_ASFLAGS, MACH_LDFLAGS, MACH_LIBGCC and GDB_ARCH; an unknown CONFIG
# stops make there with the list of known ones.  Goals that need no config
# do not read it (they run without Python).
CONF_MK	:= build/conf/$(if $(CONFIG),$(CONFIG),default).mk
ifneq ($(filter-out clean help deps fresh-check gradescope,$(or $(MAKECMDGOALS),all)),)
include $(CONF_MK)
endif
build/conf/%.mk: conf/configs.toml tools/configs.py grader/vmkit/configs.py
	@$(PYTHON) tools/configs.py --make $* --output $@
ifneq ($(filter qemu qemu-gdb test grade bench,$(MAKECMDGOALS)),)
$(CONF_MK): | deps	# on a new machine, deps installs Python first
endif

# VM_PHYSSEG=dense|sparse overrides the page-array mode (default: dense on
# i386, sparse on i386-pae); such builds go to their own directory.
VM_PHYSSEG ?=
ifneq ($(filter-out dense sparse,$(VM_PHYSSEG)),)
$(error unknown VM_PHYSSEG '$(VM_PHYSSEG)': choose dense or sparse)
endif
B	:= build/$(CONFIG)$(if $(VM_PHYSSEG),-$(VM_PHYSSEG))

CC	:= gcc
LD	:= ld
NM	:= nm
CFLAGS	:= $(MACH_CFLAGS) -std=gnu11 -ffreestanding -fno-pic -fno-pie \
	   -fno-stack-protector -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	   -mgeneral-regs-only -mno-red-zone -O2 -g \
	   -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	   -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	   -nostdinc -Ikernel/include -Ikernel -Ikernel/arch/$(ARCH)/include -Ikernel/arch/x86/include -MMD -MP
ASFLAGS	:= $(MACH_ASFLAGS) -nostdinc -Ikernel/include -Ikernel/arch/$(ARCH)/include -Ikernel/arch/x86/include -g -MMD -MP
LDFLAGS	:= $(MACH_LDFLAGS) -nostdlib -z noexecstack -z max-page-size=0x1000 -T kernel/arch/$(ARCH)/kernel.ld
# The compiler's libgcc for the config's flags (64-bit division on a 32-bit
# machine: gcc-multilib's), when the table asks for it.  Expanded at link
# time, not now: `make qemu` on a new machine installs gcc-multilib (deps)
# after this file is read.
LIBGCC	= $(if $(MACH_LIBGCC),$(shell $(CC) $(MACH_CFLAGS) -print-libgcc-file-name))

ifeq ($(VM_PHYSSEG),dense)
CFLAGS	+= -DVM_PHYSSEG_DENSE
else ifeq ($(VM_PHYSSEG),sparse)
CFLAGS	+= -DVM_PHYSSEG_SPARSE
endif

# kernel/arch/x86/ holds what every port shares (they are all PCs): the
# 8259A/8254 code and the Multiboot header layout; ARCH's own files come first.
SRCS	:= $(wildcard kernel/kern/*.c kernel/libkern/*.c kernel/vm/*.c kernel/dev/*.c kernel/tests/*.c kernel/arch/$(ARCH)/*.c kernel/arch/$(ARCH)/*.S \
	   kernel/arch/x86/*.c)
OBJS	:= $(patsubst %,$(B)/obj/%.o,$(basename $(SRCS)))
UPROGS_O := $(B)/user_programs.o	# the embedded user programs (below)

.PHONY: all kernel qemu qemu-gdb gdb gdb-dump grade gradescope lab test hosttest typecheck check-layering deps \
	fresh-check clean bench help

all kernel: $(B)/kernel.elf

$(B)/obj/%.o: %.c Makefile $(CONF_MK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/obj/%.o: %.S Makefile $(CONF_MK)
	@mkdir -p $(@D)
	$(CC) $(ASFLAGS) -c -o $@ $<

# Two-pass link: the first kernel has an empty symbol table; its symbols,
# sorted by nm, become ksyms.S for the second (kernel/kern/kern_syms.c).
$(B)/ksyms0.S: tools/mksyms.py
	@mkdir -p $(@D)
	$(PYTHON) tools/mksyms.py </dev/null >$@
$(B)/kernel.0.elf: $(OBJS) $(UPROGS_O) $(B)/ksyms0.o kernel/arch/$(ARCH)/kernel.ld
	$(LD) $(LDFLAGS) -o $@ $(OBJS) $(UPROGS_O) $(B)/ksyms0.o $(LIBGCC)
$(B)/ksyms.S: $(B)/kernel.0.elf tools/mksyms.py
	$(NM) -n $< | $(PYTHON) tools/mksyms.py >$@
$(B)/%.o: $(B)/%.S
	$(CC) $(ASFLAGS) -c -o $@ $<
$(B)/kernel.elf: $(OBJS) $(UPROGS_O) $(B)/ksyms.o kernel/arch/$(ARCH)/kernel.ld
	$(LD) $(LDFLAGS) -o $@ $(OBJS) $(UPROGS_O) $(B)/ksyms.o $(LIBGCC)
	@echo "built $@ ($(CONFIG))"

-include $(OBJS:.o=.d)

# ---- User programs (user/) ------------------------------------------------
# Each user/NAME.c is a program, linked with user/lib (a small libc) and
# user/arch/ARCH (crt0, the system-call stubs) by the kernel's own compiler
# and linker for this config (its machine flags, less the kernel's code
# model), at 0x400000 (user/user.ld), and embedded in the kernel image:
# user_programs.S lists them (name, start, end) for execve (kern_exec.c).
UPROGS	:= $(sort $(notdir $(basename $(wildcard user/*.c))))
UCFLAGS	:= $(filter-out -mcmodel=kernel,$(MACH_CFLAGS)) -std=gnu11 -ffreestanding -fno-pic -fno-pie \
	   -fno-stack-protector -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	   -fno-builtin -mgeneral-regs-only -O2 -g -fno-omit-frame-pointer \
	   -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	   -nostdinc -Iuser/include -Ikernel/include -MMD -MP
ULIB	:= $(patsubst user/%.c,$(B)/user/%.o,$(wildcard user/lib/*.c)) $(B)/user/libkern/string.o \
	   $(patsubst user/arch/$(ARCH)/%.S,$(B)/user/arch/%.o,$(wildcard user/arch/$(ARCH)/*.S))

$(B)/user/%.o: user/%.c Makefile $(CONF_MK)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<
# The kernel's memory and string routines, the same file (it needs only sys/libkern.h).
$(B)/user/libkern/%.o: kernel/libkern/%.c Makefile $(CONF_MK)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -Ikernel/arch/$(ARCH)/include -c -o $@ $<
$(B)/user/arch/%.o: user/arch/$(ARCH)/%.S Makefile $(CONF_MK)
	@mkdir -p $(@D)
	$(CC) $(MACH_ASFLAGS) -nostdinc -Ikernel/include -c -o $@ $<
$(B)/user/bin/%: $(B)/user/%.o $(ULIB) user/user.ld
	@mkdir -p $(@D)
	$(LD) $(filter-out -T%,$(MACH_LDFLAGS)) -nostdlib -z noexecstack -z max-page-size=0x1000 \
	  -T user/user.ld -o $@ $(ULIB) $< $(LIBGCC)
$(B)/user_programs.S: $(addprefix $(B)/user/bin/,$(UPROGS)) Makefile
	@{ printf '/* generated by make: the embedded user programs (kern_exec.c) */\n'; \
	  printf '\t.section .rodata\n\t.p2align 4\n\t.globl user_programs\nuser_programs:\n'; \
	  for p in $(UPROGS); do printf '\t.dc.a name_%s, start_%s, end_%s\n' $$p $$p $$p; done; \
	  printf '\t.dc.a 0, 0, 0\n'; \
	  for p in $(UPROGS); do printf 'name_%s:\t.asciz "%s"\n\t.p2align 4\nstart_%s:\t.incbin "%s"\nend_%s:\n' \
	    $$p $$p $$p $(B)/user/bin/$$p $$p; done; } >$@
$(B)/user_programs.o: $(B)/user_programs.S
	$(CC) $(ASFLAGS) -c -o $@ $<

-include $(wildcard $(B)/user/*.d $(B)/user/lib/*.d $(B)/user/libkern/*.d)

# ---- Running -------------------------------------------------------------
GDBPORT	?= $(shell expr 25000 + $$(id -u) % 5000)
QEMU	= $(PYTHON) tools/qemu --config $(CONFIG) $(if $(MEM),--mem $(MEM)) $(if $(CPU),--cpu $(CPU)) \
	  --kernel $(B)/kernel.elf $(if $(ARGS),--append "$(ARGS)") \
	  $(if $(DISK),--disk $(DISK)) $(if $(DISK_RO),--disk-ro $(DISK_RO))

qemu: deps $(B)/kernel.elf
	$(QEMU)

qemu-gdb: deps $(B)/kernel.elf .gdbinit
	@echo "QEMU is waiting for GDB on port $(GDBPORT): run 'make gdb CONFIG=$(CONFIG)' in another terminal"
	$(QEMU) --gdb $(GDBPORT)

.PHONY: .gdbinit	# remade every time: CONFIG and GDBPORT may differ from last time
.gdbinit: $(B)/kernel.elf Makefile $(CONF_MK)
	@printf '%s\n' "# generated by make; edits are lost" \
	  "set architecture $(GDB_ARCH)" "set confirm off" \
	  "file $(B)/kernel.elf" \
	  "python import os; os.path.exists('tools/gdb/vmkit_gdb.py') and gdb.execute('source tools/gdb/vmkit_gdb.py')" \
	  "target remote 127.0.0.1:$(GDBPORT)" >$@

gdb: .gdbinit
	gdb -q -nx -x .gdbinit

# Post-mortem: GDB on a minidump (tools/minidump.py core), the kernel it came from.
gdb-dump: $(B)/kernel.elf
	@test -n "$(DUMP)" || { echo "make gdb-dump DUMP=path [CONFIG=...]: DUMP is the dump disk's image or an extracted dump"; exit 2; }
	$(PYTHON) tools/minidump.py core $(DUMP) $(B)/kernel.elf -o $(B)/dump.core
	gdb -q -nx -ex "set architecture $(GDB_ARCH)" -ex "set confirm off" -ex "file $(B)/kernel.elf" \
	  -ex "core-file $(B)/dump.core" -ex "source tools/gdb/vmkit_gdb.py" -ex "bt"

# ---- Grading, labs, tests --------------------------------------------------
GRADE_ARGS = $(if $(LAB),--lab $(LAB)) $(if $(SEED),--seed $(SEED)) \
	$(if $(GRADE_CONFIG),--config $(GRADE_CONFIG)) $(if $(TESTS),--tests $(TESTS)) \
	$(if $(filter-out 0,$(V)),--verbose)
grade: deps
	$(PYTHON) tools/grade.py $(strip $(GRADE_ARGS))

# Lab NN's Gradescope autograder (tools/gradescope.py; README, instructors).
gradescope:
	@test -n "$(LAB)" || { echo "usage: make gradescope LAB=NN" >&2; exit 2; }
	@test -f tools/mklab.py || { echo "make gradescope: an instructors' tool, not in lab trees" >&2; exit 2; }
	$(PYTHON) tools/gradescope.py --lab $(LAB)

lab:
	@test -n "$(LAB)" -a -n "$(DEST)" || { echo "usage: make lab LAB=NN DEST=dir" >&2; exit 2; }
	$(PYTHON) tools/mklab.py --lab $(LAB) --dest $(DEST)

hosttest:
	$(MAKE) -f tests/host/Makefile PYTHON=$(PYTHON)

# Type annotations of the grader and the Python tools (mypy; its settings are
# in grader/pyproject.toml).  Whatever of these a tree has is checked.
TYPECHECKED = $(wildcard grader/vmkit grader/tests grader/hidden grader/selftest grader/conftest.py \
		tools/*.py tools/autograder/*.py tools/qemu tools/gdbport)
typecheck: deps
	$(PYTHON) -m mypy --config-file grader/pyproject.toml --cache-dir build/mypy \
	  --scripts-are-modules $(TYPECHECKED)
check-layering:
	$(PYTHON) tools/check-layering.py

# In a student tree the grader self-tests and the strip check are absent.
test: deps
	$(MAKE) check-layering
	$(MAKE) hosttest
	$(MAKE) typecheck
	if [ -d grader/selftest ]; then $(PYTHON) -m pytest -q -n 2 grader/selftest; fi
	$(foreach c,$(CONFIGS),$(MAKE) -s CONFIG=$(c) kernel &&) true
	$(PYTHON) -m pytest -q -n 2 grader/tests/test_kernel.py grader/tests/test_threads.py grader/tests/test_pageout.py grader/tests/test_disk.py grader/tests/test_file.py grader/tests/test_map.py grader/tests/test_user.py grader/tests/test_mmap.py grader/tests/test_sh.py \
	  grader/tests/test_gdb.py grader/tests/test_dump.py
	$(PYTHON) tools/grade.py --all $(if $(wildcard grader/hidden),--hidden)
	if [ -f tools/stripcheck.py ]; then $(PYTHON) tools/stripcheck.py; fi

# The Debian packages in tools/packages.  When a target that runs deps is
# asked for, objects wait for it, so `make -j qemu` compiles after installing.
deps:
	@tools/deps
ifneq ($(filter qemu qemu-gdb test grade bench typecheck,$(MAKECMDGOALS)),)
$(OBJS) $(B)/ksyms0.S: | deps
endif

# The README's two commands in a new minbase Debian 12 chroot (root only).
fresh-check:
	@test -f tools/fresh-check || { echo "make fresh-check: a developers' tool, not in lab trees" >&2; exit 2; }
	tools/fresh-check

bench: deps
	$(PYTHON) tools/bench-boot.py
	$(PYTHON) tools/bench-startup.py
	$(PYTHON) tools/bench-grade.py
	$(PYTHON) tools/bench-direct.py
	$(PYTHON) tools/bench-dump.py
	$(PYTHON) tools/bench-switch.py
	$(PYTHON) tools/bench-disk.py
	$(PYTHON) tools/bench-pageout.py
	$(PYTHON) tools/bench-pagecache.py

# The page daemon's CPU and the cache queue's disk reads (QEMU boots; README).
.PHONY: bench-pageout bench-pagecache
bench-pageout: deps
	$(PYTHON) tools/bench-pageout.py
bench-pagecache: deps
	$(PYTHON) tools/bench-pagecache.py

# Processes (tools/bench-user.py): fork of a 16 MiB process, faults per fork, a syscall.
.PHONY: bench-user
bench-user: deps
	$(PYTHON) tools/bench-user.py

# Copy-on-write (tools/bench-cow.py): fork of a 16 MiB process, COW vs vm.fork_eager=1.
.PHONY: bench-cow
bench-cow: deps
	$(PYTHON) tools/bench-cow.py

# The physical allocator on the host (tests/host/extra.mk), outside `make test`:
# benchmarks (gcc -O2), and a libFuzzer target (clang, libclang-rt-14-dev).
.PHONY: bench-vm fuzz fuzz-build
bench-vm:
	$(MAKE) -f tests/host/extra.mk bench-build
	$(PYTHON) tools/bench-vm.py

# Mutation testing of a lab's grader (tools/mutation.py), outside `make test`:
# MUTATION_ARGS="--max 40 --seeds 1,2,3 --config i386" narrows or widens it.
.PHONY: mutation
mutation: deps
	@test -n "$(LAB)" || { echo "usage: make mutation LAB=NN [MUTATION_ARGS=...]" >&2; exit 2; }
	@test -f tools/mutation.py || { echo "make mutation: an instructors' tool, not in lab trees" >&2; exit 2; }
	$(PYTHON) tools/mutation.py --lab $(LAB) $(MUTATION_ARGS)

FUZZTIME ?= 60
fuzz fuzz-build:
	$(MAKE) -f tests/host/extra.mk $@ FUZZTIME=$(FUZZTIME)

clean:
	rm -rf build .gdbinit compile_commands.json

help:
	@sed -n '1,/^$$/p' Makefile

# ---- Handouts (instructors) ------------------------------------------------
# HTML handouts with pictures drawn from the reference kernel (tools/figures.py
# boots each config; tools/handouts.py renders), then a check in a real
# browser.  Their packages are groups of their own (tools/packages-handouts,
# tools/packages-browser), so make test and student machines need neither.
.PHONY: handouts handouts-check
handouts:
	@test -f tools/handouts.py || { echo "make handouts: an instructors' tool, not in lab trees" >&2; exit 2; }
	@tools/deps --group handouts
	$(PYTHON) tools/figures.py --out build/handouts/figures
	$(PYTHON) tools/handouts.py --out build/handouts
handouts-check: handouts
	@tools/deps --group browser
	$(PYTHON) tools/handouts.py --out build/handouts --check

# ---- Editor support --------------------------------------------------------
# compile_commands.json for clangd, for this CONFIG (tools/compdb.py).
.PHONY: compile_commands.json
compile_commands.json:
	$(PYTHON) tools/compdb.py --config $(CONFIG) --output $@
