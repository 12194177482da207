// SPDX-License-Identifier: GPL-2.0
/*
 * xlprobe: can an out-of-tree module run code right before VM entry and
 * right after VM exit of an UNMODIFIED kvm_intel (Debian 6.1), on the
 * vCPU's CPU with its VMCS current, read and change that VMCS, and take
 * over the handling of an exit?  A feasibility probe for exitless.ko,
 * loaded only inside the Bochs rig (tests/vm/guest/bochs-probe.sh); not
 * part of exitless.ko.
 *
 * Hooks (kvm_x86_ops is not exported and KVM calls vendor code through
 * static calls, so ops cannot be swapped; kallsyms_lookup_name is not
 * exported either, a kprobe on it yields its address):
 *   entry  vmx_vcpu_run(vcpu, run_flags): called by vcpu_enter_guest()
 *          with IRQs off and the vCPU's VMCS loaded, once per VM entry.
 *          mech=ftrace: an ftrace_ops with SAVE_REGS on it; mech=kprobe:
 *          a kprobe pre-handler on it.  Reads GUEST_IDTR_BASE/LIMIT and
 *          EXCEPTION_BITMAP; with mode>=1 sets bit 11 (#NP) in
 *          EXCEPTION_BITMAP (SDM vol.3 25.6.3) every time, since KVM
 *          rewrites the field whenever it recomputes it.
 *   exit   vmx_handle_exit_irqoff(vcpu): called right after the exit,
 *          IRQs still off.  Reads VM_EXIT_REASON and VM_EXIT_INTR_INFO
 *          (SDM vol.3 28.2.2) and counts #NP exits (reason 0, vector 11).
 *   take   vmx_handle_exit(vcpu, fastpath): with mode=2 an ftrace_ops
 *          with IPMODIFY sends #NP exits to xlp_handle_np() instead of
 *          KVM's handler (the same trick livepatch uses); it skips the
 *          faulting instruction (skip_len bytes) through KVM's register
 *          cache and resumes the guest without KVM seeing the exception.
 *   direct mode=3, ELI's direct mode in miniature: external-interrupt
 *          exiting cleared before every entry, #NP trapped; a host
 *          interrupt arriving in guest mode is delivered through the
 *          guest's IDT, hits a not-present gate and exits as #NP with
 *          IDT-vectoring information; the exit hook runs the host's
 *          handler through KVM's vmx_do_interrupt_nmi_irqoff and cancels
 *          KVM's re-injection, the take hook resumes the guest.
 * Only vCPU threads whose comm equals the "comm" parameter are touched
 * (default "kvm-np", the rig's test program); "" means every vCPU.
 *
 * Results are read-only module parameters (/sys/module/xlprobe/parameters).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ftrace.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/kvm_host.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/vmx.h>

static int mode;
module_param(mode, int, 0444);
MODULE_PARM_DESC(mode, "0 observe, 1 also trap #NP, 2 also handle #NP here, 3 direct: external-interrupt exiting off, host vectors re-raised");
static char *mech = "ftrace";
module_param(mech, charp, 0444);
MODULE_PARM_DESC(mech, "entry hook mechanism: ftrace or kprobe");
static char *comm = "kvm-np";
module_param(comm, charp, 0444);
MODULE_PARM_DESC(comm, "act only on vCPU threads of this name (\"\" = all)");
static unsigned long direct_budget = 1000;
module_param(direct_budget, ulong, 0444);
MODULE_PARM_DESC(direct_budget, "mode 3: re-raised host interrupts after which direct mode ends (guard)");
static bool trace;
module_param(trace, bool, 0444);
MODULE_PARM_DESC(trace, "mode 3: first events to I/O port 0xE9 (Bochs prints them at once)");
static int skip_len = 2;
module_param(skip_len, int, 0444);
MODULE_PARM_DESC(skip_len, "bytes of guest code skipped after a handled #NP");

/* Results (read-only parameters, so busybox cat is enough to read them). */
static unsigned long entry_hits, entry_irqs_on, entry_wrong_cpu;
static unsigned long entry_vmread_fail, entry_vmwrite_fail;
static unsigned long last_idtr_base, last_idtr_limit, last_vmcs_pa;
static unsigned long last_eb_before, last_eb_after;
static unsigned long exit_hits, exit_irqs_on, exit_np, last_exit_reason;
static unsigned long last_np_errcode, np_handled, np_handled_rip;
static unsigned long exit_extint, direct_reraised, last_direct_vector;
static unsigned long last_pin_before, last_pin_after;
static unsigned long direct_isr_set, direct_irr_set, direct_ended;
static unsigned long direct_other_exit;
module_param(entry_hits, ulong, 0444);
module_param(entry_irqs_on, ulong, 0444);
module_param(entry_wrong_cpu, ulong, 0444);
module_param(entry_vmread_fail, ulong, 0444);
module_param(entry_vmwrite_fail, ulong, 0444);
module_param(last_idtr_base, ulong, 0444);
module_param(last_idtr_limit, ulong, 0444);
module_param(last_vmcs_pa, ulong, 0444);
module_param(last_eb_before, ulong, 0444);
module_param(last_eb_after, ulong, 0444);
module_param(exit_hits, ulong, 0444);
module_param(exit_irqs_on, ulong, 0444);
module_param(exit_np, ulong, 0444);
module_param(last_exit_reason, ulong, 0444);
module_param(last_np_errcode, ulong, 0444);
module_param(np_handled, ulong, 0444);
module_param(np_handled_rip, ulong, 0444);
module_param(exit_extint, ulong, 0444);
module_param(direct_reraised, ulong, 0444);
module_param(last_direct_vector, ulong, 0444);
module_param(last_pin_before, ulong, 0444);
module_param(last_pin_after, ulong, 0444);
module_param(direct_isr_set, ulong, 0444);
module_param(direct_irr_set, ulong, 0444);
module_param(direct_ended, ulong, 0444);
module_param(direct_other_exit, ulong, 0444);

