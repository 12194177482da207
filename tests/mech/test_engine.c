// SPDX-License-Identifier: GPL-2.0
/*
 * core/: the per-VM engine against the fake machine. Each test plays the
 * hypervisor: it calls before_entry / handle_exit / eoi / virtual_irq /
 * vcpu_sched as KVM or the model would, and asserts on what the engine
 * asked the machine to do (VMCS values, IPIs, posts, injections).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <pthread.h>
#include "xl_engine.h"
#include "xl_pi.h"
#include "hw/vmx.h"
#include "fake_hw.h"

#define IDT_GVA		FAKE_MEM_BASE
#define SHADOW_GVA	(FAKE_MEM_BASE + 0x2000)
#define HANDLER(v)	(0xffffffff81000000ULL + (v) * 0x10)

static struct fake_hw *fk;
static struct xl_engine *e;
static u64 orig[2][8];

static const u32 fields[] = {
	VMCS_PIN_BASED_CTLS, VMCS_PROC_BASED_CTLS, VMCS_PROC_BASED_CTLS2,
	VMCS_EXCEPTION_BITMAP, VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT,
	VMCS_PREEMPTION_TIMER_VALUE, VMCS_POSTED_INTR_DESC_ADDR,
};

static void snapshot(u32 vcpu, u64 *out)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		out[i] = fake_vmcs_get(fk, vcpu, fields[i]);
}

static void assert_vmcs_original(u32 vcpu)
{
	u64 now[8];

	snapshot(vcpu, now);
	assert_memory_equal(now, orig[vcpu], sizeof(now));
	assert_true(fk->v[vcpu].eoi_intercept);
}

static union xl_idt_gate *guest_gate(unsigned int v)
{
	return (union xl_idt_gate *)fake_mem(fk, IDT_GVA) + v;
}

static union xl_idt_gate *shadow_gate(unsigned int v)
{
	return (union xl_idt_gate *)fake_mem(fk, SHADOW_GVA) + v;
}

static int setup(void **state)
{
	unsigned int v;
	u32 i;

	fk = calloc(1, sizeof(*fk));
	e = aligned_alloc(64, sizeof(*e));
	if (!fk || !e)
		return -1;
	fake_hw_init(fk, 2);
	for (i = 0; i < 2; i++) {
		fake_vmcs_kvm_defaults(fk, i, IDT_GVA);
		snapshot(i, orig[i]);
	}
	for (v = 0; v < 256; v++) {
		union xl_idt_gate *g = guest_gate(v);

		xl_idt_gate_set_offset(g, HANDLER(v));
		g->f.selector = 0x10;
		g->f.type = IDT_GATE_TYPE_INTERRUPT;
		g->f.present = 1;
	}
	return xl_engine_init(e, &fk->hw, NULL);
}

static int teardown(void **state)
{
	free(fk);
	free(e);
	return 0;
}

static struct xl_engine_counters ctr(void)
{
	struct xl_engine_counters c;

	assert_int_equal(xl_engine_counters(e, &c), 0);
	return c;
}

static enum xl_sidt_state sidt_state(u32 vcpu, enum xl_eli_off *off)
{
	enum xl_sidt_state s;
	enum xl_eli_off o;

	assert_int_equal(xl_engine_vcpu_state(e, vcpu, &s, &o), 0);
	if (off)
		*off = o;
	return s;
}

/* A host interrupt at @vec hits a not-present shadow gate: #NP exit. */
static int np_exit(u32 vcpu, unsigned int vec)
{
	fake_vmcs_set(fk, vcpu, VMCS_EXIT_INTR_INFO,
		      INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
		      INTR_INFO_ERRCODE_VALID | XL_VEC_NP);
	fake_vmcs_set(fk, vcpu, VMCS_EXIT_INTR_ERRCODE,
		      (vec << 3) | XL_ERRCODE_IDT | XL_ERRCODE_EXT);
	fake_vmcs_set(fk, vcpu, VMCS_IDT_VECTORING_INFO,
		      INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vec);
	return xl_engine_handle_exit(e, vcpu, EXIT_REASON_EXCEPTION_NMI);
}

static void eli_setup(void)
{
	enum xl_why why;

	assert_int_equal(xl_engine_own(e, 0x41, true), 0);
	assert_int_equal(xl_engine_assign(e, 5, 0x41, 0x30, 0), 0);
	assert_int_equal(xl_engine_set_shadow_gva(e, SHADOW_GVA), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_ELI, &why), 0);
	assert_int_equal(why, XL_WHY_OK);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
}

static void test_caps_refused(void **state)
{
	enum xl_why why;

	fk->hw.has_preemption_timer = false;
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_ELI, &why),
			 -EOPNOTSUPP);
	assert_int_equal(why, XL_WHY_NO_PREEMPTION_TIMER);
	fk->hw.has_preemption_timer = true;
	fk->hw.x2apic = false;
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_ELI, &why),
			 -EOPNOTSUPP);
	assert_int_equal(why, XL_WHY_NO_X2APIC);
	/* "ELI delivery only": allowed by cfg, EOI stays intercepted. */
	e->cfg.eoi_exits_ok = true;
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_ELI, &why), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_BASELINE, &why), 0);
	e->cfg.eoi_exits_ok = false;
	fk->hw.has_posted_intr = false;
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_PI, &why),
			 -EOPNOTSUPP);
	assert_int_equal(why, XL_WHY_NO_POSTED_INTR);
	/* DID without posting falls to its ELI form, which needs x2APIC. */
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_DID, &why),
			 -EOPNOTSUPP);
	assert_int_equal(why, XL_WHY_NO_X2APIC);
	fk->hw.has_posted_intr = true;
	fk->hw.has_vtd_posting = false;
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_PI, &why),
			 -EOPNOTSUPP);
	assert_int_equal(why, XL_WHY_NO_VTD_POSTING);
	assert_int_equal(xl_engine_set_mode(e, (enum xl_mode)9, &why),
			 -EINVAL);
	assert_int_equal(why, XL_WHY_BAD_MODE);
	assert_string_equal(xl_why_str(XL_WHY_NO_VTD_POSTING),
			    "IOMMU has no posted-interrupt support");
	/* Still baseline: the engine stays out of virtual interrupts. */
	assert_int_equal(xl_engine_own(e, 0x41, true), 0);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x41), XL_DLV_NONE);
	assert_int_equal(fk->nr_inj + fk->nr_ipi, 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(fk->v[0].writes, 0);
}

static void test_eli_direct_mode_and_shadow(void **state)
{
	eli_setup();
	/* Shadow IDT published: remapped gate, host vectors not present. */
	assert_memory_equal(shadow_gate(0x41), guest_gate(0x30), 16);
	assert_int_equal(shadow_gate(0x30)->f.present, 0);
	assert_int_equal(shadow_gate(0xec)->f.present, 0);
	assert_memory_equal(shadow_gate(14), guest_gate(14), 16);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_BASE),
			 SHADOW_GVA);
	assert_false(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		     PIN_EXT_INTR_EXITING);
	assert_false(fk->v[0].eoi_intercept);
	assert_int_equal(ctr().direct_switches, 1);
	/* vCPU 1 has not entered yet: untouched. */
	assert_int_equal(fk->v[1].writes, 0);
	/* Entering again changes nothing. */
	fk->v[0].writes = 0;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(fk->v[0].writes, 0);
}

