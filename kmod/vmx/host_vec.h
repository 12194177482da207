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
	u32 cpu;		/* the CPU it was allocated on */
	u8 vector;		/* and its vector there */
	void *dev_id;
};

/*
 * @pinned: IRQF_NOBALANCING, nobody moves it (a vector the VM owns for
 * good); else it can be moved like a device's (/proc/irq/N/smp_affinity).
 */
int xl_host_vec_alloc(struct xl_host_vec *hv, u32 cpu, irq_handler_t handler,
		      void *dev_id, const char *name, bool pinned);
void xl_host_vec_free(struct xl_host_vec *hv);
/*
 * One fixed IPI (SDM vol.3 11.6.1) of the IRQ's vector to its CPU, as
 * they are now: what an MSI of a device would do after an affinity move.
 */
int xl_host_vec_fire(const struct xl_host_vec *hv);
/*
 * Where Linux IRQ @irq is now: the one CPU of its effective affinity and
 * its x86 vector there (irqd_cfg; behind interrupt remapping the IRTE's
 * vector). -ENODEV when the IRQ is gone, not on exactly one CPU or not
 * from the x86 vector domain. Any context (the irq_desc is freed after an
 * RCU grace period).
 */
int xl_irq_where(u32 irq, u32 *cpu, u8 *vector);

#endif /* XL_KMOD_HOST_VEC_H */
