// SPDX-License-Identifier: GPL-2.0
/*
 * Write protection of the shadow IDT page (shadow_wp.h).
 *
 * The shadow IDT is ordinary guest memory (ELI's design: the CPU reads the
 * IDT through the guest's IDTR, a linear address), so a guest kernel can
 * rewrite a host vector's gate present and take that host interrupt in its
 * own handler. KVM's write tracking (arch/x86/kvm/mmu/page_track.c, the
 * interface i915's KVMGT uses for the guest's GPU page tables) maps the
 * frame read-only in the EPT: every guest write to it exits, is emulated,
 * and is then reported to the notifier here, which writes the engine's
 * bytes back in the same exit. Host writes (the engine building the shadow)
 * do not go through the EPT and are not seen. The kernel differences are
 * in compat.h (xl_write_track, xl_track_register).
 *
 * Left open, and bounded by the engine's check of the page at every
 * preemption-timer guard expiry: a guest kernel that maps another frame at
 * the shadow IDT's linear address (its page tables are its own), and DMA
 * by a device assigned to the guest, which the IOMMU lets write any of its
 * RAM.
 *
 * Lock order: @reg_lock, then KVM's locks (6.12 allocates its tracking
 * arrays at the first registration: it may sleep); @lock, then KVM's srcu
 * and mmu_lock (the tracking calls). All process context.
 */
#include <linux/slab.h>
#include "compat.h"
#include "shadow_wp.h"
#include "xl_engine.h"

/*
 * A guest write to a tracked page, already done by KVM's emulator.
 * Process context (the vCPU's exit handler, kvm->srcu held); may sleep.
 */
void xl_shadow_wp_written(struct kvm_page_track_notifier_node *node,
			  gpa_t gpa, int bytes)
{
	struct xl_shadow_wp *wp = container_of(node, struct xl_shadow_wp,
					       node);
	u32 off = offset_in_page(gpa);
	struct xl_engine *e;
	bool ours;
	int ret;

	mutex_lock(&wp->lock);
	ours = wp->tracked && gpa_to_gfn(gpa) == wp->gfn;
	mutex_unlock(&wp->lock);
	if (!ours || bytes <= 0)
		return;
	atomic64_inc(&wp->guest_writes);
	/* the emulator splits writes at page boundaries */
	bytes = min_t(u32, bytes, PAGE_SIZE - off);
	mutex_lock(&wp->buf_lock);
	rcu_read_lock();
	e = wp->engine(wp);
	ret = e ? xl_engine_shadow_copy(e, off, wp->buf, bytes) : -ENOENT;
	rcu_read_unlock();
	/* no shadow built yet: nothing uses the page, the next build wins */
	if (!ret)
		ret = kvm_write_guest(wp->kvm, gpa, wp->buf, bytes);
	mutex_unlock(&wp->buf_lock);
	if (ret && ret != -ENOENT)
		atomic64_inc(&wp->undo_failures);
}

/* A memslot goes away: its tracking with it (compat.h). */
bool xl_shadow_wp_forget(struct kvm_page_track_notifier_node *node,
			 gfn_t base, unsigned long npages, gfn_t *gfn)
{
	struct xl_shadow_wp *wp = container_of(node, struct xl_shadow_wp,
					       node);
	bool ours;

	mutex_lock(&wp->lock);
	ours = wp->tracked && wp->gfn >= base && wp->gfn < base + npages;
	if (ours) {
		*gfn = wp->gfn;
		wp->tracked = false;
	}
	mutex_unlock(&wp->lock);
	return ours;
}

void xl_shadow_wp_init(struct xl_shadow_wp *wp, struct kvm *kvm,
		       struct xl_engine *(*engine)(struct xl_shadow_wp *wp))
{
	wp->kvm = kvm;
	wp->engine = engine;
	mutex_init(&wp->reg_lock);
	mutex_init(&wp->lock);
	mutex_init(&wp->buf_lock);
}

bool xl_shadow_wp_active(struct xl_shadow_wp *wp)
{
	bool on;

	mutex_lock(&wp->lock);
	on = wp->tracked;
	mutex_unlock(&wp->lock);
	return on;
}

/*
 * KVM tracks writes for others only when built with external write
 * tracking (selected by KVMGT; Debian's kernels have it), and 6.12 only
 * for a notifier registered from the VM's own process. Once per VM.
 */
static bool xl_shadow_wp_register(struct xl_shadow_wp *wp)
{
	bool ok;

	if (!IS_ENABLED(CONFIG_KVM_EXTERNAL_WRITE_TRACKING))
		return false;
	mutex_lock(&wp->reg_lock);
	if (!wp->registered && !READ_ONCE(wp->dead))
		wp->registered = !xl_track_register(wp->kvm, &wp->node);
	ok = wp->registered;
	mutex_unlock(&wp->reg_lock);
	return ok;
}

/*
 * From the registration hypercall's exit handler: the vCPU's thread (the
 * VM's own process), process context, kvm->srcu held. Without tracking,
 * or when KVM refuses it, the page stays writable and only the guard's
 * check protects it.
 */
void xl_shadow_wp_set(struct xl_shadow_wp *wp, gpa_t gpa)
{
	bool reg = gpa != INVALID_GPA && xl_shadow_wp_register(wp);

	mutex_lock(&wp->lock);
	if (wp->tracked)
		xl_write_track(wp->kvm, wp->gfn, false);
	wp->tracked = false;
	if (gpa != INVALID_GPA && !wp->dead) {
		wp->gfn = gpa_to_gfn(gpa);
		wp->tracked = reg && !xl_write_track(wp->kvm, wp->gfn, true);
		if (!wp->tracked)
			atomic64_inc(&wp->unprotected);
	}
	mutex_unlock(&wp->lock);
}

void xl_shadow_wp_exit(struct xl_shadow_wp *wp)
{
	mutex_lock(&wp->lock);
	WRITE_ONCE(wp->dead, true);
	if (wp->tracked)
		xl_write_track(wp->kvm, wp->gfn, false);
	wp->tracked = false;
	mutex_unlock(&wp->lock);
	mutex_lock(&wp->reg_lock);
	/* waits for notifiers in progress (track_srcu) */
	if (wp->registered)
		kvm_page_track_unregister_notifier(wp->kvm, &wp->node);
	wp->registered = false;
	mutex_unlock(&wp->reg_lock);
}
