// SPDX-License-Identifier: GPL-2.0
/*
 * shadow-idt/: shadow IDT contents (SDM 6.14.1 gates), #NP error-code
 * decoding (SDM 6.13), and the direct/injection VMCS switch with exact
 * restore (ELI eli_set_inject_mode; notes/anchors.md 1.2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "xl_sidt.h"
#include "hw/vmx.h"
#include "hw/apic.h"
#include "fake_hw.h"

static union xl_idt_gate guest[256], shadow[256];
static struct xl_sidt_map map;

static void make_gate(union xl_idt_gate *g, u64 handler, u8 type, u8 dpl)
{
	memset(g, 0, sizeof(*g));
	xl_idt_gate_set_offset(g, handler);
	g->f.selector = 0x10;
	g->f.type = type;
	g->f.dpl = dpl;
	g->f.present = 1;
}

static int setup(void **state)
{
	unsigned int v;

	for (v = 0; v < 256; v++)
		make_gate(&guest[v], 0xffffffff81000000ULL + v * 0x10,
			  IDT_GATE_TYPE_INTERRUPT, 0);
	guest[14].f.ist = 2;		/* #PF on an IST stack */
	make_gate(&guest[0x80], 0xffffffff81800000ULL, IDT_GATE_TYPE_TRAP, 3);
	return xl_sidt_map_init(&map);
}

/* include/xl_vec.h: the vector sets every part shares. */
static void test_vec_helpers(void **state)
{
	u64 bm[4] = { 0 };

	(void)state;
	assert_int_equal(xl_vec_highest(bm), -1);
	xl_vec_set(bm, 0);
	assert_int_equal(xl_vec_highest(bm), 0);
	xl_vec_set(bm, 63);
	xl_vec_set(bm, 64);
	assert_int_equal(xl_vec_highest(bm), 64);
	xl_vec_set_atomic(bm, 255);
	assert_int_equal(xl_vec_highest(bm), 255);
	assert_true(xl_vec_test(bm, 63));
	assert_false(xl_vec_test(bm, 62));
	/* past 255: no bit anywhere, no write past the set */
	xl_vec_set(bm, 256);
	xl_vec_set_atomic(bm, 300);
	assert_false(xl_vec_test(bm, 256));
	assert_int_equal(bm[0], 1ULL | 1ULL << 63);
	xl_vec_clear(bm, 255);
	assert_int_equal(xl_vec_highest(bm), 64);
	xl_vec_clear_atomic(bm, 64);
	assert_int_equal(xl_vec_highest(bm), 63);
	assert_false(xl_vec_empty_atomic(bm));
	xl_vec_clear(bm, 63);
	xl_vec_clear(bm, 0);
	assert_true(xl_vec_empty_atomic(bm));
}

static void test_map(void **state)
{
	assert_int_equal(xl_sidt_map_add(&map, 0x41, 0x30), 0);
	assert_int_equal(xl_sidt_map_lookup(&map, 0x41), 0x30);
	assert_int_equal(xl_sidt_map_lookup(&map, 0x42), -ENOENT);
	/* Same host vector to another guest vector: conflict. */
	assert_int_equal(xl_sidt_map_add(&map, 0x41, 0x31), -EBUSY);
	assert_int_equal(xl_sidt_map_add(&map, 0x41, 0x30), 0);
	/* 0x80 is kept for int $0x80, it cannot carry a device. */
	assert_int_equal(xl_sidt_map_add(&map, 0x80, 0x30), -EBUSY);
	assert_int_equal(xl_sidt_map_add(&map, 0x1f, 0x30), -EINVAL);
	assert_int_equal(xl_sidt_map_add(&map, 0x41, 0x10), -EINVAL);
	assert_int_equal(xl_sidt_map_add(&map, 256, 0x30), -EINVAL);
	assert_int_equal(xl_sidt_map_add(NULL, 0x41, 0x30), -EINVAL);
	assert_int_equal(xl_sidt_map_del(&map, 0x41), 0);
	assert_int_equal(xl_sidt_map_del(&map, 0x41), -ENOENT);
	assert_int_equal(xl_sidt_map_lookup(NULL, 0x41), -EINVAL);
	assert_int_equal(xl_sidt_map_init(NULL), -EINVAL);
}

