// SPDX-License-Identifier: GPL-2.0
/*
 * exitless.ko: /dev/exitless, through which a tool attaches to a KVM VM
 * and chooses how interrupts reach it (DESIGN.md). This is the baseline
 * module: sessions, attach/detach with VM references, delivery mode
 * bookkeeping, registered host IRQs, counters in debugfs and tracepoints.
 * The VMX backend (kvm_hooks.c, vmx_hw.c) drives eli; pi is in pi.c.
 *
 * Unload: each open /dev/exitless pins the module (fops.owner), so rmmod
 * fails with EBUSY while a session exists; a session detaches on close.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "compat.h"
#include "xl.h"
#include "vmx/kvm_hooks.h"

#define CREATE_TRACE_POINTS
#include "xl_trace.h"

unsigned int xl_max_vms = 16;
module_param_named(max_vms, xl_max_vms, uint, 0444);
MODULE_PARM_DESC(max_vms, "VMs attached at the same time (1-1024, default 16)");

unsigned int xl_max_irqs = 32;
module_param_named(max_irqs, xl_max_irqs, uint, 0444);
MODULE_PARM_DESC(max_irqs,
		 "host IRQs registered per VM (1-" __stringify(XL_MAX_IRQS) ", default 32)");

bool xl_verbose;
module_param_named(verbose, xl_verbose, bool, 0644);
MODULE_PARM_DESC(verbose, "log attach and detach to the kernel log (default off)");

struct xl_stats xl_stats;

static int xl_open(struct inode *inode, struct file *file)
{
	struct xl_session *s;

	/*
	 * Attaching reconfigures a VM's interrupt delivery and its host
	 * IRQs' affinity: an administrator's act, whatever the node's mode.
	 */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

/* Last close of the file: also when the tool crashed or was killed. */
static int xl_release(struct inode *inode, struct file *file)
{
	struct xl_session *s = file->private_data;

	mutex_lock(&s->lock);
	xl_vm_detach(s, "close");
	mutex_unlock(&s->lock);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static const struct file_operations xl_fops = {
	.owner = THIS_MODULE,
	.open = xl_open,
	.release = xl_release,
	.unlocked_ioctl = xl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice xl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "exitless",
	.fops = &xl_fops,
	.mode = 0600,
};

static int __init xl_init(void)
{
	int ret;

	if (!xl_kernel_supported()) {
		pr_err("not loaded: kernel %s is not the %s.y this module was built and checked for (supported: %s; kmod/README.md, Supported kernels)\n",
		       init_utsname()->release, XL_KERNEL_SERIES,
		       XL_KERNELS_SUPPORTED);
		return -EOPNOTSUPP;
	}
	if (!xl_max_vms || xl_max_vms > 1024) {
		pr_err("max_vms=%u out of range 1-1024\n", xl_max_vms);
		return -EINVAL;
	}
	if (!xl_max_irqs || xl_max_irqs > XL_MAX_IRQS) {
		pr_err("max_irqs=%u out of range 1-%d\n", xl_max_irqs,
		       XL_MAX_IRQS);
		return -EINVAL;
	}
	if (!xl_hooks_params_ok())
		return -EINVAL;
	ret = misc_register(&xl_misc);
	if (ret)
		return ret;
	xl_debugfs_init();
	pr_info("loaded: ABI %d, modes: baseline; pi where posting exists; eli and did only with experimental=1\n",
		XL_ABI_VERSION);
	return 0;
}

static void __exit xl_exit(void)
{
	misc_deregister(&xl_misc);
	xl_hooks_exit();
	xl_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(xl_init);
module_exit(xl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("exitless: exit-less interrupt delivery for KVM guests");
MODULE_VERSION("0.1");
