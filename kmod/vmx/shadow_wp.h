/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest page that holds the shadow IDT, write-protected in the guest
 * through KVM's page tracking: a guest write to it exits, KVM emulates it,
 * and the bytes are written back from the engine's copy before the vCPU
 * runs again, so a guest cannot make a host vector's gate present.
 */
#ifndef XL_SHADOW_WP_H
#define XL_SHADOW_WP_H

#include <linux/kvm_host.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/kvm_page_track.h>

struct xl_engine;

/*
 * The guest's paging-structure pages the walk to the shadow IDT's linear
 * address went through (shadow-idt/sidt_walk.c), write-tracked as the
 * page itself is: a guest write to one of them exits, bumps @path_gen and
 * kicks every vCPU, so none re-enters direct mode before it has walked
 * again (kmod/vmx/shadow_map.c). A PML4 page is per address space (per guest
 * process, for Linux): up to XL_WP_PATH_PAGES are kept, then the set
 * starts over.
 */
#define XL_WP_PATH_PAGES	16

struct xl_shadow_wp {
	struct kvm *kvm;
	struct kvm_page_track_notifier_node node;
	struct mutex reg_lock;	/* writes of @registered */
	struct mutex lock;	/* @gfn, @tracked */
	gfn_t gfn;
	/*
	 * The entry hook reads @gfn and @tracked without @lock, the path
	 * work @registered under @lock. @dead is set once, at teardown,
	 * without a lock (WRITE_ONCE), and read under either lock or none.
	 */
	bool tracked, registered, dead;
	struct mutex buf_lock;		/* @buf */
	u8 buf[PAGE_SIZE];
	/* the engine whose shadow is undone into the page, RCU */
	struct xl_engine *(*engine)(struct xl_shadow_wp *wp);
	atomic64_t guest_writes;	/* emulated guest writes, undone */
	atomic64_t undo_failures;	/* ... that could not be undone */
	atomic64_t unprotected;		/* registrations left unprotected */
	/*
	 * @path_lock (IRQs off: the entry hook reads the set) guards
	 * @path and @nr_path, the tracked pages; @want, the pages a vCPU's
	 * walk found untracked, tracked by @path_work in process context.
	 */
	raw_spinlock_t path_lock;
	gfn_t path[XL_WP_PATH_PAGES];
	unsigned int nr_path;
	gfn_t want[4];
	unsigned int nr_want;
	struct work_struct path_work;
	atomic_t path_gen;		/* bumped by a write to a @path page */
	atomic64_t path_writes;		/* guest writes to @path pages */
	atomic64_t path_resets;		/* the set full, started over */
	/*
	 * Guest writes to a tracked page (the shadow IDT's or a @path page)
	 * in flight: held from the writer's exit, before KVM emulates the
	 * write, to the writer's next entry, after its undo; no vCPU enters
	 * direct mode meanwhile (xl_shadow_mapped). @holds counts them.
	 */
	atomic_t held;
	atomic64_t holds;
};

void xl_shadow_wp_init(struct xl_shadow_wp *wp, struct kvm *kvm,
		       struct xl_engine *(*engine)(struct xl_shadow_wp *wp));
/* Protect @gpa's page (and no other), or none (INVALID_GPA). May sleep. */
void xl_shadow_wp_set(struct xl_shadow_wp *wp, gpa_t gpa);
/* No page protected any more, the notifier gone. Process context. */
void xl_shadow_wp_exit(struct xl_shadow_wp *wp);
bool xl_shadow_wp_active(struct xl_shadow_wp *wp);
/*
 * Are the @n pages of @gfns all tracked? If not, they are queued to be.
 * Any context (the entry hook: IRQs off).
 */
bool xl_shadow_wp_path_tracked(struct xl_shadow_wp *wp, const gfn_t *gfns,
			       unsigned int n);
/* A guest write to @gfn is one the notifier would see. Any context. */
bool xl_shadow_wp_tracks(struct xl_shadow_wp *wp, gfn_t gfn);
static inline u32 xl_shadow_wp_path_gen(struct xl_shadow_wp *wp)
{
	return atomic_read(&wp->path_gen);
}

#endif /* XL_SHADOW_WP_H */