/* DID sends the host vector whose gate delivers the guest vector. */
static void test_map_reverse(void **state)
{
	assert_int_equal(xl_sidt_map_rlookup(&map, 0x51), -ENOENT);
	assert_int_equal(xl_sidt_map_add(&map, 0xdf, 0x51), 0);
	assert_int_equal(xl_sidt_map_rlookup(&map, 0x51), 0xdf);
	/* an identity gate of the same guest vector wins: no host vector */
	assert_int_equal(xl_sidt_map_add(&map, 0x51, 0x51), 0);
	assert_int_equal(xl_sidt_map_rlookup(&map, 0x51), 0x51);
	assert_int_equal(xl_sidt_map_del(&map, 0x51), 0);
	assert_int_equal(xl_sidt_map_rlookup(&map, 0x51), 0xdf);
	assert_int_equal(xl_sidt_map_del(&map, 0xdf), 0);
	assert_int_equal(xl_sidt_map_rlookup(&map, 0x51), -ENOENT);
	assert_int_equal(xl_sidt_map_rlookup(&map, 256), -EINVAL);
	assert_int_equal(xl_sidt_map_rlookup(NULL, 0x51), -EINVAL);
}

static void test_build_contents(void **state)
{
	unsigned int v;

	assert_int_equal(xl_sidt_map_add(&map, 0x41, 0x30), 0);
	assert_int_equal(xl_sidt_map_add(&map, 0xe0, 0x31), 0);
	assert_int_equal(xl_sidt_build(guest, 0xfff, &map, shadow), 0);

	/* Exceptions copied byte for byte, IST included. */
	for (v = 0; v < 32; v++)
		assert_memory_equal(&shadow[v], &guest[v], 16);
	assert_int_equal(shadow[14].f.ist, 2);
	/* The remapped gates run the guest's handler of the guest vector. */
	assert_memory_equal(&shadow[0x41], &guest[0x30], 16);
	assert_memory_equal(&shadow[0xe0], &guest[0x31], 16);
	assert_int_equal(xl_idt_gate_offset(&shadow[0x41]),
			 0xffffffff81000000ULL + 0x30 * 0x10);
	/* The kept software-interrupt gate. */
	assert_memory_equal(&shadow[0x80], &guest[0x80], 16);
	/* Every other external vector is not present. */
	for (v = 32; v < 256; v++) {
		if (v == 0x41 || v == 0xe0 || v == 0x80)
			continue;
		assert_int_equal(shadow[v].f.present, 0);
		/* a valid gate type, so delivery raises #NP, not #GP */
		assert_int_equal(shadow[v].f.type, IDT_GATE_TYPE_INTERRUPT);
	}
	/* The guest vectors themselves are not delivered directly. */
	assert_int_equal(shadow[0x30].f.present, 0);
}

static void test_build_short_guest_idt(void **state)
{
	/* Guest IDT of 64 gates; host vector 0xe0 lies beyond it. */
	assert_int_equal(xl_sidt_map_add(&map, 0xe0, 0x31), 0);
	assert_int_equal(xl_sidt_build(guest, 64 * 16 - 1, &map, shadow), 0);
	assert_int_equal(shadow[0xe0].f.present, 1);
	assert_int_equal(shadow[0x80].f.present, 0);	/* beyond guest limit */
	assert_int_equal(shadow[0x3f].f.present, 0);
	/* A mapped guest vector beyond the guest limit has no handler. */
	assert_int_equal(xl_sidt_map_add(&map, 0x50, 0x70), 0);
	assert_int_equal(xl_sidt_build(guest, 64 * 16 - 1, &map, shadow),
			 -ENOENT);
	/* ... nor does one whose gate is not present. */
	xl_sidt_map_del(&map, 0x50);
	guest[0x31].f.present = 0;
	assert_int_equal(xl_sidt_build(guest, 64 * 16 - 1, &map, shadow),
			 -ENOENT);
}