/* KVM's trampoline that runs a host IDT handler with an interrupt frame. */
static void (*xlp_do_interrupt)(unsigned long entry);

#define NP_VECTOR	11

/* VMREAD: CF or ZF set on failure (SDM vol.3 31.2, "VMfail"). */
static int xlp_vmread(unsigned long field, unsigned long *val)
{
	bool fail;

	asm volatile("vmread %[field], %[val]; setna %[fail]"
		     : [fail] "=qm" (fail), [val] "=rm" (*val)
		     : [field] "r" (field) : "cc");
	return fail ? -EIO : 0;
}

static int xlp_vmwrite(unsigned long field, unsigned long val)
{
	bool fail;

	asm volatile("vmwrite %[val], %[field]; setna %[fail]"
		     : [fail] "=qm" (fail)
		     : [field] "r" (field), [val] "rm" (val) : "cc", "memory");
	return fail ? -EIO : 0;
}

static unsigned long xlp_vmptrst(void)
{
	u64 pa = ~0ULL;

	asm volatile("vmptrst %0" : "=m" (pa) : : "cc");
	return pa;
}

/* Trace line to port 0xE9: Bochs prints it at once on its stdout. */
static void xlp_e9(const char *s)
{
	if (!trace)
		return;
	while (*s)
		outb(*s++, 0xe9);
}

static __printf(1, 2) void xlp_e9f(const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	if (!trace)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	xlp_e9(buf);
}

static bool xlp_wanted(void)
{
	return !comm[0] || !strcmp(current->comm, comm);
}

