/*
 * sys/queue.h - intrusive lists with the BSD names: LIST_* and TAILQ_*.
 *
 * vmkit's page queues, free queues and (soon) object page lists are read
 * side by side with FreeBSD code, so they use the same macros with the same
 * arguments: TAILQ_FOREACH(m, &object->memq, listq).
 *
 * An element embeds an entry (the links); a list is a head.  Both kinds
 * remove an element in O(1) without walking, which is what the buddy
 * allocator needs to pull a block's buddy out of the middle of a queue.
 *
 *   LIST:   singly-headed, doubly linked; no tail; le_prev points at the
 *           pointer that points at this element (the head's or the previous
 *           element's le_next), so removal needs no head.
 *
 *     lh_first --> a --le_next--> b --le_next--> NULL
 *        ^         |le_prev       |le_prev
 *        +---------+    a.le_next-+
 *
 *   TAILQ:  as LIST, plus tqh_last (the address of the last element's
 *           tqe_next, or of tqh_first when empty) for O(1) tail insertion
 *           and reverse walks.
 *
 * Written for vmkit from the documented BSD interface (queue(3)).
 */
#ifndef _SYS_QUEUE_H_
#define _SYS_QUEUE_H_

/* ---- LIST ------------------------------------------------------------------ */

#define	LIST_HEAD(name, type)						\
struct name {								\
	struct type *lh_first;						\
}

#define	LIST_ENTRY(type)						\
struct {								\
	struct type *le_next;						\
	struct type **le_prev;						\
}

#define	LIST_HEAD_INITIALIZER(head)	{ NULL }

#define	LIST_FIRST(head)	((head)->lh_first)
#define	LIST_EMPTY(head)	((head)->lh_first == NULL)
#define	LIST_NEXT(elm, field)	((elm)->field.le_next)
#define	LIST_INIT(head)		do { (head)->lh_first = NULL; } while (0)

#define	LIST_FOREACH(var, head, field)					\
	for ((var) = LIST_FIRST(head); (var) != NULL; (var) = LIST_NEXT(var, field))

#define	LIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = LIST_FIRST(head);					\
	    (var) != NULL && ((tvar) = LIST_NEXT(var, field), 1);	\
	    (var) = (tvar))

#define	LIST_INSERT_HEAD(head, elm, field) do {				\
	if (((elm)->field.le_next = (head)->lh_first) != NULL)		\
		(head)->lh_first->field.le_prev = &(elm)->field.le_next;\
	(head)->lh_first = (elm);					\
	(elm)->field.le_prev = &(head)->lh_first;			\
} while (0)

#define	LIST_INSERT_AFTER(lelm, elm, field) do {			\
	if (((elm)->field.le_next = (lelm)->field.le_next) != NULL)	\
		(lelm)->field.le_next->field.le_prev = &(elm)->field.le_next;\
	(lelm)->field.le_next = (elm);					\
	(elm)->field.le_prev = &(lelm)->field.le_next;			\
} while (0)

#define	LIST_REMOVE(elm, field) do {					\
	if ((elm)->field.le_next != NULL)				\
		(elm)->field.le_next->field.le_prev = (elm)->field.le_prev;\
	*(elm)->field.le_prev = (elm)->field.le_next;			\
	(elm)->field.le_next = NULL;					\
	(elm)->field.le_prev = NULL;					\
} while (0)

/* ---- TAILQ ----------------------------------------------------------------- */

#define	TAILQ_HEAD(name, type)						\
struct name {								\
	struct type *tqh_first;						\
	struct type **tqh_last;						\
}

#define	TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;						\
	struct type **tqe_prev;						\
}

#define	TAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).tqh_first }

#define	TAILQ_FIRST(head)	((head)->tqh_first)
#define	TAILQ_EMPTY(head)	((head)->tqh_first == NULL)
#define	TAILQ_NEXT(elm, field)	((elm)->field.tqe_next)

/*
 * The last element, without a back pointer in the head: tqh_last is the
 * address of the last element's tqe_next.  Read as a head, the word after
 * it is that element's tqe_prev, which points at the pointer that points
 * at the last element; one dereference gives the element.  TAILQ_PREV uses
 * the same reading on an element's tqe_prev.
 */
#define	TAILQ_LAST(head, headname)					\
	(*(((struct headname *)(void *)((head)->tqh_last))->tqh_last))
#define	TAILQ_PREV(elm, headname, field)				\
	(*(((struct headname *)(void *)((elm)->field.tqe_prev))->tqh_last))

#define	TAILQ_INIT(head) do {						\
	(head)->tqh_first = NULL;					\
	(head)->tqh_last = &(head)->tqh_first;				\
} while (0)

#define	TAILQ_FOREACH(var, head, field)					\
	for ((var) = TAILQ_FIRST(head); (var) != NULL; (var) = TAILQ_NEXT(var, field))

#define	TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))

#define	TAILQ_INSERT_HEAD(head, elm, field) do {			\
	if (((elm)->field.tqe_next = (head)->tqh_first) != NULL)	\
		(head)->tqh_first->field.tqe_prev = &(elm)->field.tqe_next;\
	else								\
		(head)->tqh_last = &(elm)->field.tqe_next;		\
	(head)->tqh_first = (elm);					\
	(elm)->field.tqe_prev = &(head)->tqh_first;			\
} while (0)

#define	TAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.tqe_next = NULL;					\
	(elm)->field.tqe_prev = (head)->tqh_last;			\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &(elm)->field.tqe_next;			\
} while (0)

#define	TAILQ_INSERT_AFTER(head, lelm, elm, field) do {			\
	if (((elm)->field.tqe_next = (lelm)->field.tqe_next) != NULL)	\
		(elm)->field.tqe_next->field.tqe_prev = &(elm)->field.tqe_next;\
	else								\
		(head)->tqh_last = &(elm)->field.tqe_next;		\
	(lelm)->field.tqe_next = (elm);					\
	(elm)->field.tqe_prev = &(lelm)->field.tqe_next;		\
} while (0)

#define	TAILQ_INSERT_BEFORE(lelm, elm, field) do {			\
	(elm)->field.tqe_prev = (lelm)->field.tqe_prev;			\
	(elm)->field.tqe_next = (lelm);					\
	*(lelm)->field.tqe_prev = (elm);				\
	(lelm)->field.tqe_prev = &(elm)->field.tqe_next;		\
} while (0)

#define	TAILQ_REMOVE(head, elm, field) do {				\
	if ((elm)->field.tqe_next != NULL)				\
		(elm)->field.tqe_next->field.tqe_prev = (elm)->field.tqe_prev;\
	else								\
		(head)->tqh_last = (elm)->field.tqe_prev;		\
	*(elm)->field.tqe_prev = (elm)->field.tqe_next;			\
	(elm)->field.tqe_next = NULL;					\
	(elm)->field.tqe_prev = NULL;					\
} while (0)

#endif
