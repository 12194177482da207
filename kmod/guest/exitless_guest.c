// SPDX-License-Identifier: GPL-2.0
/*
 * exitless_guest.ko: the Linux guest's side of exitless' eli and did
 * modes (DESIGN.md). The host builds a shadow IDT (ELI) in a page the
 * guest gives up and points the vCPUs' IDTR at it while they run, so an
 * assigned device's interrupts reach the guest without a VM exit. This
 * module gives that page and registers it from every online vCPU with
 * the guest ABI of include/uapi/exitless.h (VMCALL XL_HC_*).
 *
 * The page: one per VM (the host builds one shadow IDT for all vCPUs,
 * from the IDT the vCPUs loaded, Linux's idt_table), allocated from the
 * kernel's linear map, so that every CPU's page tables map it at the same
 * address. The guest never writes it after registering: the host
 * write-tracks it and undoes any write, and while a vCPU runs with the
 * shadow IDT the CPU reads its gates from there. It is freed only after
 * every CPU released it.
 *
 * Lifetime: registered at load on every online CPU and on each CPU that
 * comes online (cpuhp); a CPU going offline leaves (the page stays the
 * VM's). Suspend releases it and resume registers it again (syscore ops:
 * the IDT is reloaded on resume, the host's shadow would be stale);
 * reboot, kexec and power-off release it (reboot notifier), so that the
 * next kernel is not given a shadow IDT in memory it owns; unload
 * releases it. The release is made from every CPU: each VMCALL is an
 * exit, and the host enters no vCPU with the page after its release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/kvm_para.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>

#include "uapi/exitless.h"

static unsigned long xlg_page;		/* the shadow IDT's page, or 0 */
static int xlg_host_abi;		/* the host's guest ABI version */
static enum cpuhp_state xlg_cpuhp;
static bool xlg_released;		/* by reboot or suspend */

/* VMCALL with RAX = @nr, RBX = @arg (KVM's hypercall convention). */
static long xlg_hc(unsigned int nr, unsigned long arg)
{
	return kvm_hypercall1(nr, arg);
}

static int xlg_register_here(void)
{
	long ret = xlg_hc(XL_HC_SHADOW_IDT, xlg_page);

	if (ret)
		pr_warn("CPU %d: the host refused the shadow-IDT page: %ld%s\n",
			smp_processor_id(), ret, ret == XL_HC_UNKNOWN ?
			" (exitless no longer attached to this VM)" : "");
	return ret ? -EIO : 0;
}

static void xlg_register_fn(void *info)
{
	int *err = info;

	if (xlg_register_here())
		*err = -EIO;
}

static void xlg_release_fn(void *unused)
{
	xlg_hc(XL_HC_SHADOW_IDT_RELEASE, 0);
}

/*
 * Release on one CPU and make every other CPU exit once afterwards: the
 * host kicks the other vCPUs, but only a vCPU's next entry takes the
 * shadow IDT out of its IDTR. After this no CPU runs with the page.
 */
static void xlg_release_all(void)
{
	on_each_cpu(xlg_release_fn, NULL, 1);
}

/*
 * CPU by CPU, not all at once: the first registration makes the page the
 * VM's, the others only check it. CPU hotplug held off by the caller.
 */
static int xlg_register_all(void)
{
	int cpu, err = 0;

	for_each_online_cpu(cpu) {
		smp_call_function_single(cpu, xlg_register_fn, &err, 1);
		if (err)
			break;
	}
	return err;
}

/* cpuhp, on the CPU coming online, after it loaded the IDT */
static int xlg_cpu_online(unsigned int cpu)
{
	if (READ_ONCE(xlg_released))
		return 0;
	/* not fatal for the CPU: it runs with KVM's delivery, slower */
	xlg_register_here();
	return 0;
}

static int xlg_cpu_offline(unsigned int cpu)
{
	if (!READ_ONCE(xlg_released) && xlg_host_abi >= 2)
		xlg_hc(XL_HC_SHADOW_IDT_LEAVE, 0);
	return 0;
}

/* Suspend: IRQs off, one CPU left; resume reloads the IDT (LIDT). */
static int xlg_suspend_one(void)
{
	xlg_hc(XL_HC_SHADOW_IDT_RELEASE, 0);
	WRITE_ONCE(xlg_released, true);
	return 0;
}

static void xlg_resume_one(void)
{
	if (!xlg_register_here())
		WRITE_ONCE(xlg_released, false);
}

/*
 * Debian's 6.12.118 carries the syscore interface of later kernels
 * (struct syscore, callbacks with a data pointer); Kbuild tells which
 * one the headers have.
 */