static bool xlp_is_np_exit(unsigned long reason, unsigned long info)
{
	return (reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI &&
	       (info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
			INTR_INFO_VECTOR_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | NP_VECTOR);
}

/* Right before VM entry: vmx_vcpu_run(vcpu, ...). */
static void xlp_entry(struct kvm_vcpu *vcpu)
{
	unsigned long base, limit, eb;

	if (!xlp_wanted())
		return;
	entry_hits++;
	if (!irqs_disabled())
		entry_irqs_on++;
	if (vcpu->cpu != smp_processor_id())
		entry_wrong_cpu++;
	last_vmcs_pa = xlp_vmptrst();
	if (xlp_vmread(GUEST_IDTR_BASE, &base) ||
	    xlp_vmread(GUEST_IDTR_LIMIT, &limit) ||
	    xlp_vmread(EXCEPTION_BITMAP, &eb)) {
		entry_vmread_fail++;
		return;
	}
	last_idtr_base = base;
	last_idtr_limit = limit;
	last_eb_before = eb;
	if (mode >= 1 && !(eb & BIT(NP_VECTOR))) {
		if (xlp_vmwrite(EXCEPTION_BITMAP, eb | BIT(NP_VECTOR)))
			entry_vmwrite_fail++;
	}
	if (!xlp_vmread(EXCEPTION_BITMAP, &eb))
		last_eb_after = eb;
	/*
	 * Direct mode (ELI, mode 3): no exit for external interrupts; they
	 * are delivered through the guest's IDT (SDM vol.3 25.6.1, bit 0 of
	 * the pin-based controls).  Host vectors hit not-present gates and
	 * come back as #NP exits, re-raised by xlp_exit().
	 */
	if (mode == 3 && !xlp_vmread(PIN_BASED_VM_EXEC_CONTROL, &eb)) {
		last_pin_before = eb;
		/* The guard: past the budget, back to KVM's value. */
		if (direct_reraised >= direct_budget) {
			if (!direct_ended)
				xlp_e9("xlprobe: direct budget used up\n");
			direct_ended = 1;
			eb |= PIN_BASED_EXT_INTR_MASK;
		} else {
			eb &= ~PIN_BASED_EXT_INTR_MASK;
		}
		if (eb != last_pin_before)
			xlp_vmwrite(PIN_BASED_VM_EXEC_CONTROL, eb);
		if (!xlp_vmread(PIN_BASED_VM_EXEC_CONTROL, &eb))
			last_pin_after = eb;
		if (entry_hits <= 12)
			xlp_e9f("xlprobe: entry %lu pin %#lx eb %#lx\n",
				entry_hits, last_pin_after, last_eb_after);
	}
}

/*
 * #NP raised while delivering an external interrupt through the guest's
 * IDT (IDT-vectoring information, SDM vol.3 28.2.4): a host interrupt that
 * arrived in direct mode.  Returns its vector, or -1.
 */
static int xlp_direct_host_vector(void)
{
	unsigned long idtv;

	if (xlp_vmread(IDT_VECTORING_INFO_FIELD, &idtv))
		return -1;
	if ((idtv & (VECTORING_INFO_VALID_MASK | VECTORING_INFO_TYPE_MASK)) !=
	    (VECTORING_INFO_VALID_MASK | INTR_TYPE_EXT_INTR))
		return -1;
	return idtv & VECTORING_INFO_VECTOR_MASK;
}

/*
 * The CPU acknowledged the host interrupt, so run the host's handler for
 * it now, as KVM does for an external-interrupt exit (the handler ends
 * with the EOI), and drop the re-injection into the guest that
 * vmx_complete_interrupts() queued from the IDT-vectoring information.
 */
static void xlp_reraise(struct kvm_vcpu *vcpu, int vector)
{
	u32 bit = BIT(vector % 32), reg = 0x10 * (vector / 32);
	struct desc_ptr idt;
	gate_desc *desc;

	/* Did the CPU acknowledge it (ISR set, IRR clear; SDM vol.3 11.8.4)? */
	if (apic_read(APIC_ISR + reg) & bit)
		direct_isr_set++;
	if (apic_read(APIC_IRR + reg) & bit)
		direct_irr_set++;
	if (direct_reraised < 3)
		xlp_e9("xlprobe: #NP of a host vector in direct mode\n");
	store_idt(&idt);
	desc = (gate_desc *)idt.address + vector;
	xlp_do_interrupt(gate_offset(desc));
	vcpu->arch.interrupt.injected = false;
	direct_reraised++;
	last_direct_vector = vector;
}

/* Right after VM exit: vmx_handle_exit_irqoff(vcpu). */
static void xlp_exit(struct kvm_vcpu *vcpu)
{
	unsigned long reason, info, err;

	if (!xlp_wanted())
		return;
	exit_hits++;
	if (!irqs_disabled())
		exit_irqs_on++;
	if (xlp_vmread(VM_EXIT_REASON, &reason) ||
	    xlp_vmread(VM_EXIT_INTR_INFO, &info))
		return;
	if (exit_hits <= 12) {
		unsigned long idtv = 0, rip = 0, rfl = 0;

		xlp_vmread(IDT_VECTORING_INFO_FIELD, &idtv);
		xlp_vmread(GUEST_RIP, &rip);
		xlp_vmread(GUEST_RFLAGS, &rfl);
		xlp_e9f("xlprobe: exit %lu reason %#lx info %#lx idtv %#lx rip %#lx rflags %#lx\n",
			exit_hits, reason, info, idtv, rip, rfl);
	}
	last_exit_reason = reason;
	if ((reason & 0xffff) == EXIT_REASON_EXTERNAL_INTERRUPT)
		exit_extint++;
	if (xlp_is_np_exit(reason, info)) {
		exit_np++;
		if (!xlp_vmread(VM_EXIT_INTR_ERROR_CODE, &err))
			last_np_errcode = err;
	}
	/*
	 * Any exit, not only #NP, can interrupt the delivery of a host
	 * interrupt through the guest's IDT: e.g. an EPT violation on the
	 * IDT page itself (seen in Bochs).  KVM would re-inject the vector
	 * into the guest and the host would never EOI it.
	 */
	if (mode == 3) {
		int vector = xlp_direct_host_vector();

		if (vector >= 0) {
			if (!xlp_is_np_exit(reason, info))
				direct_other_exit++;
			xlp_reraise(vcpu, vector);
		}
	}
}

/*
 * Takes the place of vmx_handle_exit() for a #NP exit (mode 2): same
 * signature, reached by the ftrace IPMODIFY redirect below with KVM's
 * arguments still in their registers, returns to KVM's caller.  The guest
 * resumes skip_len bytes further on; RIP goes through KVM's register cache
 * (available + dirty), so vmx_vcpu_run() writes it to GUEST_RIP itself.
 */
static int xlp_handle_np(struct kvm_vcpu *vcpu, fastpath_t fastpath)
{
	unsigned long rip;

	if (xlp_vmread(GUEST_RIP, &rip))
		return 1;
	rip += skip_len;
	vcpu->arch.regs[VCPU_REGS_RIP] = rip;
	__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_avail);
	__set_bit(VCPU_REGS_RIP, (unsigned long *)&vcpu->arch.regs_dirty);
	np_handled++;
	np_handled_rip = rip;
	return 1;
}

