/*
 * machine/cpufunc.h for the hosted build: one thread and no interrupts, so
 * turning interrupts off and restoring them is nothing.  kern_mutex.c and
 * subr_witness.c compile against these, unchanged.
 */
#ifndef _MACHINE_CPUFUNC_H_
#define _MACHINE_CPUFUNC_H_

#include <sys/types.h>

static inline register_t intr_disable(void) { return (0); }
static inline void intr_restore(register_t ef) { (void)ef; }

#endif