static void test_build_bad_input(void **state)
{
	assert_int_equal(xl_sidt_build(NULL, 0xfff, &map, shadow), -EINVAL);
	assert_int_equal(xl_sidt_build(guest, 0xfff, NULL, shadow), -EINVAL);
	assert_int_equal(xl_sidt_build(guest, 0xfff, &map, NULL), -EINVAL);
	assert_int_equal(xl_sidt_build(guest, 0x1000, &map, shadow), -EINVAL);
	assert_int_equal(xl_sidt_build(guest, 0x1fff, &map, shadow), -EINVAL);
	assert_int_equal(xl_sidt_build(guest, 0xffffffff, &map, shadow),
			 -EINVAL);
	assert_int_equal(xl_sidt_build(guest, 0x7f0, &map, shadow), -EINVAL);
}

static u64 np_info(void)
{
	return INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
	       INTR_INFO_ERRCODE_VALID | XL_VEC_NP;
}

static u64 errcode(unsigned int vec, bool ext)
{
	return (vec << XL_ERRCODE_INDEX_SHIFT) | XL_ERRCODE_IDT |
	       (ext ? XL_ERRCODE_EXT : 0);
}

static void test_np_decode(void **state)
{
	u64 vinfo = INTR_INFO_VALID | INTR_TYPE_EXT_INTR | 0xec;
	u8 v = 0;

	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(0xec, true),
					   vinfo, &v), 0);
	assert_int_equal(v, 0xec);
	/* IDT-vectoring info absent is fine. */
	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(0x21, true), 0,
					   &v), 0);
	assert_int_equal(v, 0x21);
	/* EXT clear: the guest's own INT n. */
	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(0x81, false), 0,
					   &v), -ENOENT);
	/* IDT clear: a segment selector, not a gate. */
	assert_int_equal(xl_sidt_np_decode(np_info(), (0x21 << 3) | 1, 0, &v),
			 -ENOENT);
	/* Another exception. */
	assert_int_equal(xl_sidt_np_decode(INTR_INFO_VALID |
					   INTR_TYPE_HW_EXCEPTION |
					   INTR_INFO_ERRCODE_VALID | XL_VEC_GP,
					   errcode(0x21, true), 0, &v), -ENOENT);
	assert_int_equal(xl_sidt_np_decode(0, errcode(0x21, true), 0, &v),
			 -ENOENT);
	/* Contradictions and bad input. */
	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(0x21, true),
					   vinfo, &v), -EINVAL);
	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(0xec, true),
					   INTR_INFO_VALID |
					   INTR_TYPE_SOFT_INTR | 0xec, &v),
			 -EINVAL);
	assert_int_equal(xl_sidt_np_decode(np_info() & ~INTR_INFO_ERRCODE_VALID,
					   errcode(0x21, true), 0, &v),
			 -EINVAL);
	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(300, true), 0,
					   &v), -EINVAL);
	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(0x0d, true), 0,
					   &v), -EINVAL);
	assert_int_equal(xl_sidt_np_decode(np_info(), 0x10000 | 3, 0, &v),
			 -EINVAL);
	assert_int_equal(xl_sidt_np_decode(np_info(), errcode(0x21, true), 0,
					   NULL), -EINVAL);
}

static struct fake_hw *fk;

static int setup_hw(void **state)
{
	setup(state);
	fk = calloc(1, sizeof(*fk));
	fake_hw_init(fk, 2);
	fake_vmcs_kvm_defaults(fk, 0, 0xfffffe0000000000ULL);
	fake_vmcs_kvm_defaults(fk, 1, 0xfffffe0000000000ULL);
	return 0;
}

static int teardown_hw(void **state)
{
	free(fk);
	return 0;
}

#define SHADOW_GVA	(FAKE_MEM_BASE + 0x2000)