static void test_eli_np_reraise_exactly_once(void **state)
{
	int i;

	eli_setup();
	for (i = 0; i < 10; i++)
		assert_int_equal(np_exit(0, 0xec), XL_EXIT_HANDLED);
	assert_int_equal(fk->nr_reraise, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(fk->reraise[i].b, 0xec);
	assert_int_equal(ctr().np_reraised, 10);
	assert_int_equal(fk->nr_inj, 0);
	/* A #NP from the guest's own INT n is not the engine's. */
	fake_vmcs_set(fk, 0, VMCS_EXIT_INTR_ERRCODE, (0x90 << 3) | 2);
	fake_vmcs_set(fk, 0, VMCS_IDT_VECTORING_INFO, 0);
	assert_int_equal(xl_engine_handle_exit(e, 0,
					       EXIT_REASON_EXCEPTION_NMI),
			 XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->nr_reraise, 10);
	/* An owned vector without a gate goes to the guest, not the host. */
	assert_int_equal(xl_engine_own(e, 0x42, true), 0);
	assert_int_equal(np_exit(0, 0x42), XL_EXIT_HANDLED);
	assert_int_equal(fake_injections(fk, 0, 0x42), 1);
	assert_int_equal(fk->nr_reraise, 10);
	assert_int_equal(ctr().np_injected, 1);
}

static void test_eli_injection_mode_until_eoi(void **state)
{
	eli_setup();
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x41), XL_DLV_INJECTED);
	assert_int_equal(fake_injections(fk, 0, 0x41), 1);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_INJECT);
	assert_vmcs_original(0);
	/* Still in injection mode while the interrupt is in service. */
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_INJECT);
	/* An unrelated EOI does not end it. */
	assert_int_equal(xl_engine_eoi(e, 0, 0x77), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_INJECT);
	/* The EOI exit of the injected interrupt: back to direct mode. */
	assert_int_equal(xl_engine_eoi(e, 0, 0x41), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_BASE),
			 SHADOW_GVA);
	assert_int_equal(ctr().inject_switches, 1);
	assert_int_equal(ctr().direct_switches, 2);
	assert_int_equal(ctr().injected, 1);
}

/*
 * A directly delivered vector still in service at an exit (the guest's
 * handler has not EOIed it yet) is EOIed there, on its CPU, before the
 * vCPU can move; the guest's later EOI, intercepted in injection mode,
 * touches the physical LAPIC no more.
 */
static void test_direct_vector_eoied_at_exit(void **state)
{
	eli_setup();
	/* 0x41 arrived directly (guest vector 0x30); then an exit. */
	fk->v[0].isr[1] = XL_BIT(0x41 - 64);
	assert_int_equal(xl_engine_handle_exit(e, 0, EXIT_REASON_HLT),
			 XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->v[0].apic_eois, 1);
	assert_int_equal(fk->v[0].isr[1], 0);
	assert_int_equal(ctr().exit_eois, 1);
	assert_int_equal(fk->nr_reraise, 0);
	/* an injection: injection mode, the guest's EOIs now exit */
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x41), XL_DLV_INJECTED);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_INJECT);
	assert_int_equal(xl_engine_eoi(e, 0, 0x30), 0);
	assert_int_equal(fk->v[0].apic_eois, 1);
	/* The injected one's EOI ends injection mode. */
	assert_int_equal(xl_engine_eoi(e, 0, 0x41), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(fk->v[0].apic_eois, 1);
}

static void test_unowned_vector_refused(void **state)
{
	enum xl_mode m;

	eli_setup();
	for (m = XL_MODE_ELI; m < XL_NR_MODES; m++) {
		assert_int_equal(xl_engine_set_mode(e, m, NULL), 0);
		assert_int_equal(xl_engine_virtual_irq(e, 0, 0x55), -EPERM);
	}
	assert_int_equal(ctr().refused, 3);
	assert_int_equal(fk->nr_inj + fk->nr_ipi, 0);
	assert_true(xl_pi_pir_empty(xl_engine_pi_desc(e, 0)));
	/* Assigning a host vector the VM does not own is refused too. */
	assert_int_equal(xl_engine_assign(e, 6, 0x66, 0x31, 0), -EPERM);
	assert_int_equal(ctr().refused, 4);
	/* Giving up ownership of an assigned vector is not allowed. */
	assert_int_equal(xl_engine_own(e, 0x41, false), -EBUSY);
	/* The PI vectors belong to the host. */
	assert_int_equal(xl_engine_own(e, 0xf2, true), -EBUSY);
}

/*
 * Descriptor-table exits in direct mode (SDM vol.3 26.1.3), the
 * instruction information laid out as SDM vol.3 27.2.5 says: identity
 * 29:28, base register 26:23 (27: none), index 21:18 (22: none), segment
 * 17:15, register operand 10 (LDTR/TR only), address size 9:7, reg1 6:3.
 */
#define CODE_GVA	(FAKE_MEM_BASE + 0x4000)
#define USER_GVA	(FAKE_MEM_BASE + 0x5000)	/* CPL 3 may write */
#define KERNEL_GVA	(FAKE_MEM_BASE + 0x6000)	/* CPL 0 only */
#define TR_SEL		0x40
#define GDT_GVA		0xffff880000001000ULL
#define INFO_NOREGS	(XL_BIT(22) | XL_BIT(27) | (3u << 15))
#define INFO_MEM64(id)	(INFO_NOREGS | (2u << 7) | ((u64)(id) << 28))
#define INFO_REG(id, r)	(XL_BIT(10) | ((u64)(r) << 3) | ((u64)(id) << 28))
#define AR_L		XL_BIT(13)
#define AR_DPL3		(3u << 5)

/* The guest at CPL @cpl executes @len bytes at CODE_GVA, which exit. */
static int desc_exit(u32 reason, u64 info, u64 qual, const u8 *insn,
		     unsigned int len, int cpl)
{
	memcpy(fake_mem(fk, CODE_GVA), insn, len);
	fake_vmcs_set(fk, 0, VMCS_GUEST_RIP, CODE_GVA);
	fake_vmcs_set(fk, 0, VMCS_EXIT_INSN_LEN, len);
	fake_vmcs_set(fk, 0, VMCS_EXIT_INSN_INFO, info);
	fake_vmcs_set(fk, 0, VMCS_EXIT_QUALIFICATION, qual);
	fake_vmcs_set(fk, 0, VMCS_GUEST_CS_AR, AR_L | (cpl ? AR_DPL3 : 0));
	fake_vmcs_set(fk, 0, VMCS_GUEST_SS_AR, cpl ? AR_DPL3 : 0);
	return xl_engine_handle_exit(e, 0, reason);
}

static void desc_setup(void)
{
	eli_setup();
	fk->user_lo = USER_GVA;
	fk->user_hi = USER_GVA + 0x1000;
	fake_vmcs_set(fk, 0, VMCS_GUEST_GDTR_BASE, GDT_GVA);
	fake_vmcs_set(fk, 0, VMCS_GUEST_GDTR_LIMIT, 0x7f);
	fake_vmcs_set(fk, 0, VMCS_GUEST_LDTR_SELECTOR, 0);
	fake_vmcs_set(fk, 0, VMCS_GUEST_TR_SELECTOR, TR_SEL);
}

static void assert_stored_dt(u64 gva, u16 limit, u64 base)
{
	u8 want[10];

	want[0] = limit;
	want[1] = limit >> 8;
	memcpy(want + 2, &base, 8);
	assert_memory_equal(fake_mem(fk, gva), want, 10);
}

/*
 * CPL 3 with CR4.UMIP clear: SIDT and SGDT store the guest's own
 * registers (the IDTR saved at the switch, not the shadow IDT's), SLDT
 * and STR to memory and to registers (zero-extended; a 0x66 prefix keeps
 * the upper bits), RIP-relative addressing; each skipped, no fallback.
 */