/* Mode 3: the #NP of a re-raised host interrupt; the guest just resumes. */
static int xlp_handle_np_direct(struct kvm_vcpu *vcpu, fastpath_t fastpath)
{
	return 1;
}

static void notrace xlp_ft_entry(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op,
				 struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		xlp_entry((struct kvm_vcpu *)regs->di);
}

static void notrace xlp_ft_exit(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *op,
				struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		xlp_exit((struct kvm_vcpu *)regs->di);
}

static void notrace xlp_ft_take(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *op,
				struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	unsigned long reason, info;

	if (!regs || !xlp_wanted())
		return;
	if (xlp_vmread(VM_EXIT_REASON, &reason) ||
	    xlp_vmread(VM_EXIT_INTR_INFO, &info))
		return;
	if (!xlp_is_np_exit(reason, info))
		return;
	if (mode != 3)
		regs->ip = (unsigned long)xlp_handle_np;
	else if (xlp_direct_host_vector() >= 0)
		regs->ip = (unsigned long)xlp_handle_np_direct;
}

static struct ftrace_ops xlp_ops_entry = {
	.func = xlp_ft_entry,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xlp_ops_exit = {
	.func = xlp_ft_exit,
	.flags = FTRACE_OPS_FL_SAVE_REGS,
};

static struct ftrace_ops xlp_ops_take = {
	.func = xlp_ft_take,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

static int xlp_kp_entry(struct kprobe *p, struct pt_regs *regs)
{
	xlp_entry((struct kvm_vcpu *)regs->di);
	return 0;
}

static struct kprobe xlp_kp = {
	.symbol_name = "vmx_vcpu_run",
	.pre_handler = xlp_kp_entry,
};

static unsigned long (*xlp_kallsyms)(const char *name);

/* kallsyms_lookup_name is not exported: a kprobe on it yields its address. */
static int xlp_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	int err = register_kprobe(&kp);

