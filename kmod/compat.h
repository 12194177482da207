/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels exitless.ko supports, in one place
 * (the kernel's own backports keep theirs the same way): the rest of kmod/
 * uses the newest API, or an xl_ wrapper where a signature changed.
 *
 * Supported: 6.1.y (Debian 12) and 6.12.y (Debian 13). The module hooks
 * kvm_intel functions by name and reads their arguments from registers
 * (kvm_hooks.c), so a kernel is supported only once each of those has been
 * checked against its source (kmod/README.md, "Supported kernels"); any
 * other kernel is refused by Kbuild and here at build time, and by
 * xl_kernel_supported() at load time: never hooked by guess.
 */
#ifndef XL_COMPAT_H
#define XL_COMPAT_H

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <linux/version.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/kvm_page_track.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define XL_KERNEL_SERIES	"6.1"
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define XL_KERNEL_SERIES	"6.12"
#else
#error "exitless supports kernels 6.1.y and 6.12.y only: see kmod/README.md, Supported kernels"
#define XL_KERNEL_SERIES	"none"	/* the #error alone, no errors after it */
#endif
#define XL_KERNELS_SUPPORTED	"6.1.y, 6.12.y"

/*
 * The running kernel must be of the series the module was built for: one
 * forced onto another kernel (modprobe --force) would hook kvm_intel
 * functions whose arguments nobody checked there.
 */
static inline bool xl_kernel_supported(void)
{
	const char *rel = init_utsname()->release;
	size_t n = strlen(XL_KERNEL_SERIES);

	return !strncmp(rel, XL_KERNEL_SERIES, n) && rel[n] == '.';
}

/* kvm_intel's call into the host's IDT handler of an external interrupt */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#define XL_KVM_DO_INTERRUPT	"vmx_do_interrupt_nmi_irqoff"
#else
#define XL_KVM_DO_INTERRUPT	"vmx_do_interrupt_irqoff"
#endif

/*
 * 6.12 can run the host with FRED (fred=on; Debian's is built without):
 * KVM then hands an external interrupt to fred_entry_from_kvm, and there
 * is no host IDT entry for the shadow IDT to stand in for or re-raise
 * through.
 */
static inline bool xl_host_uses_fred(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	return false;
#else
	return cpu_feature_enabled(X86_FEATURE_FRED);
#endif
}

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
/* 6.12 took the count out: it was always 1 */
static inline void xl_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 1);
}

static inline u32 xl_apic_read(u32 reg)
{
	return apic_read(reg);
}

static inline void xl_apic_eoi(void)
{
	apic_eoi();
}

/* 6.12 takes the source from the field's __string() declaration */
#define xl_assign_str(field, src)	__assign_str(field, src)

/* 6.12 made struct fd opaque behind this accessor */
#define fd_file(f)		((f).file)
#else
/*
 * apic_read() and apic_eoi() became static calls whose keys are not
 * exported to modules (only the IPI ones are); the struct apic they are
 * set from is, and its methods are the calls' targets.
 */
static inline u32 xl_apic_read(u32 reg)
{
	return apic->read(reg);
}

static inline void xl_apic_eoi(void)
{
	apic->eoi();
}

#define xl_eventfd_signal(ctx)	eventfd_signal(ctx)
#define xl_assign_str(field, src)	__assign_str(field)

/* 6.12 removed no_llseek: a NULL .llseek now means "not seekable" */
#define no_llseek		NULL
#endif

/*
 * KVM's write tracking for a page of the guest's (shadow_wp.c): 6.1 tracks
 * per memslot, the caller holding kvm->srcu and mmu_lock, and tells the
 * notifier the vCPU that wrote and a memslot being flushed; 6.12 tracks by
 * gfn and locks by itself, tells no vCPU, tells a region being removed
 * (its tracking going with it), and registers a notifier only from the
 * VM's own process. shadow_wp.c implements the two callbacks below.
 */
void xl_shadow_wp_written(struct kvm_page_track_notifier_node *node,
			  gpa_t gpa, int bytes);
/* true, and *@gfn, when it forgot the page it had tracked there */
bool xl_shadow_wp_forget(struct kvm_page_track_notifier_node *node,
			 gfn_t base, unsigned long npages, gfn_t *gfn);

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
static inline int xl_write_track(struct kvm *kvm, gfn_t gfn, bool on)
{
	struct kvm_memory_slot *slot;
	int idx = srcu_read_lock(&kvm->srcu);

	slot = gfn_to_memslot(kvm, gfn);
	if (slot) {
		write_lock(&kvm->mmu_lock);
		if (on)
			kvm_slot_page_track_add_page(kvm, slot, gfn,
						     KVM_PAGE_TRACK_WRITE);
		else
			kvm_slot_page_track_remove_page(kvm, slot, gfn,
							KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return slot ? 0 : -EINVAL;
}

static inline void xl_track_write_cb(struct kvm_vcpu *vcpu, gpa_t gpa,
				     const u8 *new, int bytes,
				     struct kvm_page_track_notifier_node *n)
{
	xl_shadow_wp_written(n, gpa, bytes);
}

/* the slot's tracking is dropped here, as KVMGT does on 6.1 */
static inline void xl_track_flush_cb(struct kvm *kvm,
				     struct kvm_memory_slot *slot,
				     struct kvm_page_track_notifier_node *n)
{
	gfn_t gfn;

	if (!xl_shadow_wp_forget(n, slot->base_gfn, slot->npages, &gfn))
		return;
	write_lock(&kvm->mmu_lock);
	kvm_slot_page_track_remove_page(kvm, slot, gfn, KVM_PAGE_TRACK_WRITE);
	write_unlock(&kvm->mmu_lock);
}

static inline int xl_track_register(struct kvm *kvm,
				    struct kvm_page_track_notifier_node *n)
{
	n->track_write = xl_track_write_cb;
	n->track_flush_slot = xl_track_flush_cb;
	kvm_page_track_register_notifier(kvm, n);
	return 0;
}
#else
static inline int xl_write_track(struct kvm *kvm, gfn_t gfn, bool on)
{
	return on ? kvm_write_track_add_gfn(kvm, gfn) :
		    kvm_write_track_remove_gfn(kvm, gfn);
}

static inline void xl_track_write_cb(gpa_t gpa, const u8 *new, int bytes,
				     struct kvm_page_track_notifier_node *n)
{
	xl_shadow_wp_written(n, gpa, bytes);
}

/* the region's tracking goes with it (KVM frees it) */
static inline void xl_track_remove_cb(gfn_t base, unsigned long nr_pages,
				      struct kvm_page_track_notifier_node *n)
{
	gfn_t gfn;

	xl_shadow_wp_forget(n, base, nr_pages, &gfn);
}

static inline int xl_track_register(struct kvm *kvm,
				    struct kvm_page_track_notifier_node *n)
{
	n->track_write = xl_track_write_cb;
	n->track_remove_region = xl_track_remove_cb;
	return kvm_page_track_register_notifier(kvm, n);
}
#endif

#endif /* XL_COMPAT_H */