static void test_desc_stores_emulated(void **state)
{
	/* sidt disp32 / sgdt disp32 (ModRM 0x0c/0x04, SIB 0x25) */
	const u8 sidt[] = { 0x0f, 0x01, 0x0c, 0x25, 0, 0, 0, 0 };
	const u8 sgdt[] = { 0x0f, 0x01, 0x04, 0x25, 0, 0, 0, 0 };
	const u8 str_eax[] = { 0x0f, 0x00, 0xc8 };
	const u8 str_ax[] = { 0x66, 0x0f, 0x00, 0xc8 };
	/* sldt 0x1019(%rip): ModRM 0x05, disp32; RIP + 7 + 0x1019 */
	const u8 sldt_rip[] = { 0x0f, 0x00, 0x05, 0x19, 0x10, 0, 0 };
	/* str 0x10(%rbx,%rsi,4): base 3, index 6, scale 2 */
	const u8 str_sib[] = { 0x0f, 0x00, 0x4c, 0xb3, 0x10 };
	u64 info;

	desc_setup();
	assert_int_equal(desc_exit(EXIT_REASON_GDTR_IDTR, INFO_MEM64(1),
				   USER_GVA, sidt, sizeof(sidt), 3),
			 XL_EXIT_HANDLED);
	assert_stored_dt(USER_GVA, 0xfff, IDT_GVA);
	assert_int_equal(desc_exit(EXIT_REASON_GDTR_IDTR, INFO_MEM64(0),
				   USER_GVA + 0x10, sgdt, sizeof(sgdt), 3),
			 XL_EXIT_HANDLED);
	assert_stored_dt(USER_GVA + 0x10, 0x7f, GDT_GVA);

	fk->v[0].gpr[0] = ~0ULL;
	assert_int_equal(desc_exit(EXIT_REASON_LDTR_TR, INFO_REG(1, 0), 0,
				   str_eax, sizeof(str_eax), 3),
			 XL_EXIT_HANDLED);
	assert_int_equal(fk->v[0].gpr[0], TR_SEL);
	fk->v[0].gpr[0] = ~0ULL;
	assert_int_equal(desc_exit(EXIT_REASON_LDTR_TR, INFO_REG(1, 0), 0,
				   str_ax, sizeof(str_ax), 3),
			 XL_EXIT_HANDLED);
	assert_int_equal(fk->v[0].gpr[0], ~0xffffULL | TR_SEL);

	memset(fake_mem(fk, USER_GVA + 0x20), 0xa5, 2);
	fake_vmcs_set(fk, 0, VMCS_GUEST_LDTR_SELECTOR, 0x28);
	assert_int_equal(desc_exit(EXIT_REASON_LDTR_TR, INFO_MEM64(0),
				   0x1019, sldt_rip, sizeof(sldt_rip), 3),
			 XL_EXIT_HANDLED);
	assert_int_equal(*(u16 *)fake_mem(fk, USER_GVA + 0x20), 0x28);

	info = (2u << 7) | (3u << 15) | (6u << 18) | (3u << 23) | 2 |
	       ((u64)1 << 28);
	fk->v[0].gpr[3] = USER_GVA;
	fk->v[0].gpr[6] = 0x10;
	assert_int_equal(desc_exit(EXIT_REASON_LDTR_TR, info, 0x10, str_sib,
				   sizeof(str_sib), 3), XL_EXIT_HANDLED);
	assert_int_equal(*(u16 *)fake_mem(fk, USER_GVA + 0x50), TR_SEL);

	assert_int_equal(fk->v[0].skips, 6);
	assert_int_equal(ctr().desc_emulated, 6);
	assert_int_equal(ctr().desc_faults, 0);
	assert_int_equal(fk->v[0].faults, 0);
	assert_int_equal(ctr().lidt_disables, 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
}

/*
 * A CPL-3 SGDT at a kernel address: the guest's fault, queued by the
 * store, and RIP stays; nothing written, still direct. With CR4.UMIP set
 * it is the hypervisor's to answer (#GP).
 */
static void test_desc_store_faults_and_umip(void **state)
{
	const u8 sgdt[] = { 0x0f, 0x01, 0x04, 0x25, 0, 0, 0, 0 };

	desc_setup();
	memset(fake_mem(fk, KERNEL_GVA), 0xa5, 16);
	assert_int_equal(desc_exit(EXIT_REASON_GDTR_IDTR, INFO_MEM64(0),
				   KERNEL_GVA, sgdt, sizeof(sgdt), 3),
			 XL_EXIT_HANDLED);
	assert_int_equal(fk->v[0].faults, 1);
	assert_int_equal(fk->v[0].skips, 0);
	assert_int_equal(*(u64 *)fake_mem(fk, KERNEL_GVA),
			 0xa5a5a5a5a5a5a5a5ULL);
	/* the same at CPL 0 is allowed */
	assert_int_equal(desc_exit(EXIT_REASON_GDTR_IDTR, INFO_MEM64(0),
				   KERNEL_GVA, sgdt, sizeof(sgdt), 0),
			 XL_EXIT_HANDLED);
	assert_stored_dt(KERNEL_GVA, 0x7f, GDT_GVA);
	fake_vmcs_set(fk, 0, VMCS_CR4_READ_SHADOW, X86_CR4_UMIP);
	assert_int_equal(desc_exit(EXIT_REASON_GDTR_IDTR, INFO_MEM64(0),
				   USER_GVA, sgdt, sizeof(sgdt), 3),
			 XL_EXIT_NOT_HANDLED);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(ctr().lidt_disables, 0);
}

/*
 * LIDT (and the other loads, CPL 0 only): the guest changes its tables.
 * ELI's answer: its own IDTR back for good on this vCPU; the exit is
 * handled without moving RIP, so it runs the instruction again itself.
 */
static void test_eli_lidt_disables(void **state)
{
	const u8 lidt[] = { 0x0f, 0x01, 0x1c, 0x25, 0, 0, 0, 0 };
	enum xl_eli_off off;

	desc_setup();
	assert_int_equal(desc_exit(EXIT_REASON_GDTR_IDTR, INFO_MEM64(3),
				   USER_GVA, lidt, sizeof(lidt), 0),
			 XL_EXIT_HANDLED);
	assert_int_equal(fk->v[0].skips, 0);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_LIDT);
	assert_vmcs_original(0);
	assert_int_equal(ctr().lidt_disables, 1);
	/* It stays off for this vCPU. */
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_OFF);
	/* The other vCPU still goes direct. */
	assert_int_equal(xl_engine_before_entry(e, 1), 0);
	assert_int_equal(sidt_state(1, NULL), XL_SIDT_DIRECT);
}

/*
 * No direct mode in a nested guest: leaving it right before the switch
 * to L2 restores every value of the L1 VMCS; while the vCPU runs L2 the
 * engine writes nothing (the VMCS is L2's) and takes no exit, not even
 * an #NP that looks like a host vector's; back in L1, direct again. A
 * vCPU found in L2 with the engine's values still in L1's VMCS: -EBUSY.
 */
static void test_nested_guest_never_direct(void **state)
{
	eli_setup();
	assert_int_equal(xl_engine_nested_enter(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_OFF);
	assert_vmcs_original(0);
	assert_int_equal(ctr().nested_leaves, 1);

	fk->v[0].nested = true;
	fk->v[0].writes = 0;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(fk->v[0].writes, 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_OFF);
	assert_int_equal(np_exit(0, 0xec), XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->nr_reraise, 0);
	assert_int_equal(ctr().nested_entries, 1);

	fk->v[0].nested = false;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);

	fk->v[0].nested = true;
	fk->v[0].writes = 0;
	assert_int_equal(xl_engine_before_entry(e, 0), -EBUSY);
	assert_int_equal(fk->v[0].writes, 0);
}

static int timer_exit(u32 vcpu)
{
	return xl_engine_handle_exit(e, vcpu, EXIT_REASON_PREEMPTION_TIMER);
}

static void test_guard_if_clear(void **state)
{
	enum xl_eli_off off;
	u32 i;

	eli_setup();
	fake_vmcs_set(fk, 0, VMCS_GUEST_RFLAGS, 2);	/* IF = 0 */
	for (i = 0; i + 1 < e->cfg.guard_limit; i++) {
		assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
		assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	}
	assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_GUARD);
	assert_vmcs_original(0);
	assert_int_equal(ctr().guard_fallbacks, 1);
	assert_int_equal(ctr().guard_strikes, e->cfg.guard_limit);
}

