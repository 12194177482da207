// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs of the VMX backend: exitless/hooks (what the hooks saw, per
 * hooked VM) and exitless/selftest (root, tests only: the stand-ins for
 * an assigned device in the rigs that have none).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hooks_priv.h"
#include "kvm_hooks.h"
#include "vmx_hw.h"
#include "core/engine_priv.h"

/* The engine's counters of one VM, three lines. */
static void xl_hooks_show_counters(struct seq_file *m,
				   const struct xl_engine_counters *c)
{
	seq_printf(m, "  np_reraised %llu np_injected %llu direct_ipis %llu did_wakeups %llu did_fallbacks %llu inject_switches %llu direct_switches %llu guard_strikes %llu guard_fallbacks %llu lidt_disables %llu\n",
		   c->np_reraised, c->np_injected, c->direct_ipis, c->wakeups,
		   c->fallbacks, c->inject_switches, c->direct_switches,
		   c->guard_strikes, c->guard_fallbacks, c->lidt_disables);
	seq_printf(m, "  desc_emulated %llu desc_faults %llu nested_leaves %llu nested_entries %llu\n",
		   c->desc_emulated, c->desc_faults, c->nested_leaves,
		   c->nested_entries);
	seq_printf(m, "  vmcs_rewrites %llu foreign_idt_entries %llu shadow_unmapped %llu cr3_loads %llu host_reclaimed %llu shadow_repairs %llu exit_eois %llu build_busy %llu\n",
		   c->vmcs_rewrites, c->foreign_idt_entries,
		   c->shadow_unmapped, c->cr3_loads, c->host_reclaimed,
		   c->shadow_repairs, c->exit_eois, c->build_busy);
}

/*
 * Which vCPUs the guest registered the shadow-IDT page from: without it
 * eli and did are refused, and a vCPU missing here is one the guest
 * (exitless_guest.ko) has not brought in or took offline.
 */
static void xl_hooks_show_guest(struct seq_file *m, struct xl_hvm *h)
{
	u32 i, n = min_t(u32, atomic_read(&h->kvm->online_vcpus),
			 XL_HOOK_VCPUS);

	seq_printf(m, "  guest_registered %s vcpus", READ_ONCE(h->shadow_gva) ?
		   "yes" : "no");
	for (i = 0; i < n; i++)
		seq_printf(m, " %u:%d", i, READ_ONCE(h->vcpu[i].registered));
	seq_putc(m, '\n');
}

/* XL_IOC_COUNTERS of an attached VM: its guest's registration. */
void xl_hooks_guest_state(struct xl_vm *vm, u64 *gva, u64 *vcpus, u32 *nr)
{
	struct xl_hvm *h;
	u32 i, n;

	*gva = 0;
	*vcpus = 0;
	*nr = 0;
	mutex_lock(&xl_hooks_lock);
	h = vm->hooks;
	if (h) {
		n = atomic_read(&h->kvm->online_vcpus);
		*nr = n;
		*gva = READ_ONCE(h->shadow_gva);
		for (i = 0; i < min_t(u32, n, min(XL_HOOK_VCPUS, 64)); i++)
			if (READ_ONCE(h->vcpu[i].registered))
				*vcpus |= BIT_ULL(i);
	}
	mutex_unlock(&xl_hooks_lock);
}

