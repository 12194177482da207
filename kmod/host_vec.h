/* SPDX-License-Identifier: GPL-2.0 */
/* host_vec.c: an interrupt vector of exitless's own on one host CPU. */
#ifndef XL_KMOD_HOST_VEC_H
#define XL_KMOD_HOST_VEC_H

#include <linux/interrupt.h>
#include <linux/types.h>

/*
 * A Linux IRQ allocated from the x86 vector domain and bound to one CPU:
 * the vector a directly delivered interrupt is sent with. While the
 * target CPU runs a vCPU in direct mode the shadow IDT maps the vector to
 * the guest's; when the interrupt lands in the host instead (the vCPU
 * exited, was preempted or is halted) the host's IDT runs @handler, which
 * hands it to KVM. Nothing is lost either way.
 */
struct xl_host_vec {
	int irq;		/* Linux IRQ number, 0 when not allocated */
	u32 cpu;		/* the CPU the vector is valid on */
	u8 vector;
	void *dev_id;
};

int xl_host_vec_alloc(struct xl_host_vec *hv, u32 cpu, irq_handler_t handler,
		      void *dev_id, const char *name);
void xl_host_vec_free(struct xl_host_vec *hv);
/* One fixed IPI of the vector to its CPU (SDM vol.3 11.6.1). */
int xl_host_vec_fire(const struct xl_host_vec *hv);

#endif /* XL_KMOD_HOST_VEC_H */