static void test_guard_progress_resets(void **state)
{
	int i;

	eli_setup();
	/* IF toggles: a strike never repeats guard_limit times in a row. */
	for (i = 0; i < 40; i++) {
		fake_vmcs_set(fk, 0, VMCS_GUEST_RFLAGS,
			      i % 2 ? 2 : X86_RFLAGS_IF | 2);
		assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	}
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(ctr().guard_fallbacks, 0);
	/* Each expiry re-armed the timer. */
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_PREEMPTION_TIMER_VALUE),
			 e->cfg.timer_value);
}

/*
 * A guest that never EOIs a directly delivered interrupt cannot block its
 * class on the host: the guard's expiry, an exit like any other, EOIs it,
 * and a host vector below it in service (only a guest gate can have put
 * it there) then goes to the host's handler. No strike: IF is set.
 */
static void test_guard_never_eoi(void **state)
{
	eli_setup();
	fk->v[0].isr[1] = XL_BIT(0x41 - 64);
	fk->v[0].isr[0] = XL_BIT(0x22);		/* lower, the host's */
	assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	assert_int_equal(fk->v[0].apic_eois, 1);
	assert_int_equal(fk->v[0].isr[1], 0);
	assert_int_equal(fk->nr_reraise, 1);
	assert_int_equal(fk->reraise[0].b, 0x22);
	assert_int_equal(fk->v[0].isr[0], 0);
	assert_int_equal(ctr().exit_eois, 1);
	assert_int_equal(ctr().host_reclaimed, 1);
	assert_int_equal(ctr().guard_strikes, 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
}

static void test_guest_idt_change_rebuilds(void **state)
{
	enum xl_eli_off off;

	eli_setup();
	xl_idt_gate_set_offset(guest_gate(0x30), 0xffffffff82000000ULL);
	assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	assert_int_equal(xl_idt_gate_offset(shadow_gate(0x41)),
			 0xffffffff82000000ULL);
	assert_int_equal(ctr().idt_rebuilds, 1);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	/* The handler of the mapped vector disappears: ELI off. */
	guest_gate(0x30)->f.present = 0;
	assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_IDT);
	assert_vmcs_original(0);
}

/*
 * KVM rewrites VMCS fields of a vCPU in direct mode behind the engine:
 * KVM_SET_SREGS puts the guest's own IDTR back. Caught at the next entry
 * before the guest runs: direct mode is undone with KVM's value kept, then
 * entered again from there (the same IDT, so the same shadow).
 */
static void test_set_sregs_rewrite_caught(void **state)
{
	eli_setup();
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_BASE, IDT_GVA);
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_LIMIT, 0xfff);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(ctr().vmcs_rewrites, 1);
	assert_int_equal(ctr().direct_switches, 2);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_BASE),
			 SHADOW_GVA);
	assert_false(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		     PIN_EXT_INTR_EXITING);
	/* Nothing more to catch on the next entry. */
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(ctr().vmcs_rewrites, 1);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_vmcs_original(0);
}

/*
 * INIT: KVM's vCPU reset writes IDTR (base 0, limit 0xffff), its own
 * exception bitmap (no #NP) and leaves IA-32e mode. The host's interrupts
 * exit again before the guest runs; the vCPU waits in injection mode,
 * not for good, and is direct again once back in 64-bit mode on the IDT
 * the shadow was built from.
 */
static void test_init_reset_rewrite_caught(void **state)
{
	enum xl_eli_off off;
	u64 exc = XL_BIT(18) | XL_BIT(6);

	eli_setup();
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_BASE, 0);
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_LIMIT, 0xffff);
	fake_vmcs_set(fk, 0, VMCS_EXCEPTION_BITMAP, exc);
	fake_vmcs_set(fk, 0, VMCS_ENTRY_CTLS, 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(ctr().vmcs_rewrites, 1);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_NONE);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		    PIN_EXT_INTR_EXITING);
	assert_false(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		     PIN_PREEMPTION_TIMER);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_BASE), 0);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_LIMIT), 0xffff);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_EXCEPTION_BITMAP), exc);
	assert_false(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS2) &
		     PROC2_DESC_TABLE_EXITING);
	assert_true(fk->v[0].eoi_intercept);

	/* Protected mode on its own IDT: still no direct mode. */
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_BASE, IDT_GVA);
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_LIMIT, 0xfff);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_OFF);
	/* 64-bit on another IDT: waits, counted. */
	fake_vmcs_set(fk, 0, VMCS_ENTRY_CTLS, ENTRY_IA32E_MODE_GUEST);
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_BASE, IDT_GVA + 0x1000);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_NONE);
	assert_int_equal(ctr().foreign_idt_entries, 1);
	/* Back on the shadow's IDT: direct. */
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_BASE, IDT_GVA);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_EXCEPTION_BITMAP),
			 exc | XL_BIT(XL_VEC_NP));
}

/*
 * KVM's APICv refresh writes the pin-based controls whole from its
 * shadow, external-interrupt exiting on: caught, and direct again with
 * KVM's new value as the one to restore.
 */
static void test_pin_rewrite_caught(void **state)
{
	u64 pin = PIN_EXT_INTR_EXITING | PIN_NMI_EXITING;

	eli_setup();
	fake_vmcs_set(fk, 0, VMCS_PIN_BASED_CTLS, pin);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(ctr().vmcs_rewrites, 1);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS),
			 PIN_NMI_EXITING | PIN_PREEMPTION_TIMER);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS), pin);
}

/*
 * A host vector in service at an exit in direct mode went through a gate
 * the guest made present: the host's handler gets it then, once, and a
 * vector the CPU was delivering (the #NP's own) is not run twice.
 */
static void test_stolen_host_vector_reclaimed(void **state)
{
	eli_setup();
	fk->v[0].isr[3] = XL_BIT(0xec - 192);
	assert_int_equal(xl_engine_handle_exit(e, 0, EXIT_REASON_HLT),
			 XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->nr_reraise, 1);
	assert_int_equal(fk->reraise[0].b, 0xec);
	assert_int_equal(ctr().host_reclaimed, 1);

	/* the #NP path re-raises its own vector; nothing else to take */
	fk->v[0].isr[3] = XL_BIT(0xec - 192);
	assert_int_equal(np_exit(0, 0xec), XL_EXIT_HANDLED);
	assert_int_equal(fk->nr_reraise, 2);
	assert_int_equal(ctr().np_reraised, 1);
	assert_int_equal(ctr().host_reclaimed, 1);

	/* not in direct mode: nothing is read or taken */
	fake_vmcs_set(fk, 0, VMCS_IDT_VECTORING_INFO, 0);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	fk->v[0].isr[0] = XL_BIT(0x22);
	assert_int_equal(xl_engine_handle_exit(e, 0, EXIT_REASON_HLT),
			 XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->nr_reraise, 2);
	assert_int_equal(fk->v[0].apic_eois, 0);
}

/* A gate the guest wrote into the shadow IDT is written back at the guard. */
static void test_shadow_repaired_at_guard(void **state)
{
	union xl_idt_gate good = *shadow_gate(0xec);

	eli_setup();
	good = *shadow_gate(0xec);
	*shadow_gate(0xec) = *guest_gate(0xec);
	assert_int_equal(shadow_gate(0xec)->f.present, 1);
	assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	assert_memory_equal(shadow_gate(0xec), &good, sizeof(good));
	assert_int_equal(ctr().shadow_repairs, 1);
	assert_int_equal(ctr().idt_rebuilds, 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	assert_int_equal(ctr().shadow_repairs, 1);
}

/*
 * The guest turns CR4.UMIP on while in direct mode on a host without
 * UMIP: KVM emulates it with descriptor-table exiting, which it sets
 * through its own controls shadow (the VMCS already has direct mode's
 * bit). Leaving direct mode keeps the exiting on; with UMIP in the host
 * CPU, or the guest's UMIP off, KVM's saved value comes back.
 */
static void test_guest_umip_kept(void **state)
{
	eli_setup();
	fake_vmcs_set(fk, 0, VMCS_CR4_READ_SHADOW, X86_CR4_UMIP);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS2) &
		    PROC2_DESC_TABLE_EXITING);

	fake_vmcs_kvm_defaults(fk, 0, IDT_GVA);
	fk->hw.has_umip = true;
	fake_vmcs_set(fk, 0, VMCS_CR4_READ_SHADOW, X86_CR4_UMIP);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_vmcs_original(0);
}

