// SPDX-License-Identifier: GPL-2.0
/*
 * Attachments of sessions to KVM VMs: attach, detach, delivery mode and the
 * assigned device's host IRQs.
 *
 * Lifetime: an attachment holds a reference on struct kvm (kvm_get_kvm), so
 * the VM cannot be destroyed under us even when its process (QEMU) exits
 * or is killed; its memory is freed when the last reference goes, which
 * may then be our kvm_put_kvm at detach or close. Module unload cannot race
 * with an attachment: every open file pins the module (fops.owner), and
 * exitless.ko uses symbols of kvm.ko, so kvm.ko stays loaded as long as we
 * are (KVM itself pins the vendor module for every VM).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/irq.h>
#include <linux/kernel.h>
#include <linux/kvm_host.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "caps.h"
#include "compat.h"
#include "vmx/kvm_hooks.h"
#include "pi.h"
#include "xl.h"
#include "xl_modes.h"
#include "xl_trace.h"

/*
 * All attached VMs. xl_vms_lock protects the list, xl_nr_vms, xl_next_id
 * and the writes of every xl_vm's mode, IRQ table and counters, so debugfs
 * and XL_IOC_COUNTERS read a consistent state. Taken in process context
 * only: inside a session's lock (never the other way round), or alone by
 * debugfs; never with xl_hooks_lock or xl_pi_lock (vmx/hooks_priv.h).
 */
static LIST_HEAD(xl_vms);
static DEFINE_MUTEX(xl_vms_lock);
static unsigned int xl_nr_vms;
static u64 xl_next_id = 1;

const char *xl_ioc_mode_name(u32 mode)
{
	return xl_mode_str(mode);
}

/*
 * Modes this host can switch a VM to now (XL_IOC_VERSION): baseline
 * always; pi when the host has all that posting needs (caps.c; a VM can
 * still lack its part); eli and did when this module's VMX backend can
 * drive them: hooks and experimental set, kvm_intel loaded without APICv
 * and without the preemption timer (xl_hooks_modes() in kvm_hooks.c; the
 * engine can still refuse for a reason of the VM's).
 */
u32 xl_modes_available(void)
{
	u32 modes = BIT(XL_IOC_MODE_BASELINE) | xl_hooks_modes();

	if (!xl_caps_missing(xl_caps_get(), NULL))
		modes |= BIT(XL_IOC_MODE_PI);
	return modes;
}

int xl_vm_attach(struct xl_session *s, int vm_fd, u64 *id)
{
	struct xl_vm *vm, *it;
	struct kvm *kvm;
	struct fd f;
	int ret;

	if (s->vm)
		return -EBUSY;
	if (vm_fd < 0)
		return -EBADF;
	f = fdget(vm_fd);
	if (!fd_file(f))
		return -EBADF;
	/* file_is_kvm: a VM fd, not /dev/kvm or a vCPU or device fd */
	if (!file_is_kvm(fd_file(f))) {
		ret = -EINVAL;
		goto out_fdput;
	}
	kvm = fd_file(f)->private_data;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		ret = -ENOMEM;
		goto out_fdput;
	}
	mutex_lock(&xl_vms_lock);
	list_for_each_entry(it, &xl_vms, node) {
		if (it->kvm == kvm) {
			ret = -EBUSY;
			goto out_unlock;
		}
	}
	if (xl_nr_vms >= xl_max_vms) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	/* Safe: the fd we hold keeps a reference until fdput. */
	kvm_get_kvm(kvm);
	vm->kvm = kvm;
	vm->id = xl_next_id++;
	vm->owner_tgid = kvm->userspace_pid;
	vm->mode = XL_IOC_MODE_BASELINE;
	list_add_tail(&vm->node, &xl_vms);
	xl_nr_vms++;
	mutex_unlock(&xl_vms_lock);

	s->vm = vm;
	*id = vm->id;
	xl_hooks_attach(vm);
	atomic64_inc(&xl_stats.attaches);
	trace_attach(vm->id, vm->owner_tgid);
	if (xl_verbose)
		pr_info("vm %llu (pid %d) attached\n", vm->id, vm->owner_tgid);
	fdput(f);
	return 0;

out_unlock:
	mutex_unlock(&xl_vms_lock);
	kfree(vm);
out_fdput:
	fdput(f);
	return ret;
}

/*
 * Undo everything the session set up, then drop the VM. Called for
 * XL_IOC_DETACH and when the file is closed (tool exit or crash). In a
 * mode other than baseline this is where KVM's own VMCS state will be
 * restored first (DESIGN.md safety rules).
 */