static void test_read_write_guest(void **state)
{
	memcpy(fake_mem(fk, FAKE_MEM_BASE), guest, sizeof(guest));
	memset(shadow, 0xaa, sizeof(shadow));
	assert_int_equal(xl_sidt_read_guest(&fk->hw, 0, FAKE_MEM_BASE, 0x7ff,
					    shadow), 0);
	assert_memory_equal(shadow, guest, 0x800);
	assert_int_equal(shadow[200].raw[0], 0);	/* beyond limit: zero */
	assert_int_equal(xl_sidt_read_guest(&fk->hw, 0, 0x5000, 0xfff, shadow),
			 -EFAULT);
	assert_int_equal(xl_sidt_read_guest(&fk->hw, 0, FAKE_MEM_BASE, 0x7f0,
					    shadow), -EINVAL);
	assert_int_equal(xl_sidt_read_guest(NULL, 0, FAKE_MEM_BASE, 0xfff,
					    shadow), -EINVAL);
	assert_int_equal(xl_sidt_write(&fk->hw, 0, SHADOW_GVA, guest), 0);
	assert_memory_equal(fake_mem(fk, SHADOW_GVA), guest, 4096);
	assert_int_equal(xl_sidt_write(&fk->hw, 0, 0, guest), -EINVAL);
	assert_int_equal(xl_sidt_write(&fk->hw, 0, 0x10, guest), -EFAULT);
	assert_int_equal(xl_sidt_write(&fk->hw, 0, SHADOW_GVA, NULL), -EINVAL);
}

static const u32 fields[] = {
	VMCS_PIN_BASED_CTLS, VMCS_PROC_BASED_CTLS, VMCS_PROC_BASED_CTLS2,
	VMCS_EXCEPTION_BITMAP, VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT,
	VMCS_PREEMPTION_TIMER_VALUE,
};

static void snapshot(u64 *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		out[i] = fake_vmcs_get(fk, 0, fields[i]);
}

static void test_mode_switch_values(void **state)
{
	struct xl_sidt_vcpu s = { 0 };
	struct xl_sidt_params p = {
		.shadow_gva = SHADOW_GVA, .timer_value = 1234,
		.exitless_eoi = true,
	};
	u64 before[7], after[7];

	snapshot(before);
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, &p), 0);
	assert_int_equal(s.state, XL_SIDT_DIRECT);
	/* The direct-mode column of ELI's table. */
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_BASE),
			 SHADOW_GVA);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_LIMIT), 0xfff);
	assert_false(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		     PIN_EXT_INTR_EXITING);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		    PIN_PREEMPTION_TIMER);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS) &
		    PIN_NMI_EXITING);	/* KVM's other bits untouched */
	assert_true(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS2) &
		    PROC2_DESC_TABLE_EXITING);
	assert_true(fake_vmcs_get(fk, 0, VMCS_EXCEPTION_BITMAP) &
		    XL_BIT(XL_VEC_NP));
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_PREEMPTION_TIMER_VALUE),
			 1234);
	assert_false(fk->v[0].eoi_intercept);
	assert_true(s.eoi_passthrough);

	/* Injection mode: exactly the hypervisor's values again. */
	assert_int_equal(xl_sidt_enter_inject(&fk->hw, 0, &s), 0);
	assert_int_equal(s.state, XL_SIDT_INJECT);
	snapshot(after);
	assert_memory_equal(before, after, sizeof(before));
	assert_true(fk->v[0].eoi_intercept);

	/* The hypervisor changes one of its bits meanwhile: kept. */
	fake_vmcs_set(fk, 0, VMCS_PROC_BASED_CTLS,
		      fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) |
		      PROC_INTR_WINDOW_EXITING);
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, &p), 0);
	fake_vmcs_set(fk, 0, VMCS_EXCEPTION_BITMAP,
		      fake_vmcs_get(fk, 0, VMCS_EXCEPTION_BITMAP) | XL_BIT(6));
	assert_int_equal(xl_sidt_restore(&fk->hw, 0, &s), 0);
	assert_int_equal(s.state, XL_SIDT_OFF);
	assert_false(s.saved_valid);
	assert_true(fake_vmcs_get(fk, 0, VMCS_PROC_BASED_CTLS) &
		    PROC_INTR_WINDOW_EXITING);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_EXCEPTION_BITMAP),
			 before[3] | XL_BIT(6));
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_PIN_BASED_CTLS), before[0]);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_GUEST_IDTR_BASE),
			 before[4]);
	assert_int_equal(fake_vmcs_get(fk, 0, VMCS_PREEMPTION_TIMER_VALUE),
			 before[6]);
	assert_true(fk->v[0].eoi_intercept);
	/* The other vCPU was never touched. */
	assert_int_equal(fk->v[1].writes, 0);
}