/*
 * A hold is known to be seen by a vCPU only once one of its entries read
 * it: before that, whatever its state, it may be on its way into direct
 * mode with the old bind.
 */
static void test_bind_hold_seen_at_entry(void **state)
{
	u32 gen;

	eli_setup();
	assert_int_equal(xl_engine_bind(e, XL_BIND_HOLD, 0), 0);
	gen = xl_engine_bind_gen(e);
	assert_false(xl_engine_bind_seen(e, 0, gen));
	assert_false(xl_engine_bind_seen(e, 1, gen));
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_true(xl_engine_bind_seen(e, 0, gen));
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_OFF);
	assert_false(xl_engine_bind_seen(e, 1, gen));
	/* a newer bind is not seen by the older entry */
	assert_int_equal(xl_engine_bind(e, XL_BIND_ANY, 0), 0);
	assert_false(xl_engine_bind_seen(e, 0, xl_engine_bind_gen(e)));
	assert_false(xl_engine_bind_seen(e, 9, gen));
}

/*
 * Two vCPUs at their entries at once (no bind): the shared buffers are
 * one's, the other stays out of direct mode for that entry, and a vCPU in
 * direct mode whose shadow is stale does not enter with it.
 */
static void test_concurrent_build_waits_out(void **state)
{
	enum xl_eli_off off;

	eli_setup();
	/* vCPU 1 arrives while another vCPU holds the buffers */
	e->build_lock = 1;
	__atomic_fetch_add(&e->shadow_gen, 1, __ATOMIC_RELEASE);
	assert_int_equal(xl_engine_before_entry(e, 1), 0);
	assert_int_equal(sidt_state(1, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_NONE);
	/* vCPU 0, direct, stale shadow: injection mode this entry */
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_INJECT);
	assert_true(ctr().build_busy >= 2);
	/* the guard's expiry then only re-arms */
	e->build_lock = 0;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	e->build_lock = 1;
	assert_int_equal(timer_exit(0), XL_EXIT_HANDLED);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	e->build_lock = 0;
	assert_int_equal(xl_engine_before_entry(e, 1), 0);
	assert_int_equal(sidt_state(1, NULL), XL_SIDT_DIRECT);
}

/*
 * The map mid-change (its seqcount odd, the hypervisor writing it): no
 * shadow is built from a torn copy; the vCPU waits, ELI not off for good.
 */
static void test_map_torn_copy_refused(void **state)
{
	enum xl_eli_off off;

	assert_int_equal(xl_engine_own(e, 0x41, true), 0);
	assert_int_equal(xl_engine_assign(e, 5, 0x41, 0x30, 0), 0);
	assert_int_equal(xl_engine_set_shadow_gva(e, SHADOW_GVA), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_ELI, NULL), 0);
	e->map_seq |= 1;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_NONE);
	e->map_seq++;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_memory_equal(shadow_gate(0x41), guest_gate(0x30), 16);
}

/* Setting eli again retries a vCPU that fell back, at its own entry. */
static void test_mode_again_retries_fallen_vcpu(void **state)
{
	enum xl_eli_off off;
	enum xl_why why;
	u32 i;

	eli_setup();
	fake_vmcs_set(fk, 0, VMCS_GUEST_RFLAGS, 2);	/* IF = 0 */
	for (i = 0; i < e->cfg.guard_limit; i++)
		timer_exit(0);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_GUARD);
	fake_vmcs_set(fk, 0, VMCS_GUEST_RFLAGS, X86_RFLAGS_IF | 2);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_BASELINE, &why), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_ELI, &why), 0);
	/* not until the vCPU itself enters */
	assert_int_equal(sidt_state(0, &off), XL_SIDT_OFF);
	assert_int_equal(off, XL_ELI_OFF_GUARD);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, &off), XL_SIDT_DIRECT);
	assert_int_equal(off, XL_ELI_OFF_NONE);
}

static void test_pi_flow(void **state)
{
	struct xl_pi_desc *pi;
	enum xl_why why;
	int r;

	assert_int_equal(xl_engine_own(e, 0x41, true), 0);
	assert_int_equal(xl_engine_own(e, 0x50, true), 0);
	assert_int_equal(xl_engine_assign(e, 5, 0x41, 0x30, 0), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_PI, &why), 0);
	pi = xl_engine_pi_desc(e, 0);
	/* The IRTE points at vCPU 0's descriptor with the guest vector. */
	assert_true(fk->posted[5]);
	assert_int_equal(fk->post[0].b, 0x30);
	assert_int_equal(fk->post[0].c, (u64)(uintptr_t)pi);
	assert_int_equal(ctr().irte_posted, 1);

	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		    PIN_POSTED_INTR);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_POSTED_INTR_NV), 0xf2);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_POSTED_INTR_DESC_ADDR),
			 (u64)(uintptr_t)pi);
	assert_int_equal(xl_pi_ndst(pi), 0x10);		/* x2APIC ID */

	/* Running: post + one notification to its pCPU. */
	r = xl_engine_virtual_irq(e, 0, 0x50);
	assert_int_equal(r, XL_DLV_POSTED);
	assert_int_equal(fake_ipis_to(fk, 1, 0xf2), 1);
	r = xl_engine_virtual_irq(e, 0, 0x41);
	assert_int_equal(r, XL_DLV_POSTED);
	assert_int_equal(fk->nr_ipi, 1);
	assert_int_equal(fk->nr_inj, 0);
	u64 irr[4] = { 0 };

	assert_int_equal(xl_engine_pi_sync(e, 0, irr), 2);
	assert_true(irr[1] & XL_BIT(0x50 - 64));

	/* Preempted: SN set, no IPI; back on another pCPU: NDST moves. */
	fk->v[0].loc.state = XL_VCPU_PREEMPTED;
	assert_int_equal(xl_engine_vcpu_sched(e, 0, XL_SCHED_PREEMPT), 0);
	assert_true(xl_pi_test_sn(pi));
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x50), XL_DLV_POSTED);
	assert_int_equal(fk->nr_ipi, 1);
	assert_false(xl_pi_test_on(pi));
	fk->v[0].loc = (struct xl_vcpu_loc){ XL_VCPU_RUNNING, 3, 0x33 };
	assert_int_equal(xl_engine_vcpu_sched(e, 0, XL_SCHED_IN), 0);
	assert_false(xl_pi_test_sn(pi));
	assert_int_equal(xl_pi_ndst(pi), 0x33);
	assert_true(xl_pi_test_on(pi));
	/* The entry sends the pending notification to the new pCPU. */
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(fake_ipis_to(fk, 3, 0xf2), 1);

	/* Blocked: wakeup vector, a post wakes it. */
	xl_pi_sync_irr(pi, irr);
	fk->v[0].loc.state = XL_VCPU_BLOCKED;
	assert_int_equal(xl_engine_vcpu_sched(e, 0, XL_SCHED_BLOCK), 0);
	assert_int_equal(xl_pi_nv(pi), 0xf1);
	assert_int_equal(fk->wakes[0], 0);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x50),
			 XL_DLV_POSTED_WAKE);
	assert_int_equal(fk->wakes[0], 1);
	/* A device post (IOMMU sets ON) is found by the wakeup handler. */
	xl_pi_sync_irr(pi, irr);
	assert_int_equal(xl_pi_post(pi, 0x30), XL_PI_NOTIFY);
	assert_int_equal(xl_engine_pi_wakeup(e), 1);
	assert_int_equal(fk->wakes[0], 2);
	assert_int_equal(ctr().wakeups, 2);

	/* Back to baseline: IRTE unposted, VMCS restored. */
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_BASELINE, &why), 0);
	assert_false(fk->posted[5]);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_vmcs_original(0);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_POSTED_INTR_NV), 0);
	assert_int_equal(xl_engine_teardown(e), 0);
}