void xl_vm_detach(struct xl_session *s, const char *why)
{
	struct xl_vm *vm = s->vm;
	u32 i;

	if (!vm)
		return;
	xl_pi_vm_gone(vm);	/* posted IRTEs back to remapped first */
	xl_hooks_detach(vm);	/* KVM's VMCS values back, hooks off */
	mutex_lock(&xl_vms_lock);
	for (i = 0; i < vm->nr_irqs; i++)
		trace_irq_register(vm->id, vm->irqs[i], false);
	atomic64_add(vm->nr_irqs, &xl_stats.irq_unregisters);
	vm->nr_irqs = 0;
	vm->mode = XL_IOC_MODE_BASELINE;
	list_del(&vm->node);
	xl_nr_vms--;
	mutex_unlock(&xl_vms_lock);

	s->vm = NULL;
	atomic64_inc(&xl_stats.detaches);
	trace_detach(vm->id, why);
	if (xl_verbose)
		pr_info("vm %llu detached (%s)\n", vm->id, why);
	kvm_put_kvm(vm->kvm);
	kfree(vm);
}

int xl_vm_set_mode(struct xl_session *s, u32 mode)
{
	struct xl_vm *vm = s->vm;
	u64 said;
	u32 old;
	int ret = 0;

	if (mode >= XL_IOC_NR_MODES)
		return -EINVAL;
	if (!vm)
		return -ENOTCONN;
	old = vm->mode;
	said = vm->refusals;
	/* pi.c checks and posts, or refuses naming what is missing */
	if (mode == XL_IOC_MODE_PI && old != mode)
		ret = xl_pi_enter(vm);
	/* eli/did: kvm_hooks.c drives the engine, or refuses and says why */
	if (!ret && mode != old)
		ret = xl_hooks_set_mode(vm, mode);
	mutex_lock(&xl_vms_lock);
	if (ret || (mode != XL_IOC_MODE_PI && mode != XL_IOC_MODE_ELI &&
		    mode != XL_IOC_MODE_DID &&
		    !(xl_modes_available() & BIT(mode)))) {
		vm->mode_rejected++;
		ret = ret ?: -EOPNOTSUPP;
	} else {
		vm->mode = mode;
		vm->mode_changes++;
	}
	mutex_unlock(&xl_vms_lock);
	if (!ret && old == XL_IOC_MODE_PI && mode != old)
		xl_pi_leave(vm);

	trace_mode_change(vm->id, old, mode, ret);
	if (ret) {
		atomic64_inc(&xl_stats.mode_rejected);
		/* a refusal nobody explained gets a reason too */
		if (ret == -EOPNOTSUPP && vm->refusals == said)
			xl_refusal_info(vm, "mode '%s' is not available in this exitless.ko; VM stays in '%s'",
					xl_ioc_mode_name(mode),
					xl_ioc_mode_name(old));
		return ret;
	}
	atomic64_inc(&xl_stats.mode_changes);
	return 0;
}

/*
 * The text is formatted once, into @vm->why, and logged from there: what
 * XL_IOC_WHY returns is what dmesg shows. The caller runs an ioctl of the
 * session owning @vm and holds its lock (see struct xl_vm).
 */
void xl_refusal_info(struct xl_vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(vm->why, sizeof(vm->why), fmt, ap);
	va_end(ap);
	vm->refusals++;
	pr_info_ratelimited("vm %llu: %s\n", vm->id, vm->why);
}

void xl_vm_why(struct xl_session *s, char *buf, size_t len)
{
	static const char cut[] = "...";

	if (strscpy(buf, s->vm->why, len) < 0 && len >= sizeof(cut))
		memcpy(buf + len - sizeof(cut), cut, sizeof(cut));
}

static bool xl_vm_has_irq(const struct xl_vm *vm, u32 irq)
{
	u32 i;

	for (i = 0; i < vm->nr_irqs; i++)
		if (vm->irqs[i] == irq)
			return true;
	return false;
}

/* @irq is among the first @upto entries of @irqs. */
static bool xl_irq_in(const u32 *irqs, u32 upto, u32 irq)
{
	u32 i;

	for (i = 0; i < upto; i++)
		if (irqs[i] == irq)
			return true;
	return false;
}

/*
 * All or nothing: every IRQ must exist on the host, not be registered yet
 * and not be repeated, and the table must have room for all of them.
 * Only the numbers are kept; nothing is dereferenced later, so an IRQ
 * freed meanwhile (device released) does no harm.
 */