#ifdef XLG_SYSCORE_DATA
static int xlg_suspend(void *unused)
{
	return xlg_suspend_one();
}

static void xlg_resume(void *unused)
{
	xlg_resume_one();
}

static const struct syscore_ops xlg_syscore_ops = {
	.suspend = xlg_suspend,
	.resume = xlg_resume,
};

static struct syscore xlg_syscore = {
	.ops = &xlg_syscore_ops,
};

static void xlg_syscore_register(void)
{
	register_syscore(&xlg_syscore);
}

static void xlg_syscore_unregister(void)
{
	unregister_syscore(&xlg_syscore);
}
#else
static struct syscore_ops xlg_syscore = {
	.suspend = xlg_suspend_one,
	.resume = xlg_resume_one,
};

static void xlg_syscore_register(void)
{
	register_syscore_ops(&xlg_syscore);
}

static void xlg_syscore_unregister(void)
{
	unregister_syscore_ops(&xlg_syscore);
}
#endif

/*
 * Reboot, power-off and kexec (kernel_kexec calls the reboot notifiers
 * too): the next kernel or firmware must not find its IDT replaced.
 */
static int xlg_reboot(struct notifier_block *nb, unsigned long action,
		      void *unused)
{
	WRITE_ONCE(xlg_released, true);
	xlg_release_all();
	return NOTIFY_DONE;
}

static struct notifier_block xlg_reboot_nb = {
	.notifier_call = xlg_reboot,
};

/*
 * The host's answer to XL_HC_VERSION: its guest ABI version; -1000 from
 * KVM means no exitless attached, or one of ABI version 1, which then
 * takes XL_HC_SHADOW_IDT.
 */
static int xlg_probe_host(void)
{
	long ret = xlg_hc(XL_HC_VERSION, 0);

	if (ret > 0)
		return ret;
	if (ret != XL_HC_UNKNOWN) {
		pr_err("not loaded: the host answered XL_HC_VERSION with %ld\n",
		       ret);
		return -EIO;
	}
	ret = xlg_hc(XL_HC_SHADOW_IDT, xlg_page);
	if (ret == XL_HC_UNKNOWN) {
		pr_err("not loaded: the host does not know exitless' hypercalls (KVM answered %d): exitless.ko is not attached to this VM; attach it on the host (exitless attach --pid PID_OF_QEMU) and load this module again\n",
		       XL_HC_UNKNOWN);
		return -ENODEV;
	}
	if (ret) {
		pr_err("not loaded: the host refused the shadow-IDT page: %ld\n",
		       ret);
		return -EIO;
	}
	return 1;
}

static int __init xlg_init(void)
{
	int ret;

	if (!kvm_para_available()) {
		pr_err("not loaded: not a KVM guest (no KVM CPUID signature)\n");
		return -ENODEV;
	}
	xlg_page = get_zeroed_page(GFP_KERNEL);
	if (!xlg_page)
		return -ENOMEM;
	ret = xlg_probe_host();
	if (ret < 0)
		goto free;
	xlg_host_abi = ret;
	/*
	 * From here on the host may write the page: never free it before
	 * the release. No CPU comes or goes between the registrations and
	 * the hotplug callbacks.
	 */
	cpus_read_lock();
	ret = xlg_register_all();
	if (!ret)
		ret = cpuhp_setup_state_nocalls_cpuslocked(CPUHP_AP_ONLINE_DYN,
							   "exitless_guest:online",
							   xlg_cpu_online,
							   xlg_cpu_offline);
	cpus_read_unlock();
	if (ret < 0)
		goto release;
	xlg_cpuhp = ret;
	xlg_syscore_register();
	ret = register_reboot_notifier(&xlg_reboot_nb);
	if (ret)
		goto syscore;
	pr_info("shadow-IDT page at 0x%lx registered on %u CPUs (host guest ABI %d)\n",
		xlg_page, num_online_cpus(), xlg_host_abi);
	return 0;

syscore:
	xlg_syscore_unregister();
	cpuhp_remove_state_nocalls(xlg_cpuhp);
release:
	xlg_release_all();
free:
	free_page(xlg_page);
	return ret;
}

static void __exit xlg_exit(void)
{
	unregister_reboot_notifier(&xlg_reboot_nb);
	xlg_syscore_unregister();
	cpuhp_remove_state_nocalls(xlg_cpuhp);
	xlg_release_all();
	free_page(xlg_page);
	pr_info("shadow-IDT page released\n");
}

module_init(xlg_init);
module_exit(xlg_exit);
MODULE_DESCRIPTION("exitless guest: gives the host a page for its shadow IDT (eli, did)");
MODULE_AUTHOR("exitless");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1");
