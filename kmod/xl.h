/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exitless.ko internals: sessions (open files of /dev/exitless), attached
 * VMs and the counters behind debugfs and XL_IOC_COUNTERS.
 */
#ifndef XL_KMOD_XL_H
#define XL_KMOD_XL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/exitless.h>

struct kvm;
struct seq_file;
struct xl_hvm;

/* Module parameters (main.c), fixed after load. */
extern unsigned int xl_max_vms;
extern unsigned int xl_max_irqs;
extern bool xl_verbose;

/* A refusal's reason as logged; XL_IOC_WHY returns its beginning. */
#define XL_VM_WHY_LEN	1024

/*
 * One attached VM. Owned by exactly one session; lives from a successful
 * XL_IOC_ATTACH until detach or close. It holds a reference on the VM
 * (kvm_get_kvm), so struct kvm cannot be freed while attached even when
 * QEMU exits: the VM's memory is released at detach/close instead.
 *
 * Locking (the order and the contexts: vmx/hooks_priv.h, Locking): every
 * field changes only in the owning session's ioctls and release, under
 * its lock, and some under a second lock too, so that others may read
 * them under that one alone. The hooks never touch this structure.
 */
struct xl_vm {
	/* Set at attach under xl_vms_lock, before listed; constant. */
	struct kvm *kvm;
	u64 id;
	pid_t owner_tgid;
	struct list_head node;		/* in xl_vms, under xl_vms_lock */
	/*
	 * Written under the session's lock and xl_vms_lock both; read
	 * under either (debugfs "vms" and "counters", XL_IOC_COUNTERS
	 * under xl_vms_lock).
	 */
	u32 mode;
	u32 nr_irqs;
	u32 irqs[XL_MAX_IRQS];
	u64 mode_changes;
	u64 mode_rejected;
	u64 irq_registers;
	u64 irq_unregisters;
	/*
	 * kvm_hooks.c, NULL when not hooked. Written at attach and detach
	 * under the session's lock and xl_hooks_lock both; every reader
	 * holds the session's lock.
	 */
	struct xl_hvm *hooks;
	/*
	 * The last refusal of a mode or of host IRQs ("" since attach when
	 * none) and how many there were. Written only by xl_refusal_info(),
	 * from the refusing XL_IOC_SET_MODE or XL_IOC_REGISTER_IRQS; @why is
	 * read by XL_IOC_WHY, @refusals by xl_vm_set_mode (did anyone say
	 * why). All in process context under the owning session's lock, like
	 * @mode; debugfs does not read them, so xl_vms_lock is not needed,
	 * and the refusing code may hold its own locks (xl_hooks_lock,
	 * xl_pi_lock) while it writes.
	 */
	u64 refusals;
	char why[XL_VM_WHY_LEN];
};

/*
 * A session: one open file. @lock serialises its ioctls and its release,
 * so @vm never changes under a running ioctl. It is the outermost lock
 * of the module (vmx/hooks_priv.h, Locking).
 */
struct xl_session {
	struct mutex lock;		/* serialises ioctls and release */
	struct xl_vm *vm;		/* under @lock */
};

/* Module-wide counters; atomics, updated without locks. */
struct xl_stats {
	atomic64_t attaches;
	atomic64_t detaches;
	atomic64_t mode_changes;
	atomic64_t mode_rejected;
	atomic64_t irq_registers;
	atomic64_t irq_unregisters;
	atomic64_t ioctl_errors;
};

extern struct xl_stats xl_stats;

/* vm.c: attachments. The caller holds the session's lock. */
int xl_vm_attach(struct xl_session *s, int vm_fd, u64 *id);
void xl_vm_detach(struct xl_session *s, const char *why);
int xl_vm_set_mode(struct xl_session *s, u32 mode);
int xl_vm_register_irqs(struct xl_session *s, const u32 *irqs, u32 count);
int xl_vm_unregister_irqs(struct xl_session *s, const u32 *irqs, u32 count);
/* Record a refusal in @vm->why and log it: "exitless: vm ID: <text>". */
__printf(2, 3) void xl_refusal_info(struct xl_vm *vm, const char *fmt, ...);
/* XL_IOC_WHY: @vm->why into @buf, cut with "..." when longer. */
void xl_vm_why(struct xl_session *s, char *buf, size_t len);
u32 xl_modes_available(void);
const char *xl_ioc_mode_name(u32 mode);
unsigned int xl_vm_count(void);
u64 xl_irqs_total(void);
void xl_vm_counters(struct xl_session *s, struct xl_counters *c);
void xl_vm_show_all(struct seq_file *m);

/* ioctl.c */
long xl_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* debugfs.c */
void xl_debugfs_init(void);
void xl_debugfs_exit(void);

#endif /* XL_KMOD_XL_H */
