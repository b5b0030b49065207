/* kern_send.h - zero-copy send (kern_send.c): the calls for sysent[], and its start-up. */
#ifndef _KERN_KERN_SEND_H_
#define _KERN_KERN_SEND_H_

#include <sys/types.h>

register_t sys_send(const register_t *a);
register_t sys_sendwait(const register_t *a);
void	send_init(void);		/* mi_startup, after the disks: senddev= */

#endif
