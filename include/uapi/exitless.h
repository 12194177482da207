/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * exitless: ioctl ABI of /dev/exitless (kmod/, exitless.ko).
 *
 * An open file of /dev/exitless is a session. A session attaches to at most
 * one KVM VM, given by a VM file descriptor (the fd KVM_CREATE_VM returned;
 * the tool takes QEMU's with pidfd_getfd()). Everything the session set up
 * (delivery mode, registered host IRQs) is undone when it detaches or when
 * the file is closed, e.g. because the tool crashed. A VM can be attached by
 * one session at a time.
 *
 * Rules for every structure (checked by the module, -EINVAL otherwise):
 *   - @size is the size of the structure the caller was compiled with; this
 *     version requires exactly sizeof(struct ...). A later ABI may grow a
 *     structure at its end and accept both sizes.
 *   - @flags has only the bits defined for that ioctl.
 *   - every field that is not an input (reserved ones and outputs) is zero
 *     on input, so that it can become an input in a later ABI version.
 * Other errors: -ENOTTY unknown ioctl, -EFAULT bad pointer, -EBADF/-EINVAL
 * bad or non-KVM VM fd, -EBUSY already attached, -ENOTCONN not attached,
 * -EOPNOTSUPP delivery mode or IRQs refused (XL_IOC_WHY says why), -E2BIG
 * too many IRQs, -ENOENT IRQ does not exist, -EEXIST IRQ registered twice,
 * -ENOSPC too many VMs. An ioctl added later is -ENOTTY on an older module,
 * which is how a caller tells them apart (XL_ABI_VERSION stays).
 */
#ifndef _UAPI_EXITLESS_H
#define _UAPI_EXITLESS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define XL_DEVICE_PATH		"/dev/exitless"
#define XL_ABI_VERSION		1
#define XL_IOCTL_MAGIC		0xE7

/* Upper bound of XL_IOC_REGISTER_IRQS; module parameter max_irqs <= this. */
#define XL_MAX_IRQS		64

/*
 * Delivery modes, DESIGN.md "Delivery modes". Same values as enum xl_mode
 * of the engine (include/xl_engine.h asserts it); distinct names so that
 * both headers can be included in one file. Their names: include/xl_modes.h.
 */
enum xl_ioc_mode {
	XL_IOC_MODE_BASELINE = 0,	/* KVM's own paths: exits, KVM injects */
	XL_IOC_MODE_ELI = 1,		/* shadow IDT, direct delivery */
	XL_IOC_MODE_PI = 2,		/* VT-d posted interrupts */
	XL_IOC_MODE_DID = 3,		/* virtual interrupts as physical IPIs */
	XL_IOC_NR_MODES
};

/* XL_IOC_VERSION: what this module speaks. */
struct xl_version {
	__u32 size;
	__u32 flags;		/* none defined */
	__u32 abi_version;	/* out: XL_ABI_VERSION */
	__u32 modes;		/* out: bit (1 << XL_IOC_MODE_x) per mode this
				 * host can enter now (a VM may lack its part)
				 */
	__u32 max_irqs;		/* out: IRQs per VM (module parameter) */
	__u32 max_vms;		/* out: attached VMs (module parameter) */
	__u64 reserved[4];
};

/* XL_IOC_ATTACH: attach this session to the VM of @vm_fd. */
struct xl_attach {
	__u32 size;
	__u32 flags;		/* none defined */
	__s32 vm_fd;		/* in: a KVM VM fd of the calling process */
	__u32 reserved0;
	__u64 vm_id;		/* out: id of the attachment (debugfs, trace) */
	__u64 reserved[4];
};

/* XL_IOC_SET_MODE: delivery mode of the attached VM. */
struct xl_set_mode {
	__u32 size;
	__u32 flags;		/* none defined */
	__u32 mode;		/* in: enum xl_ioc_mode */
	__u32 reserved0;
	__u64 reserved[4];
};

/*
 * XL_IOC_REGISTER_IRQS / XL_IOC_UNREGISTER_IRQS: host IRQ numbers of a
 * device assigned to the attached VM (its vfio-msi/msix IRQs, see
 * /proc/interrupts). Registering is all or nothing.
 */
struct xl_irqs {
	__u32 size;
	__u32 flags;		/* none defined */
	__u32 count;		/* in: 1..max_irqs entries of @irqs used */
	__u32 reserved0;
	__u32 irqs[XL_MAX_IRQS];
	__u64 reserved[4];
};

/* XL_IOC_COUNTERS: counters of the attached VM, or module-wide ones. */
#define XL_COUNTERS_GLOBAL	0x00000001U
#define XL_COUNTERS_FLAGS	XL_COUNTERS_GLOBAL

struct xl_counters {
	__u32 size;
	__u32 flags;		/* in: XL_COUNTERS_GLOBAL */
	__u64 vm_id;		/* out: 0 for global counters */
	__u32 mode;		/* out: current mode (per VM), else 0 */
	__u32 nr_irqs;		/* out: registered IRQs (per VM or total) */
	__u64 attaches;		/* out: global only: successful attaches */
	__u64 detaches;		/* out: global only: detaches, incl. close */
	__u64 attached;		/* out: global only: VMs attached now */
	__u64 mode_changes;	/* out: successful XL_IOC_SET_MODE */
	__u64 mode_rejected;	/* out: XL_IOC_SET_MODE -EOPNOTSUPP */
	__u64 irq_registers;	/* out: IRQs registered */
	__u64 irq_unregisters;	/* out: IRQs unregistered (incl. detach) */
	__u64 ioctl_errors;	/* out: global only: ioctls that failed */
	/*
	 * Per VM, the guest's shadow-IDT registration (XL_HC_SHADOW_IDT):
	 * the page, 0 when the guest has registered none (eli and did are
	 * then refused), and which vCPUs registered it, bit N for vCPU index
	 * N (the first 64), out of @guest_nr_vcpus. All 0 when the VMX hooks
	 * are not active for the VM (kvm_intel not loaded, hooks=0).
	 */
	__u64 guest_shadow_gva;	/* out */
	__u64 guest_vcpus;	/* out */
	__u32 guest_nr_vcpus;	/* out */
	__u32 reserved0;
	__u64 reserved[5];
};

/*
 * XL_IOC_WHY: why the attached VM's last XL_IOC_SET_MODE or
 * XL_IOC_REGISTER_IRQS was refused, the same text as the kernel log line
 * (without its "exitless: vm ID: " prefix), cut to fit @text and then
 * ending in "...". Empty when nothing was refused since attach; a later
 * success does not clear it. Named apart from the engine's enum xl_why
 * (include/xl_engine.h), as enum xl_ioc_mode is from enum xl_mode.
 */
struct xl_ioc_why {
	__u32 size;
	__u32 flags;		/* none defined */
	char text[256];		/* out: NUL-terminated */
	__u64 reserved[4];
};

/*
 * Guest ABI (not an ioctl): a guest of an attached VM offers the page for
 * its shadow IDT (modes eli, did) with VMCALL, RAX = XL_HC_SHADOW_IDT,
 * RBX = the page's guest-virtual address (4 KiB aligned, mapped while the
 * guest runs); RAX = 0 on return, or a negative errno. Without exitless
 * attached, KVM answers unknown hypercalls with RAX = -KVM_ENOSYS (-1000).
 * XL_HC_SHADOW_IDT_RELEASE (RBX ignored) takes the page back: no vCPU
 * enters the guest with it again and the host no longer writes it.
 * Both are taken only from guest CPL 0 and never from a nested guest;
 * errors: -EPERM (CPL > 0), -EINVAL (not page-aligned, or 0), -EFAULT
 * (the page is not mapped, not writable at CPL 0, or not guest RAM).
 *
 * The guest ABI has its own version, XL_HC_ABI_VERSION:
 *   1  XL_HC_SHADOW_IDT and XL_HC_SHADOW_IDT_RELEASE as above, one page
 *      per VM (every vCPU runs with the same shadow IDT, as in ELI).
 *   2  XL_HC_VERSION returns the version (RAX = 2), RBX ignored.
 *      XL_HC_SHADOW_IDT is made by every vCPU that is to use the page:
 *      the first names the VM's page; a vCPU naming the page already
 *      registered is checked (its own page walk must reach the same
 *      frame) and recorded as using it, and the page is not written
 *      again. XL_HC_SHADOW_IDT_LEAVE (RBX ignored): this vCPU goes
 *      offline and no longer counts as using the page, which stays the
 *      VM's for the others. The host reports per vCPU who registered.
 * A version-1 host answers XL_HC_VERSION and XL_HC_SHADOW_IDT_LEAVE with
 * -1000, as KVM does; a guest then tells it from a host without exitless
 * by XL_HC_SHADOW_IDT, which only the latter answers with -1000.
 */
#define XL_HC_ABI_VERSION		2
#define XL_HC_VERSION			0x584c0000U
#define XL_HC_SHADOW_IDT		0x584c0001U
#define XL_HC_SHADOW_IDT_RELEASE	0x584c0002U
#define XL_HC_SHADOW_IDT_LEAVE		0x584c0003U
/* KVM's answer to a hypercall it does not know (KVM_ENOSYS, kvm_para.h) */
#define XL_HC_UNKNOWN			(-1000)

#define XL_IOC_VERSION		_IOWR(XL_IOCTL_MAGIC, 0x00, struct xl_version)
#define XL_IOC_ATTACH		_IOWR(XL_IOCTL_MAGIC, 0x01, struct xl_attach)
#define XL_IOC_DETACH		_IO(XL_IOCTL_MAGIC, 0x02)
#define XL_IOC_SET_MODE		_IOW(XL_IOCTL_MAGIC, 0x03, struct xl_set_mode)
#define XL_IOC_REGISTER_IRQS	_IOW(XL_IOCTL_MAGIC, 0x04, struct xl_irqs)
#define XL_IOC_UNREGISTER_IRQS	_IOW(XL_IOCTL_MAGIC, 0x05, struct xl_irqs)
#define XL_IOC_COUNTERS		_IOWR(XL_IOCTL_MAGIC, 0x06, struct xl_counters)
#define XL_IOC_WHY		_IOWR(XL_IOCTL_MAGIC, 0x07, struct xl_ioc_why)

#endif /* _UAPI_EXITLESS_H */
