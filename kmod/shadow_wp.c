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
 * do not go through the EPT and are not seen.
 *
 * Left open, and bounded by the engine's check of the page at every
 * preemption-timer guard expiry: a guest kernel that maps another frame at
 * the shadow IDT's linear address (its page tables are its own), and DMA
 * by a device assigned to the guest, which the IOMMU lets write any of its
 * RAM.
 *
 * Lock order: @lock, then kvm->mmu_lock. KVM's rules for the tracking
 * calls: kvm->srcu (or slots_lock) held, mmu_lock for write.
 */
#include <linux/slab.h>
#include "shadow_wp.h"
#include "xl_engine.h"

static void xl_shadow_wp_track(struct xl_shadow_wp *wp, gfn_t gfn, bool on)
{
	struct kvm_memory_slot *slot = gfn_to_memslot(wp->kvm, gfn);

	if (!slot)
		return;
	write_lock(&wp->kvm->mmu_lock);
	if (on)
		kvm_slot_page_track_add_page(wp->kvm, slot, gfn,
					     KVM_PAGE_TRACK_WRITE);
	else
		kvm_slot_page_track_remove_page(wp->kvm, slot, gfn,
						KVM_PAGE_TRACK_WRITE);
	write_unlock(&wp->kvm->mmu_lock);
}

/*
 * A guest write to a tracked page, already done by KVM's emulator (x86.c,
 * emulator_write_phys and the cmpxchg path). Process context, the vCPU's
 * exit handler, kvm->srcu held; may sleep.
 */
static void xl_shadow_wp_write(struct kvm_vcpu *vcpu, gpa_t gpa,
			       const u8 *new, int bytes,
			       struct kvm_page_track_notifier_node *node)
{
	struct xl_shadow_wp *wp = container_of(node, struct xl_shadow_wp,
					       node);
	u32 off = offset_in_page(gpa);
	struct xl_engine *e;
	bool ours;
	int ret;

	spin_lock(&wp->lock);
	ours = wp->tracked && gpa_to_gfn(gpa) == wp->gfn;
	spin_unlock(&wp->lock);
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
		ret = kvm_vcpu_write_guest(vcpu, gpa, wp->buf, bytes);
	mutex_unlock(&wp->buf_lock);
	if (ret && ret != -ENOENT)
		atomic64_inc(&wp->undo_failures);
}

/* A memslot goes away or moves: its tracking goes with it (KVMGT does so). */
static void xl_shadow_wp_flush_slot(struct kvm *kvm,
				    struct kvm_memory_slot *slot,
				    struct kvm_page_track_notifier_node *node)
{
	struct xl_shadow_wp *wp = container_of(node, struct xl_shadow_wp,
					       node);

	spin_lock(&wp->lock);
	if (wp->tracked && wp->gfn >= slot->base_gfn &&
	    wp->gfn < slot->base_gfn + slot->npages) {
		write_lock(&kvm->mmu_lock);
		kvm_slot_page_track_remove_page(kvm, slot, wp->gfn,
						KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
		wp->tracked = false;
	}
	spin_unlock(&wp->lock);
}

void xl_shadow_wp_init(struct xl_shadow_wp *wp, struct kvm *kvm,
		       struct xl_engine *(*engine)(struct xl_shadow_wp *wp))
{
	wp->kvm = kvm;
	wp->engine = engine;
	spin_lock_init(&wp->lock);
	mutex_init(&wp->buf_lock);
	wp->node.track_write = xl_shadow_wp_write;
	wp->node.track_flush_slot = xl_shadow_wp_flush_slot;
	kvm_page_track_register_notifier(kvm, &wp->node);
}

bool xl_shadow_wp_active(struct xl_shadow_wp *wp)
{
	bool on;

	spin_lock(&wp->lock);
	on = wp->tracked;
	spin_unlock(&wp->lock);
	return on;
}

/*
 * From the registration hypercall's exit handler: process context,
 * kvm->srcu held by KVM's vcpu_run.
 */
void xl_shadow_wp_set(struct xl_shadow_wp *wp, gpa_t gpa)
{
	spin_lock(&wp->lock);
	if (wp->tracked)
		xl_shadow_wp_track(wp, wp->gfn, false);
	wp->tracked = false;
	if (gpa != INVALID_GPA && !wp->dead) {
		/*
		 * KVM tracks writes for others only when built with external
		 * write tracking (selected by KVMGT; Debian's kernels have
		 * it), else it WARNs. Without it the page stays writable and
		 * only the guard's check protects it.
		 */
		if (IS_ENABLED(CONFIG_KVM_EXTERNAL_WRITE_TRACKING)) {
			wp->gfn = gpa_to_gfn(gpa);
			xl_shadow_wp_track(wp, wp->gfn, true);
			wp->tracked = true;
		} else {
			atomic64_inc(&wp->unprotected);
		}
	}
	spin_unlock(&wp->lock);
}

void xl_shadow_wp_exit(struct xl_shadow_wp *wp)
{
	int idx = srcu_read_lock(&wp->kvm->srcu);

	spin_lock(&wp->lock);
	wp->dead = true;
	if (wp->tracked)
		xl_shadow_wp_track(wp, wp->gfn, false);
	wp->tracked = false;
	spin_unlock(&wp->lock);
	srcu_read_unlock(&wp->kvm->srcu, idx);
	/* waits for notifiers in progress (track_srcu) */
	kvm_page_track_unregister_notifier(wp->kvm, &wp->node);
}
