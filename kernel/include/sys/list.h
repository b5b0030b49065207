/*
 * sys/list.h - intrusive, circular, doubly linked lists.
 *
 * A list is a `struct list` head; an element embeds a `struct list` link.
 * An empty list's head points at itself.  Insertion and removal are O(1),
 * which is what the buddy allocator needs to pull a block's buddy out of
 * the middle of a free queue.
 *
 *      head <-> a.link <-> b.link <-> c.link <-> (back to head)
 *
 * LIST_ELEM(link, struct vm_page, pageq) gets the element from its link.
 */
#ifndef _SYS_LIST_H_
#define _SYS_LIST_H_

#include <sys/types.h>

struct list {
	struct list	*next;
	struct list	*prev;
};

#define	LIST_ELEM(link, type, member)					\
	((type *)(void *)((char *)(link) - offsetof(type, member)))

static inline void
list_init(struct list *head)
{
	head->next = head->prev = head;
}

static inline bool
list_empty(const struct list *head)
{
	return (head->next == head);
}

static inline void
list_insert_after(struct list *pos, struct list *e)
{
	e->next = pos->next;
	e->prev = pos;
	pos->next->prev = e;
	pos->next = e;
}

static inline void
list_insert_head(struct list *head, struct list *e)
{
	list_insert_after(head, e);
}

static inline void
list_insert_tail(struct list *head, struct list *e)
{
	list_insert_after(head->prev, e);
}

static inline void
list_remove(struct list *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

#define	LIST_FOREACH(it, head)						\
	for (struct list *it = (head)->next; it != (head); it = it->next)

#endif
