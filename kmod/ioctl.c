// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI of /dev/exitless (include/uapi/exitless.h): copy in, check
 * every field, dispatch to vm.c, copy out. Nothing from userspace is used
 * before it has been checked, and every path returns an errno.
 */
#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "xl.h"

/*
 * The ABI structures have no implicit padding (so no kernel bytes leak on
 * copy-out) and the same layout on i386 and x86_64 (compat_ptr_ioctl).
 */
static_assert(sizeof(struct xl_version) == 56);
static_assert(sizeof(struct xl_attach) == 56);
static_assert(sizeof(struct xl_set_mode) == 48);
static_assert(sizeof(struct xl_irqs) == 16 + 4 * XL_MAX_IRQS + 32);
static_assert(sizeof(struct xl_counters) == 24 + 8 * 8 + 8 * 8);
static_assert(sizeof(struct xl_ioc_why) == 8 + 256 + 8 * 4);

/* The leading fields every ABI structure starts with. */
struct xl_hdr {
	__u32 size;
	__u32 flags;
};

static bool xl_is_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/*
 * Copy a structure of @size bytes from @uarg and check the common rules:
 * exact size, no flags outside @flags_ok. Reserved fields are the caller's.
 */
static int xl_copy_in(void *dst, size_t size, unsigned long uarg, u32 flags_ok)
{
	const struct xl_hdr *h = dst;

	if (copy_from_user(dst, (const void __user *)uarg, size))
		return -EFAULT;
	if (h->size != size)
		return -EINVAL;
	if (h->flags & ~flags_ok)
		return -EINVAL;
	return 0;
}

static int xl_copy_out(unsigned long uarg, const void *src, size_t size)
{
	return copy_to_user((void __user *)uarg, src, size) ? -EFAULT : 0;
}

static long xl_ioc_version(unsigned long uarg)
{
	struct xl_version v;
	int ret;

	ret = xl_copy_in(&v, sizeof(v), uarg, 0);
	if (ret)
		return ret;
	if (v.abi_version || v.modes || v.max_irqs || v.max_vms ||
	    !xl_is_zero(v.reserved, sizeof(v.reserved)))
		return -EINVAL;
	v.abi_version = XL_ABI_VERSION;
	v.modes = xl_modes_available();
	v.max_irqs = xl_max_irqs;
	v.max_vms = xl_max_vms;
	return xl_copy_out(uarg, &v, sizeof(v));
}

