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
#include <asm/kvm_page_track.h>

struct xl_engine;

struct xl_shadow_wp {
	struct kvm *kvm;
	struct kvm_page_track_notifier_node node;
	struct mutex reg_lock;	/* @registered */
	struct mutex lock;	/* @gfn, @tracked, @dead */
	gfn_t gfn;
	bool tracked, registered, dead;
	struct mutex buf_lock;		/* @buf */
	u8 buf[PAGE_SIZE];
	/* the engine whose shadow is undone into the page, RCU */
	struct xl_engine *(*engine)(struct xl_shadow_wp *wp);
	atomic64_t guest_writes;	/* emulated guest writes, undone */
	atomic64_t undo_failures;	/* ... that could not be undone */
	atomic64_t unprotected;		/* registrations left unprotected */
};

void xl_shadow_wp_init(struct xl_shadow_wp *wp, struct kvm *kvm,
		       struct xl_engine *(*engine)(struct xl_shadow_wp *wp));
/* Protect @gpa's page (and no other), or none (INVALID_GPA). May sleep. */
void xl_shadow_wp_set(struct xl_shadow_wp *wp, gpa_t gpa);
/* No page protected any more, the notifier gone. Process context. */
void xl_shadow_wp_exit(struct xl_shadow_wp *wp);
bool xl_shadow_wp_active(struct xl_shadow_wp *wp);

#endif /* XL_SHADOW_WP_H */