void xl_hooks_show(struct seq_file *m)
{
	const struct xl_err_site *site;
	struct xl_engine_counters c;
	enum xl_sidt_state st;
	enum xl_eli_off off;
	struct xl_hvm *h;
	u32 i;

	mutex_lock(&xl_hooks_lock);
	seq_printf(m, "registered %d hooked_vms %u experimental %d\n",
		   xl_hooks_on, xl_nr_hvms, xl_experimental);
	xl_vmx_reraise_show(m);
	list_for_each_entry(h, &xl_hvms, node) {
		seq_printf(m, "vm %llu entries %lld exits %lld exits_handled %lld injections %lld eois %lld hypercalls %lld vmread_fail %lld engine_errors %lld guest_idtr_base 0x%llx shadow_gva 0x%llx engine %s\n",
			   h->vm_id, atomic64_read(&h->entries),
			   atomic64_read(&h->exits),
			   atomic64_read(&h->exits_handled),
			   atomic64_read(&h->injections),
			   atomic64_read(&h->eois),
			   atomic64_read(&h->hypercalls),
			   atomic64_read(&h->vmread_fail),
			   atomic64_read(&h->engine_errors),
			   READ_ONCE(h->last_idtr_base),
			   READ_ONCE(h->shadow_gva),
			   h->eng ? xl_mode_name(READ_ONCE(h->eng->mode)) : "-");
		seq_printf(m, "  vectoring_reraised %lld vectoring_assigned %lld hypercall_errors %lld l2_exits %lld l2_entries %lld\n",
			   atomic64_read(&h->vectoring_reraised),
			   atomic64_read(&h->vectoring_assigned),
			   atomic64_read(&h->hc_errors),
			   atomic64_read(&h->l2_exits),
			   atomic64_read(&h->l2_entries));
		site = READ_ONCE(h->last_err_site);
		seq_printf(m, "  last_engine_error %d last_failed_check %s%s%s\n",
			   READ_ONCE(h->last_err), site ? site->func : "-",
			   site ? ": " : "", site ? site->why : "");
		seq_printf(m, "  draining %d idle_restores %lld guard_ticks %u kvm_users %u\n",
			   h->draining, atomic64_read(&h->idle_restores),
			   h->eng ? h->eng->cfg.timer_value : 0,
			   refcount_read(&h->kvm->users_count));
		seq_printf(m, "  shadow_write_protected %d shadow_guest_writes %lld shadow_undo_failures %lld shadow_unprotected %lld shadow_write_holds %lld\n",
			   xl_shadow_wp_active(&h->wp),
			   atomic64_read(&h->wp.guest_writes),
			   atomic64_read(&h->wp.undo_failures),
			   atomic64_read(&h->wp.unprotected),
			   atomic64_read(&h->wp.holds));
		seq_printf(m, "  shadow_path_pages %u shadow_path_writes %lld shadow_path_resets %lld\n",
			   READ_ONCE(h->wp.nr_path),
			   atomic64_read(&h->wp.path_writes),
			   atomic64_read(&h->wp.path_resets));
		xl_hooks_show_guest(m, h);
		seq_printf(m, "  last exception exit left to KVM: info 0x%llx error 0x%llx idt_vectoring 0x%llx; last exit reason 0x%x, injected vector %d, EOI vector %d\n",
			   h->last_exc[0], h->last_exc[1], h->last_exc[2],
			   READ_ONCE(h->last_reason), READ_ONCE(h->last_inj),
			   READ_ONCE(h->last_eoi));
		seq_puts(m, "  np_exits_by_vector");
		for (i = 0; i < 256; i++)
			if (h->np_vec[i])
				seq_printf(m, " 0x%x:%u", i, h->np_vec[i]);
		seq_puts(m, "\n  extint_exits_by_vector");
		for (i = 0; i < 256; i++)
			if (h->ext_vec[i])
				seq_printf(m, " 0x%x:%u", i, h->ext_vec[i]);
		seq_putc(m, '\n');
		if (h->tdev)
			xl_test_dev_show(m, h->tdev);
		if (h->tmsi)
			xl_test_msi_show(m, h->tmsi);
		seq_printf(m, "  registered_irqs %u live %d maps %lld map_failures %lld invalidations %lld bind_misses %llu\n",
			   h->nr_irqs, atomic_read(&h->asg_live),
			   atomic64_read(&h->remaps),
			   atomic64_read(&h->remap_failures),
			   atomic64_read(&h->invalidations),
			   h->eng && !xl_engine_counters(h->eng, &c) ?
			   c.bind_misses : 0);
		xl_assigned_show(m, &h->asg);
		if (h->asg_why[0])
			seq_printf(m, "  last_map_refusal %s\n", h->asg_why);
		xl_pi_vcpu_show(m, h);
		for (i = 0; h->eng && i < h->hw.nr_vcpus && i < 4; i++) {
			if (xl_engine_vcpu_state(h->eng, i, &st, &off))
				continue;
			seq_printf(m, "  vcpu %u sidt_state %d eli_off %d\n", i,
				   st, off);
		}
		if (h->eng && !xl_engine_counters(h->eng, &c))
			xl_hooks_show_counters(m, &c);
	}
	mutex_unlock(&xl_hooks_lock);
}

/*
 * /sys/kernel/debug/exitless/selftest (root, tests only): stands in for a
 * passthrough device, which the Bochs rig does not have. One command per
 * write, vm_id as XL_IOC_ATTACH returned it:
 *   device VM GUESTVEC VCPU  the VM's test device (test_dev.h): a host
 *                            vector of its own on the CPU VCPU last ran
 *                            on, reaching the guest as GUESTVEC (assigned
 *                            in eli); one per VM, until detach
 *   fire VM                  one interrupt of the test device: a physical
 *                            IPI of its vector to its CPU, wherever the
 *                            vCPU is at that moment
 *   msidev VM EVENTFD CPU    the VM's test MSI (test_dev.h): an IRQ of its
 *                            own on CPU whose handler signals EVENTFD (an
 *                            fd of the writer) and an IRQ-bypass producer
 *                            on it, as VFIO sets up a device's vector;
 *                            register its IRQ (debugfs hooks: testmsi
 *                            irq N) like an assigned device's
 *   msifire VM               one interrupt of the test MSI, to the vector
 *                            and CPU it has now
 *   own VM VEC               the VM owns VEC (DID guest vectors); a
 *                            refusal shows in last_failed_check
 *   virq VM VCPU VEC         a virtual interrupt through the engine
 *                            (did: physical IPI; else injection)
 * The write returns its length on success, else a negative errno.
 */