static void test_pi_irte_failure_leaves_mode(void **state)
{
	enum xl_why why;

	assert_int_equal(xl_engine_own(e, 0x41, true), 0);
	assert_int_equal(xl_engine_own(e, 0x42, true), 0);
	assert_int_equal(xl_engine_assign(e, 5, 0x41, 0x30, 0), 0);
	assert_int_equal(xl_engine_assign(e, 6, 0x42, 0x31, 1), 0);
	fk->fail_irq_post = true;
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_PI, &why), -EIO);
	assert_int_equal(why, XL_WHY_IRTE);
	assert_false(fk->posted[5] || fk->posted[6]);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x41), XL_DLV_NONE);
}

static void test_did_eli_ipi(void **state)
{
	enum xl_why why;
	int i;

	fk->hw.has_posted_intr = false;		/* e.g. Bochs 2.7 */
	assert_int_equal(xl_engine_own(e, 0x61, true), 0);
	assert_int_equal(xl_engine_set_shadow_gva(e, SHADOW_GVA), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_DID, &why), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	/* The virtual vector is mapped to itself in the shadow IDT. */
	assert_memory_equal(shadow_gate(0x61), guest_gate(0x61), 16);

	for (i = 0; i < 100; i++)
		assert_int_equal(xl_engine_virtual_irq(e, 0, 0x61),
				 XL_DLV_DIRECT_IPI);
	assert_int_equal(fake_ipis_to(fk, 1, 0x61), 100);
	assert_int_equal(fk->nr_inj, 0);
	assert_int_equal(ctr().direct_ipis, 100);

	/* Blocked: injected and woken; preempted: injected. */
	fk->v[0].loc.state = XL_VCPU_BLOCKED;
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x61), XL_DLV_INJECTED);
	assert_int_equal(fk->wakes[0], 1);
	fk->v[0].loc.state = XL_VCPU_PREEMPTED;
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x61), XL_DLV_INJECTED);
	assert_int_equal(fake_injections(fk, 0, 0x61), 2);
	assert_int_equal(ctr().fallbacks, 2);
	/* The injections need injection mode at the next entry. */
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_INJECT);
	/* Running but in injection mode: no IPI, inject. */
	fk->v[0].loc.state = XL_VCPU_RUNNING;
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x61), XL_DLV_INJECTED);
	assert_int_equal(fake_ipis_to(fk, 1, 0x61), 100);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);	/* delivered */
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_INJECT);
	assert_int_equal(xl_engine_eoi(e, 0, 0x61), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x61),
			 XL_DLV_DIRECT_IPI);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_vmcs_original(0);
}

/*
 * DID with a host vector of the VM's (kmod: test_dev / host_vec): the IPI
 * carries the host vector, the shadow IDT turns it into the guest's, and
 * a guest vector neither owned nor mapped is refused.
 */
static void test_did_mapped_host_vector(void **state)
{
	enum xl_why why;

	fk->hw.has_posted_intr = false;
	assert_int_equal(xl_engine_own(e, 0xdf, true), 0);
	assert_int_equal(xl_engine_assign(e, 7, 0xdf, 0x51, 0), 0);
	assert_int_equal(xl_engine_set_shadow_gva(e, SHADOW_GVA), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_DID, &why), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x51), XL_DLV_DIRECT_IPI);
	assert_int_equal(fake_ipis_to(fk, 1, 0xdf), 1);
	assert_int_equal(fake_ipis_to(fk, 1, 0x51), 0);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x52), -EPERM);
	/* preempted: injected as the guest vector */
	fk->v[0].loc.state = XL_VCPU_PREEMPTED;
	assert_int_equal(xl_engine_virtual_irq(e, 0, 0x51), XL_DLV_INJECTED);
	assert_int_equal(fake_injections(fk, 0, 0x51), 1);
	assert_int_equal(fake_injections(fk, 0, 0xdf), 0);
	fk->v[0].loc.state = XL_VCPU_RUNNING;
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
}

/* Direct mode only for the bound vCPU, on the bound host CPU. */
static void test_bind_vcpu_and_pcpu(void **state)
{
	eli_setup();
	assert_int_equal(xl_engine_bind(e, 0, 1), 0);
	/* vCPU 0 runs on pCPU 1: stays direct, nothing rewritten */
	fk->v[0].writes = 0;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(fk->v[0].writes, 0);
	/* vCPU 1 is not the bound one: KVM's own VMCS values */
	assert_int_equal(xl_engine_before_entry(e, 1), 0);
	assert_int_equal(sidt_state(1, NULL), XL_SIDT_OFF);
	assert_vmcs_original(1);
	assert_int_equal(ctr().bind_misses, 1);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	/* vCPU 0 migrated to pCPU 2, where its host vector is not its own */
	fk->v[0].loc.pcpu = 2;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_OFF);
	assert_vmcs_original(0);
	assert_int_equal(sidt_state(1, NULL), XL_SIDT_OFF);
	/* back on pCPU 1: direct again */
	fk->v[0].loc.pcpu = 1;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	/* hold: nobody is direct from the next entry on */
	assert_int_equal(xl_engine_bind(e, XL_BIND_HOLD, 0), 0);
	/* still direct until it enters again */
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_OFF);
	assert_int_equal(sidt_state(1, NULL), XL_SIDT_OFF);
	assert_int_equal(ctr().bind_misses, 3);
	/* unbound: any vCPU anywhere */
	assert_int_equal(xl_engine_bind(e, XL_BIND_ANY, 0), 0);
	assert_int_equal(xl_engine_before_entry(e, 1), 0);
	assert_int_equal(sidt_state(1, NULL), XL_SIDT_DIRECT);
	assert_int_equal(xl_engine_bind(e, 2, 1), -EINVAL);	/* no vCPU 2 */
	assert_int_equal(xl_engine_bind(NULL, 0, 1), -EINVAL);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_int_equal(xl_engine_vcpu_release(e, 1), 0);
}

/* Unassign: the gate goes at the next entry, the vector can be disowned. */
static void test_unassign(void **state)
{
	eli_setup();
	assert_int_equal(xl_engine_own(e, 0x41, false), -EBUSY);
	assert_int_equal(xl_engine_unassign(e, 6), -ENOENT);
	assert_int_equal(xl_engine_unassign(e, 5), 0);
	assert_int_equal(xl_engine_unassign(e, 5), -ENOENT);
	/* still live until vCPU 0 enters again */
	assert_memory_equal(shadow_gate(0x41), guest_gate(0x30), 16);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(shadow_gate(0x41)->f.present, 0);
	assert_int_equal(xl_engine_own(e, 0x41, false), 0);
	/* the same IRQ on a new vector and guest vector */
	assert_int_equal(xl_engine_own(e, 0x42, true), 0);
	assert_int_equal(xl_engine_assign(e, 5, 0x42, 0x31, 0), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_memory_equal(shadow_gate(0x42), guest_gate(0x31), 16);
	assert_int_equal(xl_engine_unassign(NULL, 5), -EINVAL);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
}

static void test_did_posted(void **state)
{
	assert_int_equal(xl_engine_own(e, 0x61, true), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_DID, NULL), 0);
	assert_int_equal(xl_engine_before_entry(e, 1), 0);
	assert_int_equal(xl_engine_virtual_irq(e, 1, 0x61), XL_DLV_POSTED);
	assert_int_equal(fake_ipis_to(fk, 2, 0xf2), 1);
	assert_int_equal(sidt_state(1, NULL), XL_SIDT_OFF);
	assert_int_equal(ctr().posts, 1);
	assert_int_equal(ctr().notifications, 1);
}

/*
 * Two senders (virtio backend threads, say) route interrupts to a running
 * vCPU while a third thread plays the CPU: it harvests PIR whenever ON is
 * set. Every call is counted exactly once and nothing stays in PIR.
 */
#define RACE_N	50000
static int race_stop;

