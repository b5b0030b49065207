/*
 * buddy_model.h - a reference model of the buddy allocator, shared by the
 * seeded random test (test_buddy_model.c) and the fuzz target
 * (fuzz_buddy.c).
 *
 * The model is deliberately dumb: one "free?" byte per page and a list of
 * live allocations.  Each model_* operation performs the real operation on
 * the simulated machine (host_machine.h) and checks the result against the
 * model; it returns 0, or -1 with the broken property in model_why.  The
 * caller decides what a failure means (a test failure, or an abort for
 * the fuzzer).
 *
 * Because vm_phys coalesces fully, the free blocks are a function of the
 * free pages alone: each free page lies in the largest aligned, all-free
 * block (order <= 10) inside its segment.  The model computes that
 * "canonical" decomposition and demands the queues hold exactly it.
 */
#ifndef BUDDY_MODEL_H
#define BUDDY_MODEL_H

#include <stdbool.h>
#include "host_machine.h"

extern char model_why[512];

struct model_stats {
	long	alloc_ok, alloc_fail, contig_ok, contig_fail;
	long	unfree_ok, unfree_fail, frees, steals, isadma;
};
extern struct model_stats model_stats;

/* Boot the machine and the model over the ranges; everything free. */
int	model_setup(const struct sim_range *r, int n);
void	model_teardown(void);

long	model_npages(void);		/* pages in all segments */
long	model_nfree(void);
int	model_nlive(void);
sim_pa_t model_pa_of(long index);	/* index in [0, model_npages()) */

/* Operations: do it for real, check it against the model. */
int	model_alloc(int pool, int order);
int	model_free(unsigned which);	/* live allocation which % nlive */
int	model_contig(unsigned long npages, sim_pa_t low, sim_pa_t high,
	    unsigned long alignment, unsigned long boundary);
int	model_unfree(long index);

/* The whole state: flags, queue contents, orders, counters. O(pages). */
int	model_full_check(void);

#endif