	if (err)
		return err;
	xlp_kallsyms = (void *)kp.addr;
	unregister_kprobe(&kp);
	return xlp_kallsyms ? 0 : -ENOENT;
}

static int xlp_ftrace_on(struct ftrace_ops *ops, const char *sym)
{
	unsigned long addr = xlp_kallsyms(sym);
	int err;

	if (!addr) {
		pr_err("xlprobe: %s not found\n", sym);
		return -ENOENT;
	}
	err = ftrace_set_filter_ip(ops, addr, 0, 0);
	if (!err)
		err = register_ftrace_function(ops);
	pr_info("xlprobe: ftrace on %s at %pS: %d\n", sym, (void *)addr, err);
	return err;
}

static void xlp_ftrace_off(struct ftrace_ops *ops, const char *sym)
{
	unregister_ftrace_function(ops);
	ftrace_set_filter_ip(ops, xlp_kallsyms(sym), 1, 0);
}

static bool xlp_use_kprobe;

static int __init xlp_init(void)
{
	int err;

	if (!strcmp(mech, "kprobe"))
		xlp_use_kprobe = true;
	else if (strcmp(mech, "ftrace"))
		return -EINVAL;
	if (mode < 0 || mode > 3)
		return -EINVAL;
	err = xlp_find_kallsyms();
	if (err) {
		pr_err("xlprobe: kprobe on kallsyms_lookup_name: %d\n", err);
		return err;
	}
	if (!xlp_kallsyms("vmx_vcpu_run")) {
		pr_err("xlprobe: kvm_intel is not loaded\n");
		return -ENOENT;
	}
	xlp_do_interrupt = (void *)xlp_kallsyms("vmx_do_interrupt_nmi_irqoff");
	if (mode == 3 && !xlp_do_interrupt)
		return -ENOENT;
	if (xlp_use_kprobe) {
		err = register_kprobe(&xlp_kp);
		pr_info("xlprobe: kprobe on vmx_vcpu_run at %pS: %d\n",
			xlp_kp.addr, err);
	} else {
		err = xlp_ftrace_on(&xlp_ops_entry, "vmx_vcpu_run");
	}
	if (err)
		return err;
	err = xlp_ftrace_on(&xlp_ops_exit, "vmx_handle_exit_irqoff");
	if (err)
		goto out_entry;
	if (mode >= 2) {
		err = xlp_ftrace_on(&xlp_ops_take, "vmx_handle_exit");
		if (err)
			goto out_exit;
	}
	pr_info("xlprobe: loaded, mode=%d mech=%s comm=\"%s\"\n",
		mode, mech, comm);
	return 0;
out_exit:
	xlp_ftrace_off(&xlp_ops_exit, "vmx_handle_exit_irqoff");
out_entry:
	if (xlp_use_kprobe)
		unregister_kprobe(&xlp_kp);
	else
		xlp_ftrace_off(&xlp_ops_entry, "vmx_vcpu_run");
	return err;
}

static void __exit xlp_exit_module(void)
{
	if (mode >= 2)
		xlp_ftrace_off(&xlp_ops_take, "vmx_handle_exit");
	xlp_ftrace_off(&xlp_ops_exit, "vmx_handle_exit_irqoff");
	if (xlp_use_kprobe)
		unregister_kprobe(&xlp_kp);
	else
		xlp_ftrace_off(&xlp_ops_entry, "vmx_vcpu_run");
	pr_info("xlprobe: unloaded: entries %lu exits %lu np %lu handled %lu\n",
		entry_hits, exit_hits, exit_np, np_handled);
}

module_init(xlp_init);
module_exit(xlp_exit_module);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("exitless feasibility probe: hooks around kvm_intel VM entry/exit (Bochs rig only)");
