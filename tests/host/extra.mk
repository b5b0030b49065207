# tests/host/extra.mk - builds that stay out of `make test`: the libFuzzer
# target (clang) and the allocator benchmarks (gcc -O2, no sanitizers).
# Run from the top: `make fuzz`, `make fuzz-build`, `make bench-vm`.

HB	:= build/host
HOSTCC	?= gcc
CLANG	?= clang
FUZZTIME ?= 60
KINC	:= -nostdinc -fno-builtin -Ikernel/include -Ikernel -Itests/host/include \
	   -include tests/host/hostnames.h
# The kernel's libkern, printf, kenv, page layer and allocator, and the
# hosted machine (host_machine.c, kernel side; host_mem.c, libc side).
KSRCS	:= kernel/libkern/libkern.c kernel/kern/subr_prf.c kernel/libkern/subr_strtoul.c \
	   kernel/kern/kern_environment.c kernel/vm/vm_physmem.c kernel/vm/vm_meter.c \
	   kernel/vm/vm_page.c kernel/vm/vm_phys.c kernel/vm/vm_phys_batch.c kernel/vm/vm_phys_table.c kernel/vm/vm_kern.c \
	   kernel/vm/vm_phys_monitor.c kernel/vm/vm_object.c kernel/vm/vm_pager.c kernel/kern/kern_malloc.c \
	   kernel/kern/kern_sched.c kernel/kern/kern_mutex.c kernel/kern/subr_witness.c \
	   tests/host/host_machine.c
KDEPS	:= tests/host/hostnames.h tests/host/host_machine.h tests/host/extra.mk

.PHONY: fuzz fuzz-build fuzz-deps bench-build

# ---- libFuzzer (needs clang and Debian's libclang-rt-14-dev) ---------------
FZ	:= $(HB)/fuzz
FZSAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FZFLAGS	:= -std=gnu11 -O1 -g -fsanitize=fuzzer-no-link $(FZSAN) -Wall -Wno-unused-parameter -MMD -MP
FZOBJS	:= $(patsubst %.c,$(FZ)/k/%.o,$(KSRCS)) \
	   $(patsubst %.c,$(FZ)/t/%.o,tests/host/fuzz_buddy.c tests/host/buddy_model.c \
	   tests/host/sim_panic.c tests/host/host_mem.c)

fuzz-build: fuzz-deps $(FZ)/fuzz_buddy

fuzz-deps:
	@command -v $(CLANG) >/dev/null && echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' | \
	  $(CLANG) -fsanitize=fuzzer -x c -o /dev/null - 2>/dev/null || { \
	  echo "make fuzz needs clang with libFuzzer: apt-get install clang libclang-rt-14-dev" >&2; exit 1; }

fuzz: fuzz-deps $(FZ)/fuzz_buddy
	@mkdir -p $(FZ)/corpus $(FZ)/crashes
	$(FZ)/fuzz_buddy -max_total_time=$(FUZZTIME) -print_final_stats=1 \
	  -artifact_prefix=$(FZ)/crashes/ $(FZ)/corpus

$(FZ)/fuzz_buddy: $(FZOBJS)
	$(CLANG) -fsanitize=fuzzer $(FZSAN) -o $@ $^

$(FZ)/k/%.o: %.c $(KDEPS)
	@mkdir -p $(@D)
	$(CLANG) $(FZFLAGS) $(KINC) -c -o $@ $<

$(FZ)/t/%.o: %.c tests/host/buddy_model.h tests/host/host_machine.h
	@mkdir -p $(@D)
	$(CLANG) $(FZFLAGS) -Itests/host -c -o $@ $<

# ---- Benchmarks --------------------------------------------------------------
# The allocator is built twice, with a dense and with a sparse page array.
BB	:= $(HB)/bench
BFLAGS	:= -std=gnu11 -O2 -g -Wall -Wno-unused-parameter -MMD -MP
BHOST	:= $(patsubst %.c,$(BB)/t/%.o,tests/host/sim_panic.c tests/host/host_mem.c)
# bench_buddy again with larger batches (VM_PHYS_BATCH_ORDER): what the
# batch pattern would need (README, "The page batch").
BORDERS	:= 8 11
BENCHES	:= $(BB)/bench_buddy $(BB)/bench_lookup-dense $(BB)/bench_lookup-sparse \
	   $(foreach o,$(BORDERS),$(BB)/bench_buddy-o$(o))

bench-build: $(BENCHES)

$(BB)/bench_buddy: $(BB)/t/tests/host/bench_buddy.o $(BHOST) $(patsubst %.c,$(BB)/sparse/%.o,$(KSRCS))
	$(HOSTCC) -o $@ $^
$(BB)/bench_lookup-dense: $(BB)/t/tests/host/bench_lookup.o $(BHOST) $(patsubst %.c,$(BB)/dense/%.o,$(KSRCS))
	$(HOSTCC) -o $@ $^
$(BB)/bench_lookup-sparse: $(BB)/t/tests/host/bench_lookup.o $(BHOST) $(patsubst %.c,$(BB)/sparse/%.o,$(KSRCS))
	$(HOSTCC) -o $@ $^

$(BB)/dense/%.o: %.c $(KDEPS)
	@mkdir -p $(@D)
	$(HOSTCC) $(BFLAGS) -DVM_PHYSSEG_DENSE $(KINC) -c -o $@ $<
$(BB)/sparse/%.o: %.c $(KDEPS)
	@mkdir -p $(@D)
	$(HOSTCC) $(BFLAGS) -DVM_PHYSSEG_SPARSE $(KINC) -c -o $@ $<
define batch_order
$(BB)/bench_buddy-o$(1): $(BB)/t/tests/host/bench_buddy.o $(BHOST) $(patsubst %.c,$(BB)/o$(1)/%.o,$(KSRCS))
	$(HOSTCC) -o $$@ $$^
$(BB)/o$(1)/%.o: %.c $(KDEPS)
	@mkdir -p $$(@D)
	$(HOSTCC) $(BFLAGS) -DVM_PHYSSEG_SPARSE -DVM_PHYS_BATCH_ORDER=$(1) $(KINC) -c -o $$@ $$<
endef
$(foreach o,$(BORDERS),$(eval $(call batch_order,$(o))))
$(BB)/t/%.o: %.c tests/host/host_machine.h
	@mkdir -p $(@D)
	$(HOSTCC) $(BFLAGS) -Itests/host -c -o $@ $<

-include $(shell find $(FZ) $(BB) -name '*.d' 2>/dev/null)