static void test_mode_no_exitless_eoi(void **state)
{
	struct xl_sidt_vcpu s = { 0 };
	struct xl_sidt_params p = {
		.shadow_gva = SHADOW_GVA, .timer_value = 10,
		.exitless_eoi = true,
	};

	/* xAPIC host: the EOI MSR stays intercepted. */
	fk->hw.x2apic = false;
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, &p), 0);
	assert_true(fk->v[0].eoi_intercept);
	assert_int_equal(fk->v[0].msr_calls, 0);
	assert_int_equal(xl_sidt_restore(&fk->hw, 0, &s), 0);
	/* APICv virtual-interrupt delivery on: no exitless EOI either. */
	fk->hw.x2apic = true;
	fake_vmcs_set(fk, 0, VMCS_PROC_BASED_CTLS2, PROC2_VIRT_INTR_DELIVERY);
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, &p), 0);
	assert_int_equal(fk->v[0].msr_calls, 0);
	assert_int_equal(xl_sidt_restore(&fk->hw, 0, &s), 0);
}

static void test_mode_write_failure_rolls_back(void **state)
{
	struct xl_sidt_vcpu s = { 0 };
	struct xl_sidt_params p = {
		.shadow_gva = SHADOW_GVA, .timer_value = 10,
	};
	u64 before[7], after[7];

	snapshot(before);
	fk->fail_write_field = VMCS_PIN_BASED_CTLS;	/* the last write */
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, &p), -EIO);
	assert_int_equal(s.state, XL_SIDT_OFF);
	fk->fail_write_field = 0;
	snapshot(after);
	assert_memory_equal(before, after, sizeof(before));
}

static void test_mode_bad_input(void **state)
{
	struct xl_sidt_vcpu s = { 0 };
	struct xl_sidt_params p = { .shadow_gva = SHADOW_GVA,
				    .timer_value = 10 };

	assert_int_equal(xl_sidt_enter_direct(NULL, 0, &s, &p), -EINVAL);
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, NULL, &p), -EINVAL);
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, NULL), -EINVAL);
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 2, &s, &p), -EINVAL);
	p.shadow_gva = 0;
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, &p), -EINVAL);
	p.shadow_gva = SHADOW_GVA;
	p.timer_value = 0;
	assert_int_equal(xl_sidt_enter_direct(&fk->hw, 0, &s, &p), -EINVAL);
	/* Injection mode only from direct mode. */
	assert_int_equal(xl_sidt_enter_inject(&fk->hw, 0, &s), -EINVAL);
	assert_int_equal(xl_sidt_enter_inject(NULL, 0, &s), -EINVAL);
	assert_int_equal(xl_sidt_rearm_timer(&fk->hw, 0, &s, 5), -EINVAL);
	assert_int_equal(xl_sidt_restore(&fk->hw, 9, &s), -EINVAL);
	assert_int_equal(xl_sidt_restore(&fk->hw, 0, NULL), -EINVAL);
	assert_int_equal(fk->v[0].writes, 0);
}

/* Guest-physical memory for the walker: 64 KiB, 8-byte reads. */
static u64 walk_mem[8192];