int xl_vm_register_irqs(struct xl_session *s, const u32 *irqs, u32 count)
{
	struct xl_vm *vm = s->vm;
	u32 all[XL_MAX_IRQS];
	u32 i;
	int ret;

	if (!count)
		return -EINVAL;
	if (count > xl_max_irqs)
		return -E2BIG;
	if (!vm)
		return -ENOTCONN;
	if (vm->nr_irqs + count > xl_max_irqs)
		return -E2BIG;
	for (i = 0; i < count; i++) {
		if (!irq_get_irq_data(irqs[i]))
			return -ENOENT;
		if (xl_vm_has_irq(vm, irqs[i]) || xl_irq_in(irqs, i, irqs[i]))
			return -EEXIST;
	}
	/* eli/did map them now, or refuse them with the reason */
	memcpy(all, vm->irqs, vm->nr_irqs * sizeof(*all));
	memcpy(all + vm->nr_irqs, irqs, count * sizeof(*all));
	ret = xl_hooks_set_irqs(vm, all, vm->nr_irqs + count, true);
	if (ret)
		return ret;
	ret = xl_pi_irqs_add(vm, irqs, count);
	if (ret) {
		xl_hooks_set_irqs(vm, vm->irqs, vm->nr_irqs, false);
		return ret;
	}
	mutex_lock(&xl_vms_lock);
	for (i = 0; i < count; i++) {
		vm->irqs[vm->nr_irqs++] = irqs[i];
		vm->irq_registers++;
		trace_irq_register(vm->id, irqs[i], true);
	}
	mutex_unlock(&xl_vms_lock);
	atomic64_add(count, &xl_stats.irq_registers);
	return 0;
}

int xl_vm_unregister_irqs(struct xl_session *s, const u32 *irqs, u32 count)
{
	struct xl_vm *vm = s->vm;
	u32 i, j;

	if (!count)
		return -EINVAL;
	if (count > xl_max_irqs)
		return -E2BIG;
	if (!vm)
		return -ENOTCONN;
	for (i = 0; i < count; i++) {
		if (!xl_vm_has_irq(vm, irqs[i]))
			return -ENOENT;
		if (xl_irq_in(irqs, i, irqs[i]))
			return -EINVAL;
	}
	for (i = 0; i < count; i++)
		xl_pi_irq_remove(vm, irqs[i]);
	mutex_lock(&xl_vms_lock);
	for (i = 0; i < count; i++) {
		for (j = 0; j < vm->nr_irqs; j++) {
			if (vm->irqs[j] != irqs[i])
				continue;
			vm->irqs[j] = vm->irqs[--vm->nr_irqs];
			break;
		}
		vm->irq_unregisters++;
		trace_irq_register(vm->id, irqs[i], false);
	}
	mutex_unlock(&xl_vms_lock);
	/* out of the shadow IDT, affinity back (cannot be refused) */
	xl_hooks_set_irqs(vm, vm->irqs, vm->nr_irqs, false);
	atomic64_add(count, &xl_stats.irq_unregisters);
	return 0;
}

void xl_vm_counters(struct xl_session *s, struct xl_counters *c)
{
	struct xl_vm *vm = s->vm;

	mutex_lock(&xl_vms_lock);
	c->vm_id = vm->id;
	c->mode = vm->mode;
	c->nr_irqs = vm->nr_irqs;
	c->mode_changes = vm->mode_changes;
	c->mode_rejected = vm->mode_rejected;
	c->irq_registers = vm->irq_registers;
	c->irq_unregisters = vm->irq_unregisters;
	mutex_unlock(&xl_vms_lock);
	xl_hooks_guest_state(vm, &c->guest_shadow_gva, &c->guest_vcpus,
			     &c->guest_nr_vcpus);
}

unsigned int xl_vm_count(void)
{
	unsigned int n;

	mutex_lock(&xl_vms_lock);
	n = xl_nr_vms;
	mutex_unlock(&xl_vms_lock);
	return n;
}

u64 xl_irqs_total(void)
{
	struct xl_vm *vm;
	u64 n = 0;

	mutex_lock(&xl_vms_lock);
	list_for_each_entry(vm, &xl_vms, node)
		n += vm->nr_irqs;
	mutex_unlock(&xl_vms_lock);
	return n;
}

void xl_vm_show_all(struct seq_file *m)
{
	struct xl_vm *vm;
	u32 i;

	mutex_lock(&xl_vms_lock);
	seq_puts(m, "id pid mode mode_changes mode_rejected irqs\n");
	list_for_each_entry(vm, &xl_vms, node) {
		seq_printf(m, "%llu %d %s %llu %llu", vm->id, vm->owner_tgid,
			   xl_ioc_mode_name(vm->mode), vm->mode_changes,
			   vm->mode_rejected);
		for (i = 0; i < vm->nr_irqs; i++)
			seq_printf(m, "%c%u", i ? ',' : ' ', vm->irqs[i]);
		seq_putc(m, '\n');
	}
	mutex_unlock(&xl_vms_lock);
}