static long xl_ioc_attach(struct xl_session *s, unsigned long uarg)
{
	struct xl_attach a;
	int ret;

	ret = xl_copy_in(&a, sizeof(a), uarg, 0);
	if (ret)
		return ret;
	if (a.reserved0 || a.vm_id ||
	    !xl_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	ret = xl_vm_attach(s, a.vm_fd, &a.vm_id);
	if (ret)
		return ret;
	ret = xl_copy_out(uarg, &a, sizeof(a));
	if (ret)
		xl_vm_detach(s, "attach-efault");
	return ret;
}

static long xl_ioc_set_mode(struct xl_session *s, unsigned long uarg)
{
	struct xl_set_mode m;
	int ret;

	ret = xl_copy_in(&m, sizeof(m), uarg, 0);
	if (ret)
		return ret;
	if (m.reserved0 || !xl_is_zero(m.reserved, sizeof(m.reserved)))
		return -EINVAL;
	return xl_vm_set_mode(s, m.mode);
}

static long xl_ioc_irqs(struct xl_session *s, unsigned long uarg, bool reg)
{
	struct xl_irqs *r;
	long ret;

	/* 304 bytes: off the stack */
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	ret = xl_copy_in(r, sizeof(*r), uarg, 0);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (r->reserved0 || !xl_is_zero(r->reserved, sizeof(r->reserved)))
		goto out;
	/* unused entries must be zero too, so they can gain a meaning */
	if (r->count <= XL_MAX_IRQS &&
	    !xl_is_zero(&r->irqs[r->count],
			(XL_MAX_IRQS - r->count) * sizeof(r->irqs[0])))
		goto out;
	if (reg)
		ret = xl_vm_register_irqs(s, r->irqs, r->count);
	else
		ret = xl_vm_unregister_irqs(s, r->irqs, r->count);
out:
	kfree(r);
	return ret;
}

static long xl_ioc_counters(struct xl_session *s, unsigned long uarg)
{
	struct xl_counters c;
	struct xl_hdr h;
	size_t out;
	int ret;

	ret = xl_copy_in(&c, sizeof(c), uarg, XL_COUNTERS_FLAGS);
	if (ret)
		return ret;
	/* everything after size and flags is output: zero on input */
	out = offsetof(struct xl_counters, vm_id);
	if (!xl_is_zero((const u8 *)&c + out, sizeof(c) - out))
		return -EINVAL;
	h.size = c.size;
	h.flags = c.flags;
	memset(&c, 0, sizeof(c));
	c.size = h.size;
	c.flags = h.flags;
	if (h.flags & XL_COUNTERS_GLOBAL) {
		c.nr_irqs = min_t(u64, xl_irqs_total(), U32_MAX);
		c.attaches = atomic64_read(&xl_stats.attaches);
		c.detaches = atomic64_read(&xl_stats.detaches);
		c.attached = xl_vm_count();
		c.mode_changes = atomic64_read(&xl_stats.mode_changes);
		c.mode_rejected = atomic64_read(&xl_stats.mode_rejected);
		c.irq_registers = atomic64_read(&xl_stats.irq_registers);
		c.irq_unregisters = atomic64_read(&xl_stats.irq_unregisters);
		c.ioctl_errors = atomic64_read(&xl_stats.ioctl_errors);
	} else {
		if (!s->vm)
			return -ENOTCONN;
		xl_vm_counters(s, &c);
	}
	return xl_copy_out(uarg, &c, sizeof(c));
}

static long xl_ioc_why_get(struct xl_session *s, unsigned long uarg)
{
	struct xl_ioc_why *w;
	size_t out;
	long ret;

	/* 296 bytes: off the stack */
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	ret = xl_copy_in(w, sizeof(*w), uarg, 0);
	if (ret)
		goto out;
	/* everything after size and flags is output or reserved: zero */
	out = offsetof(struct xl_ioc_why, text);
	ret = -EINVAL;
	if (!xl_is_zero((const u8 *)w + out, sizeof(*w) - out))
		goto out;
	ret = -ENOTCONN;
	if (!s->vm)
		goto out;
	xl_vm_why(s, w->text, sizeof(w->text));
	ret = xl_copy_out(uarg, w, sizeof(*w));
out:
	kfree(w);
	return ret;
}

long xl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xl_session *s = file->private_data;
	long ret;

	if (_IOC_TYPE(cmd) != XL_IOCTL_MAGIC) {
		ret = -ENOTTY;
		goto out;
	}
	ret = mutex_lock_killable(&s->lock);
	if (ret)
		goto out;
	switch (cmd) {
	case XL_IOC_VERSION:
		ret = xl_ioc_version(arg);
		break;
	case XL_IOC_ATTACH:
		ret = xl_ioc_attach(s, arg);
		break;
	case XL_IOC_DETACH:
		if (arg)
			ret = -EINVAL;
		else if (!s->vm)
			ret = -ENOTCONN;
		else
			xl_vm_detach(s, "ioctl");
		break;
	case XL_IOC_SET_MODE:
		ret = xl_ioc_set_mode(s, arg);
		break;
	case XL_IOC_REGISTER_IRQS:
		ret = xl_ioc_irqs(s, arg, true);
		break;
	case XL_IOC_UNREGISTER_IRQS:
		ret = xl_ioc_irqs(s, arg, false);
		break;
	case XL_IOC_COUNTERS:
		ret = xl_ioc_counters(s, arg);
		break;
	case XL_IOC_WHY:
		ret = xl_ioc_why_get(s, arg);
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&s->lock);
out:
	if (ret < 0)
		atomic64_inc(&xl_stats.ioctl_errors);
	return ret;
}