static int walk_read(void *ctx, u64 gpa, u64 *val)
{
	(void)ctx;
	if (gpa % 8 || gpa >= sizeof(walk_mem))
		return -EFAULT;
	*val = walk_mem[gpa / 8];
	return 0;
}

static void test_walk(void **state)
{
	u64 la = 0xffff888000006000ull;	/* PML4 273, PDPT 0, PD 0, PT 6 */
	struct xl_walk w;

	(void)state;
	memset(walk_mem, 0, sizeof(walk_mem));
	/* PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000 */
	walk_mem[0x1000 / 8 + 273] = 0x2000 | 3;
	walk_mem[0x2000 / 8] = 0x3000 | 3;
	walk_mem[0x3000 / 8] = 0x4000 | 3;
	walk_mem[0x4000 / 8 + 6] = 0x9000 | 3;
	assert_int_equal(xl_sidt_walk(0x1000, la + 0x10, walk_read, NULL, &w),
			 0);
	assert_int_equal(w.levels, 4);
	assert_true(w.gpa == 0x9010);
	assert_true(w.entry_gpa[0] == 0x1000 + 273 * 8);
	assert_true(w.entry_gpa[3] == 0x4000 + 6 * 8);
	/* CR3's low bits (PCID, PWT/PCD) are not part of the address */
	assert_int_equal(xl_sidt_walk(0x1000 | 0x18 | 5, la, walk_read, NULL,
				      &w), 0);
	assert_true(w.gpa == 0x9000);
	/* a 2-MiB page at the PDE: 3 entries, offset within 2 MiB kept */
	walk_mem[0x3000 / 8] = 0x40000000ull | 0x83;
	assert_int_equal(xl_sidt_walk(0x1000, la, walk_read, NULL, &w), 0);
	assert_int_equal(w.levels, 3);
	assert_true(w.gpa == 0x40006000ull);
	/* a 1-GiB page at the PDPTE */
	walk_mem[0x2000 / 8] = 0x80000000ull | 0x83;
	assert_int_equal(xl_sidt_walk(0x1000, la, walk_read, NULL, &w), 0);
	assert_int_equal(w.levels, 2);
	assert_true(w.gpa == 0x80006000ull);
	/* not present: the entries up to it */
	walk_mem[0x2000 / 8] = 0;
	assert_int_equal(xl_sidt_walk(0x1000, la, walk_read, NULL, &w),
			 -ENOENT);
	assert_int_equal(w.levels, 2);
	/* non-canonical, a read that fails, bad arguments */
	assert_int_equal(xl_sidt_walk(0x1000, 0x0000800000000000ull,
				      walk_read, NULL, &w), -EINVAL);
	walk_mem[0x1000 / 8 + 273] = 0x7ff000 | 3;
	assert_int_equal(xl_sidt_walk(0x1000, la, walk_read, NULL, &w),
			 -EFAULT);
	assert_int_equal(xl_sidt_walk(0x1000, la, NULL, NULL, &w), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vec_helpers),
		cmocka_unit_test(test_walk),
		cmocka_unit_test_setup(test_map, setup),
		cmocka_unit_test_setup(test_map_reverse, setup),
		cmocka_unit_test_setup(test_build_contents, setup),
		cmocka_unit_test_setup(test_build_short_guest_idt, setup),
		cmocka_unit_test_setup(test_build_bad_input, setup),
		cmocka_unit_test(test_np_decode),
		cmocka_unit_test_setup_teardown(test_read_write_guest,
						setup_hw, teardown_hw),
		cmocka_unit_test_setup_teardown(test_mode_switch_values,
						setup_hw, teardown_hw),
		cmocka_unit_test_setup_teardown(test_mode_no_exitless_eoi,
						setup_hw, teardown_hw),
		cmocka_unit_test_setup_teardown(
			test_mode_write_failure_rolls_back, setup_hw,
			teardown_hw),
		cmocka_unit_test_setup_teardown(test_mode_bad_input,
						setup_hw, teardown_hw),
	};

	return cmocka_run_group_tests_name("mech_sidt", tests, NULL, NULL);
}