static int xl_selftest_device(struct xl_hvm *h, u32 guest_vec, u32 vcpu)
{
	struct xl_test_dev *d;
	int ret;

	if (h->tdev)
		return -EBUSY;
	if (guest_vec > 0xff)
		return -EINVAL;
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	ret = xl_test_dev_init(d, h->kvm, vcpu, guest_vec);
	/* its vector is of one CPU, as an assigned IRQ's: the same bind */
	if (!ret && h->asg.nr &&
	    (h->asg.vcpu_idx != d->vcpu || h->asg.cpu != d->hv.cpu))
		ret = -EBUSY;
	if (!ret && h->eng) {
		ret = xl_test_dev_assign(h->eng, d);
		/* with assigned IRQs the bind is this pair already */
		if (!ret && !h->asg.nr && xl_eng_direct_mode(h->eng))
			xl_engine_bind(h->eng, d->vcpu, d->hv.cpu);
	}
	if (ret) {
		xl_test_dev_exit(d);
		kfree(d);
		return ret;
	}
	h->tdev = d;
	return 0;
}

static int xl_selftest_msidev(struct xl_hvm *h, int eventfd, u32 cpu)
{
	struct xl_test_msi *t;
	int ret;

	if (h->tmsi)
		return -EBUSY;
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	ret = xl_test_msi_init(t, eventfd, cpu);
	if (ret) {
		kfree(t);
		return ret;
	}
	h->tmsi = t;
	return 0;
}

static int xl_selftest_cmd(const char *buf)
{
	struct xl_hvm *h, *it;
	struct xl_engine *e;
	char cmd[8];
	u64 id;
	u32 a = 0, b = 0;
	int n, ret;

	n = sscanf(buf, "%7s %llu %u %u", cmd, &id, &a, &b);
	if (n < 2)
		return -EINVAL;
	mutex_lock(&xl_hooks_lock);
	h = NULL;
	list_for_each_entry(it, &xl_hvms, node)
		if (it->vm_id == id)
			h = it;
	e = h ? h->eng : NULL;
	if (!h) {
		ret = -ENOENT;
	} else if (!strcmp(cmd, "device") && n == 4) {
		ret = xl_selftest_device(h, a, b);
	} else if (!strcmp(cmd, "fire") && n == 2) {
		ret = h->tdev ? xl_test_dev_fire(h->tdev) : -ENODEV;
	} else if (!strcmp(cmd, "msidev") && n == 4) {
		ret = xl_selftest_msidev(h, a, b);
	} else if (!strcmp(cmd, "msifire") && n == 2) {
		ret = h->tmsi ? xl_test_msi_fire(h->tmsi) : -ENODEV;
	} else if (!strcmp(cmd, "virq") && n == 4 && READ_ONCE(h->pi_mode)) {
		/* `pi`: posted into KVM's descriptor of the vCPU */
		ret = xl_pi_vcpu_virq(h, a, b);
	} else if (!e) {
		ret = -ENOTCONN;
	} else if (!strcmp(cmd, "own") && n == 3) {
		/*
		 * The shadow IDT gains the identity gate at the next entry. A
		 * refusal is reported as an engine error (a failed check
		 * named, as the hooks' are), on the CPU that noted it.
		 */
		preempt_disable();
		ret = XL_ENGINE_CALL(xl_engine_own(e, a, true));
		if (ret)
			xl_engine_err(h, "selftest own", ret);
		preempt_enable();
	} else if (!strcmp(cmd, "virq") && n == 4) {
		ret = xl_engine_virtual_irq(e, a, b);
		if (ret == XL_DLV_NONE)
			ret = h->hw.ops->inject(h->hw.priv, a, b);
		ret = ret < 0 ? ret : 0;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&xl_hooks_lock);
	return ret;
}

static ssize_t xl_selftest_write(struct file *f, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[96];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	ret = xl_selftest_cmd(buf);
	return ret ? ret : len;
}

static const struct file_operations xl_selftest_fops = {
	.owner = THIS_MODULE,
	.write = xl_selftest_write,
	.llseek = noop_llseek,
};

/*
 * The stand-ins above make host vectors the VM's and fire IPIs at will:
 * for the test rigs only, never in a module loaded as shipped.
 */
static bool xl_selftest_param;
module_param_named(selftest, xl_selftest_param, bool, 0444);
MODULE_PARM_DESC(selftest, "debugfs exitless/selftest: test device, test MSI, virtual IRQs (test rigs only; default off)");

void xl_hooks_debugfs_init(struct dentry *dir)
{
	if (xl_selftest_param)
		debugfs_create_file("selftest", 0200, dir, NULL,
				    &xl_selftest_fops);
}