static void *race_sender(void *arg)
{
	uintptr_t base = (uintptr_t)arg;
	int i;

	for (i = 0; i < RACE_N; i++)
		if (xl_engine_virtual_irq(e, 0, base + i % 16) != XL_DLV_POSTED)
			abort();
	return NULL;
}

static void *race_cpu(void *arg)
{
	struct xl_pi_desc *pi = xl_engine_pi_desc(e, 0);
	u64 irr[4];

	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE))
		if (xl_pi_test_on(pi))
			xl_pi_sync_irr(pi, irr);
	while (xl_pi_test_on(pi))
		xl_pi_sync_irr(pi, irr);
	return NULL;
}

static void test_concurrent_virtual_irqs(void **state)
{
	pthread_t a, b, c;
	unsigned int v;

	for (v = 0x40; v < 0x60; v++)
		assert_int_equal(xl_engine_own(e, v, true), 0);
	assert_int_equal(xl_engine_set_mode(e, XL_MODE_PI, NULL), 0);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	race_stop = 0;
	assert_int_equal(pthread_create(&c, NULL, race_cpu, NULL), 0);
	assert_int_equal(pthread_create(&a, NULL, race_sender,
					(void *)(uintptr_t)0x40), 0);
	assert_int_equal(pthread_create(&b, NULL, race_sender,
					(void *)(uintptr_t)0x50), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	pthread_join(c, NULL);
	assert_int_equal(ctr().posts, 2 * RACE_N);
	assert_int_equal(ctr().notifications, fk->ipis_total);
	assert_true(ctr().notifications >= 1);
	assert_true(xl_pi_pir_empty(xl_engine_pi_desc(e, 0)));
}

static void test_teardown_needs_release(void **state)
{
	eli_setup();
	assert_int_equal(xl_engine_teardown(e), -EBUSY);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_vmcs_original(0);
	assert_int_equal(xl_engine_teardown(e), 0);
}

/*
 * The ops table is checked once, at init: a required hook missing, or
 * half of an optional group, is refused there, not found at a call.
 */
static void test_ops_table_checked_at_init(void **state)
{
	struct xl_hw_ops ops = *fk->hw.ops;
	struct xl_hw hw = fk->hw;

	(void)state;
	hw.ops = &ops;
	ops.wake_vcpu = NULL;
	assert_int_equal(xl_engine_init(e, &hw, NULL), -EINVAL);
	ops = *fk->hw.ops;
	ops.irq_unpost = NULL;
	assert_int_equal(xl_engine_init(e, &hw, NULL), -EINVAL);
	ops.irq_post = NULL;
	assert_int_equal(xl_engine_init(e, &hw, NULL), 0);
	ops = *fk->hw.ops;
	ops.apic_eoi = NULL;
	assert_int_equal(xl_engine_init(e, &hw, NULL), -EINVAL);
	ops = *fk->hw.ops;
	ops.skip_insn = NULL;
	assert_int_equal(xl_engine_init(e, &hw, NULL), -EINVAL);
	ops.guest_reg = ops.guest_reg_set = NULL;
	ops.guest_store = NULL;
	assert_int_equal(xl_engine_init(e, &hw, NULL), 0);
	/* the optional singles may be absent */
	ops = *fk->hw.ops;
	ops.shadow_mapped = NULL;
	ops.cr3_load = NULL;
	ops.vcpu_nested = NULL;
	ops.msr_write_intercept = NULL;
	assert_int_equal(xl_engine_init(e, &hw, NULL), 0);
	assert_int_equal(xl_engine_init(e, &fk->hw, NULL), 0);
}

static void test_bad_input(void **state)
{
	struct xl_engine_counters c;
	enum xl_sidt_state s;
	enum xl_eli_off o;
	u64 irr[4];
	char buf[128] __attribute__((aligned(64)));
	struct xl_hw bad = fk->hw;

	assert_int_equal(xl_engine_init(NULL, &fk->hw, NULL), -EINVAL);
	assert_int_equal(xl_engine_init(e, NULL, NULL), -EINVAL);
	bad.nr_vcpus = XL_ENGINE_MAX_VCPUS + 1;
	assert_int_equal(xl_engine_init(e, &bad, NULL), -EINVAL);
	bad.nr_vcpus = 0;
	assert_int_equal(xl_engine_init(e, &bad, NULL), -EINVAL);
	struct xl_engine_cfg cfg = { .notify_vector = 0xf0,
				     .wakeup_vector = 0xf0 };

	assert_int_equal(xl_engine_init(e, &fk->hw, &cfg), -EINVAL);
	assert_int_equal(xl_engine_init((struct xl_engine *)((char *)e + 8),
					&fk->hw, NULL), -EINVAL);
	cfg.wakeup_vector = 7;
	assert_int_equal(xl_engine_init(e, &fk->hw, &cfg), -EINVAL);
	assert_int_equal(xl_engine_init(e, &fk->hw, NULL), 0);

	assert_int_equal(xl_engine_teardown(NULL), -EINVAL);
	assert_int_equal(xl_engine_own(NULL, 0x41, true), -EINVAL);
	assert_int_equal(xl_engine_own(e, 0x10, true), -EINVAL);
	assert_int_equal(xl_engine_own(e, 256, true), -EINVAL);
	assert_int_equal(xl_engine_set_shadow_gva(e, 0), -EINVAL);
	assert_int_equal(xl_engine_set_shadow_gva(e, SHADOW_GVA + 8), -EINVAL);
	assert_int_equal(xl_engine_set_shadow_gva(NULL, SHADOW_GVA), -EINVAL);
	xl_engine_own(e, 0x41, true);
	assert_int_equal(xl_engine_assign(e, 1, 0x41, 0x30, 2), -EINVAL);
	assert_int_equal(xl_engine_assign(e, 1, 0x41, 0x05, 0), -EINVAL);
	assert_int_equal(xl_engine_assign(e, 1, 300, 0x30, 0), -EINVAL);
	assert_int_equal(xl_engine_assign(NULL, 1, 0x41, 0x30, 0), -EINVAL);
	assert_int_equal(xl_engine_assign(e, 1, 0x41, 0x30, 0), 0);
	assert_int_equal(xl_engine_assign(e, 1, 0x41, 0x30, 0), -EBUSY);
	assert_int_equal(xl_engine_set_pi_desc(e, 0,
				(struct xl_pi_desc *)(buf + 16)), -EINVAL);
	assert_int_equal(xl_engine_set_pi_desc(e, 5, NULL), -EINVAL);
	assert_int_equal(xl_engine_set_pi_desc(e, 0,
				(struct xl_pi_desc *)buf), 0);
	assert_ptr_equal(xl_engine_pi_desc(e, 0), buf);
	assert_int_equal(xl_engine_set_pi_desc(e, 0, NULL), 0);
	assert_null(xl_engine_pi_desc(e, 2));
	assert_null(xl_engine_pi_desc(NULL, 0));
	assert_int_equal(xl_engine_set_mode(NULL, XL_MODE_ELI, NULL), -EINVAL);

	assert_int_equal(xl_engine_before_entry(e, 2), -EINVAL);
	assert_int_equal(xl_engine_before_entry(NULL, 0), -EINVAL);
	assert_int_equal(xl_engine_handle_exit(e, 2, 0), -EINVAL);
	assert_int_equal(xl_engine_handle_exit(NULL, 0, 0), -EINVAL);
	assert_int_equal(xl_engine_eoi(e, 0, 3), -EINVAL);
	assert_int_equal(xl_engine_eoi(e, 9, 0x41), -EINVAL);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 31), -EINVAL);
	assert_int_equal(xl_engine_virtual_irq(e, 0, 256), -EINVAL);
	assert_int_equal(xl_engine_virtual_irq(e, 7, 0x41), -EINVAL);
	assert_int_equal(xl_engine_virtual_irq(NULL, 0, 0x41), -EINVAL);
	assert_int_equal(xl_engine_vcpu_sched(e, 0, (enum xl_sched_event)9),
			 -EINVAL);
	assert_int_equal(xl_engine_vcpu_sched(e, 3, XL_SCHED_IN), -EINVAL);
	assert_int_equal(xl_engine_vcpu_release(e, 3), -EINVAL);
	assert_int_equal(xl_engine_pi_wakeup(NULL), -EINVAL);
	assert_int_equal(xl_engine_pi_sync(e, 0, NULL), -EINVAL);
	assert_int_equal(xl_engine_pi_sync(e, 4, irr), -EINVAL);
	assert_int_equal(xl_engine_counters(NULL, &c), -EINVAL);
	assert_int_equal(xl_engine_counters(e, NULL), -EINVAL);
	assert_int_equal(xl_engine_vcpu_state(e, 0, NULL, &o), -EINVAL);
	assert_int_equal(xl_engine_vcpu_state(e, 2, &s, &o), -EINVAL);
	assert_int_equal(xl_mode_parse(NULL), -EINVAL);
	assert_int_equal(xl_mode_parse("elk"), -EINVAL);
	assert_int_equal(xl_mode_parse("did"), XL_MODE_DID);
	assert_string_equal(xl_mode_name(XL_MODE_PI), "pi");
	assert_string_equal(xl_mode_name((enum xl_mode)77), "invalid");
	/* Nothing reached the machine. */
	assert_int_equal(fk->nr_ipi + fk->nr_inj + fk->nr_reraise, 0);
	assert_int_equal(fk->v[0].writes + fk->v[1].writes, 0);
}

