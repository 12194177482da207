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
 * The paging-structure pages that map the shadow IDT's linear address
 * are tracked the same way (shadow_wp.h, kmod/vmx/shadow_map.c): a guest
 * write to one exits, and no vCPU enters direct mode again before it
 * has walked its page tables anew.
 *
 * A write lands before the notifier hears of it: the writer's exit hook
 * sees it coming (an EPT violation on a tracked page) and the other vCPUs
 * are out of the guest, and stay out of direct mode, until it is undone
 * (@held, kvm_hooks.c).
 *
 * A CR3 load exits in direct mode (the engine's CR3-load exiting), so
 * page tables that were never walked are walked before they run with the
 * shadow IDT. Left open, and bounded by the engine's check of the page
 * at every preemption-timer guard expiry: DMA, which no EPT sees, by a
 * device assigned to the guest (the IOMMU lets it write any of its RAM)
 * or by one the VMM emulates (QEMU and vhost write through the VMM's
 * mapping of the guest's RAM).
 *
 * Lock order: @reg_lock, then KVM's locks (6.12 allocates its tracking
 * arrays at the first registration: it may sleep); @lock, then KVM's srcu
 * and mmu_lock (the tracking calls), then @path_lock. All process context
 * but @path_lock, which the entry hook takes with IRQs off.
 */
#include <linux/slab.h>
#include "compat.h"
#include "shadow_wp.h"
#include "xl_engine.h"

static bool xl_shadow_wp_path_has(struct xl_shadow_wp *wp, gfn_t gfn)
{
	unsigned long flags;
	unsigned int i;
	bool has = false;

	raw_spin_lock_irqsave(&wp->path_lock, flags);
	for (i = 0; i < wp->nr_path && !has; i++)
		has = wp->path[i] == gfn;
	raw_spin_unlock_irqrestore(&wp->path_lock, flags);
	return has;
}

/*
 * A paging-structure entry on the way to the shadow IDT may have changed:
 * every vCPU walks again before direct mode (shadow_map.c), and those in
 * the guest now leave it. The writer is in its exit already.
 */
static void xl_shadow_wp_path_written(struct xl_shadow_wp *wp)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	atomic64_inc(&wp->path_writes);
	atomic_inc(&wp->path_gen);
	kvm_for_each_vcpu(i, vcpu, wp->kvm)
		kvm_vcpu_kick(vcpu);
}

bool xl_shadow_wp_tracks(struct xl_shadow_wp *wp, gfn_t gfn)
{
	return (READ_ONCE(wp->tracked) && READ_ONCE(wp->gfn) == gfn) ||
	       xl_shadow_wp_path_has(wp, gfn);
}

bool xl_shadow_wp_path_tracked(struct xl_shadow_wp *wp, const gfn_t *gfns,
			       unsigned int n)
{
	unsigned long flags;
	unsigned int i, j, found = 0;

	raw_spin_lock_irqsave(&wp->path_lock, flags);
	for (i = 0; i < n; i++)
		for (j = 0; j < wp->nr_path; j++)
			if (wp->path[j] == gfns[i]) {
				found++;
				break;
			}
	if (found < n) {
		n = min_t(unsigned int, n, ARRAY_SIZE(wp->want));
		memcpy(wp->want, gfns, n * sizeof(*gfns));
		wp->nr_want = n;
	}
	raw_spin_unlock_irqrestore(&wp->path_lock, flags);
	if (found < n && !READ_ONCE(wp->dead))
		schedule_work(&wp->path_work);
	return found == n;
}

/* Take every path page out of the set (published first), then untrack. */
static void xl_shadow_wp_path_drop(struct xl_shadow_wp *wp)
{
	gfn_t old[XL_WP_PATH_PAGES];
	unsigned long flags;
	unsigned int i, n;

	raw_spin_lock_irqsave(&wp->path_lock, flags);
	n = wp->nr_path;
	memcpy(old, wp->path, n * sizeof(*old));
	wp->nr_path = 0;
	raw_spin_unlock_irqrestore(&wp->path_lock, flags);
	atomic_inc(&wp->path_gen);
	for (i = 0; i < n; i++)
		xl_write_track(wp->kvm, old[i], false);
}

/*
 * Track the pages a vCPU's walk wanted: process context, under @lock as
 * every tracking call. Tracked first, then published: a page in @path is
 * always tracked.
 */
static void xl_shadow_wp_path_fn(struct work_struct *work)
{
	struct xl_shadow_wp *wp = container_of(work, struct xl_shadow_wp,
					       path_work);
	unsigned long flags;
	unsigned int i, n;
	gfn_t want[4];

	raw_spin_lock_irqsave(&wp->path_lock, flags);
	n = wp->nr_want;
	memcpy(want, wp->want, n * sizeof(*want));
	wp->nr_want = 0;
	raw_spin_unlock_irqrestore(&wp->path_lock, flags);

	mutex_lock(&wp->lock);
	for (i = 0; i < n && wp->registered && !wp->dead; i++) {
		if (xl_shadow_wp_path_has(wp, want[i]))
			continue;
		if (wp->nr_path == XL_WP_PATH_PAGES) {
			atomic64_inc(&wp->path_resets);
			xl_shadow_wp_path_drop(wp);
		}
		if (xl_write_track(wp->kvm, want[i], true))
			continue;
		raw_spin_lock_irqsave(&wp->path_lock, flags);
		wp->path[wp->nr_path++] = want[i];
		raw_spin_unlock_irqrestore(&wp->path_lock, flags);
	}
	mutex_unlock(&wp->lock);
}

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
	if (!ours && xl_shadow_wp_path_has(wp, gpa_to_gfn(gpa))) {
		xl_shadow_wp_path_written(wp);
		return;
	}
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

	unsigned long flags;
	unsigned int i, j;

	mutex_lock(&wp->lock);
	ours = wp->tracked && wp->gfn >= base && wp->gfn < base + npages;
	if (ours) {
		*gfn = wp->gfn;
		wp->tracked = false;
	}
	/* path pages in the region: KVM drops their tracking with it */
	raw_spin_lock_irqsave(&wp->path_lock, flags);
	for (i = 0, j = 0; i < wp->nr_path; i++)
		if (wp->path[i] < base || wp->path[i] >= base + npages)
			wp->path[j++] = wp->path[i];
	wp->nr_path = j;
	raw_spin_unlock_irqrestore(&wp->path_lock, flags);
	atomic_inc(&wp->path_gen);
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
	raw_spin_lock_init(&wp->path_lock);
	INIT_WORK(&wp->path_work, xl_shadow_wp_path_fn);
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
	WRITE_ONCE(wp->dead, true);
	cancel_work_sync(&wp->path_work);
	mutex_lock(&wp->lock);
	if (wp->tracked)
		xl_write_track(wp->kvm, wp->gfn, false);
	wp->tracked = false;
	xl_shadow_wp_path_drop(wp);
	mutex_unlock(&wp->lock);
	mutex_lock(&wp->reg_lock);
	/* waits for notifiers in progress (track_srcu) */
	if (wp->registered)
		kvm_page_track_unregister_notifier(wp->kvm, &wp->node);
	wp->registered = false;
	mutex_unlock(&wp->reg_lock);
}