/*
 * The guest's page tables map the shadow IDT's address elsewhere: the
 * vCPU leaves direct mode at that entry, keeps out while it lasts, and is
 * direct again once the address is the shadow's.
 */
static void test_shadow_unmapped(void **state)
{
	(void)state;
	eli_setup();
	fk->v[0].unmapped = true;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_not_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		    PIN_EXT_INTR_EXITING);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_not_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_int_equal(ctr().shadow_unmapped, 2);
	fk->v[0].unmapped = false;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
}

/* A control-register access exits in direct mode: qualification @qual. */
static int cr_exit(u32 vcpu, u64 qual)
{
	fake_vmcs_set(fk, vcpu, VMCS_EXIT_QUALIFICATION, qual);
	return xl_engine_handle_exit(e, vcpu, EXIT_REASON_CR_ACCESS);
}

/*
 * Direct mode makes every MOV to CR3 exit (the guest's new tables are
 * walked before the shadow IDT is used with them), has the hypervisor
 * load it, and gives the control back as it was on leaving; other
 * control-register exits stay the hypervisor's.
 */
static void test_cr3_loads_exit_in_direct_mode(void **state)
{
	(void)state;
	eli_setup();
	assert_true(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) &
		    PROC_CR3_LOAD_EXITING);
	/* mov %rbx, %cr3 (Table 28-3: CR 3, MOV to CR, GPR 3) */
	assert_int_equal(cr_exit(0, 0x303), XL_EXIT_HANDLED);
	assert_int_equal(fk->v[0].cr3_loads, 1);
	assert_int_equal(fk->v[0].cr3_gpr, 3);
	assert_int_equal(ctr().cr3_loads, 1);
	/* mov %cr3, %rax (MOV from CR), mov %rax, %cr0, CLTS: not ours */
	assert_int_equal(cr_exit(0, 0x013), XL_EXIT_NOT_HANDLED);
	assert_int_equal(cr_exit(0, 0x000), XL_EXIT_NOT_HANDLED);
	assert_int_equal(cr_exit(0, 0x020), XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->v[0].cr3_loads, 1);
	/* the hypervisor drops the bit (its controls shadow): undone */
	fake_vmcs_set(fk, 0, VMCS_PROC_BASED_CTLS,
		      fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) &
		      ~PROC_CR3_LOAD_EXITING);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(ctr().vmcs_rewrites, 1);
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) &
		    PROC_CR3_LOAD_EXITING);
	/* leaving direct mode gives KVM's controls back */
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_false(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) &
		     PROC_CR3_LOAD_EXITING);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) &
		    PROC_ACTIVATE_SECONDARY);
	/* in injection mode or off, a CR3 exit is the hypervisor's */
	assert_int_equal(cr_exit(0, 0x303), XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->v[0].cr3_loads, 1);
}

/*
 * The hypervisor makes CR3 loads exit itself (no unrestricted guest): the
 * exits stay its own and leaving direct mode keeps its bit. CR3-target
 * values would let loads through unseen: no direct mode with any.
 */
static void test_cr3_exits_of_the_hypervisor(void **state)
{
	(void)state;
	fake_vmcs_set(fk, 0, VMCS_PROC_BASED_CTLS,
		      fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) |
		      PROC_CR3_LOAD_EXITING);
	eli_setup();
	assert_int_equal(cr_exit(0, 0x303), XL_EXIT_NOT_HANDLED);
	assert_int_equal(fk->v[0].cr3_loads, 0);
	assert_int_equal(xl_engine_vcpu_release(e, 0), 0);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) &
		    PROC_CR3_LOAD_EXITING);

	fake_vmcs_set(fk, 1, VMCS_CR3_TARGET_COUNT, 1);
	fk->v[1].writes = 0;
	assert_true(xl_engine_before_entry(e, 1) < 0);
	assert_int_not_equal(sidt_state(1, NULL), XL_SIDT_DIRECT);
	assert_int_equal(fk->v[1].writes, 0);
}

/*
 * KVM resets the vCPU (INIT: IDTR 0/0xffff) and the vCPU leaves direct
 * mode at that entry for another reason (here: the shadow's address maps
 * elsewhere): KVM's IDTR stays, not the one saved at the switch.
 */
static void test_leave_keeps_kvm_rewrite(void **state)
{
	(void)state;
	eli_setup();
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_BASE, 0);
	fake_vmcs_set(fk, 0, VMCS_GUEST_IDTR_LIMIT, 0xffff);
	fk->v[0].unmapped = true;
	assert_int_equal(xl_engine_before_entry(e, 0), 0);
	assert_int_not_equal(sidt_state(0, NULL), XL_SIDT_DIRECT);
	assert_true(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_BASE) == 0);
	assert_true(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_LIMIT) == 0xffff);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		    PIN_EXT_INTR_EXITING);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_caps_refused),
		T(test_eli_direct_mode_and_shadow),
		T(test_eli_np_reraise_exactly_once),
		T(test_eli_injection_mode_until_eoi),
		T(test_direct_vector_eoied_at_exit),
		T(test_unowned_vector_refused),
		T(test_eli_lidt_disables),
		T(test_desc_stores_emulated),
		T(test_desc_store_faults_and_umip),
		T(test_nested_guest_never_direct),
		T(test_guard_if_clear),
		T(test_guard_progress_resets),
		T(test_guard_never_eoi),
		T(test_guest_idt_change_rebuilds),
		T(test_set_sregs_rewrite_caught),
		T(test_init_reset_rewrite_caught),
		T(test_pin_rewrite_caught),
		T(test_stolen_host_vector_reclaimed),
		T(test_shadow_repaired_at_guard),
		T(test_guest_umip_kept),
		T(test_bind_hold_seen_at_entry),
		T(test_shadow_unmapped),
		T(test_ops_table_checked_at_init),
		T(test_cr3_loads_exit_in_direct_mode),
		T(test_cr3_exits_of_the_hypervisor),
		T(test_leave_keeps_kvm_rewrite),
		T(test_concurrent_build_waits_out),
		T(test_map_torn_copy_refused),
		T(test_mode_again_retries_fallen_vcpu),
		T(test_pi_flow),
		T(test_pi_irte_failure_leaves_mode),
		T(test_did_eli_ipi),
		T(test_did_mapped_host_vector),
		T(test_bind_vcpu_and_pcpu),
		T(test_unassign),
		T(test_did_posted),
		T(test_concurrent_virtual_irqs),
		T(test_teardown_needs_release),
		T(test_bad_input),
	};

	return cmocka_run_group_tests_name("mech_engine", tests, NULL, NULL);
}
