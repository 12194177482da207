// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "fake_hw.h"
#include "xl_vec.h"
#include "hw/vmx.h"
#include "hw/apic.h"

static int find(struct fake_hw *f, u32 vcpu, u32 field)
{
	int i;

	for (i = 0; i < f->v[vcpu].n; i++)
		if (f->v[vcpu].field[i] == field)
			return i;
	return -1;
}

static int slot(struct fake_hw *f, u32 vcpu, u32 field)
{
	int i = find(f, vcpu, field);

	if (i >= 0)
		return i;
	if (f->v[vcpu].n == FAKE_FIELDS)
		abort();
	i = f->v[vcpu].n++;
	f->v[vcpu].field[i] = field;
	f->v[vcpu].val[i] = 0;
	return i;
}

void fake_vmcs_set(struct fake_hw *f, u32 vcpu, u32 field, u64 val)
{
	f->v[vcpu].val[slot(f, vcpu, field)] = val;
}

u64 fake_vmcs_get(struct fake_hw *f, u32 vcpu, u32 field)
{
	int i = find(f, vcpu, field);

	return i < 0 ? 0 : f->v[vcpu].val[i];
}

static int f_vmcs_read(void *hw, u32 vcpu, u32 field, u64 *val)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus || !val)
		return -EINVAL;
	*val = fake_vmcs_get(f, vcpu, field);
	return 0;
}

static int f_vmcs_write(void *hw, u32 vcpu, u32 field, u64 val)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus)
		return -EINVAL;
	if (f->fail_write_field && f->fail_write_field == field)
		return -EIO;
	fake_vmcs_set(f, vcpu, field, val);
	f->v[vcpu].writes++;
	return 0;
}

static int f_msr_intercept(void *hw, u32 vcpu, u32 msr, bool icpt)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus || msr != MSR_X2APIC_EOI)
		return -EINVAL;
	f->v[vcpu].eoi_intercept = icpt;
	f->v[vcpu].msr_calls++;
	return 0;
}

void *fake_mem(struct fake_hw *f, u64 gva)
{
	return &f->mem[gva - FAKE_MEM_BASE];
}

static int range_ok(u64 gva, size_t len)
{
	return gva >= FAKE_MEM_BASE && len <= FAKE_MEM_SIZE &&
	       gva - FAKE_MEM_BASE <= FAKE_MEM_SIZE - len;
}

static int f_guest_read(void *hw, u32 vcpu, u64 gva, void *buf, size_t len)
{
	struct fake_hw *f = hw;

	if (f->fail_guest_read || !range_ok(gva, len))
		return -EFAULT;
	memcpy(buf, fake_mem(f, gva), len);
	return 0;
}

static int f_guest_write(void *hw, u32 vcpu, u64 gva, const void *buf,
			 size_t len)
{
	struct fake_hw *f = hw;

	if (!range_ok(gva, len))
		return -EFAULT;
	memcpy(fake_mem(f, gva), buf, len);
	return 0;
}

static int f_locate(void *hw, u32 vcpu, struct xl_vcpu_loc *loc)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus)
		return -EINVAL;
	*loc = f->v[vcpu].loc;
	return 0;
}

static int f_send_ipi(void *hw, u32 pcpu, u8 vector)
{
	struct fake_hw *f = hw;
	int i;

	__atomic_fetch_add(&f->ipis_total, 1, __ATOMIC_RELAXED);
	i = __atomic_fetch_add(&f->nr_ipi, 1, __ATOMIC_RELAXED);
	if (i >= FAKE_LOG) {
		__atomic_store_n(&f->nr_ipi, FAKE_LOG, __ATOMIC_RELAXED);
		return 0;	/* log full; ipis_total still counts */
	}
	f->ipi[i] = (struct fake_ev){ pcpu, vector, 0 };
	return 0;
}

static int f_wake(void *hw, u32 vcpu)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus)
		return -EINVAL;
	f->wakes[vcpu]++;
	return 0;
}

static int f_inject(void *hw, u32 vcpu, u8 vector)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus || f->nr_inj == FAKE_LOG)
		return -EINVAL;
	f->inj[f->nr_inj++] = (struct fake_ev){ vcpu, vector, 0 };
	return 0;
}

static int f_reraise(void *hw, u8 vector)
{
	struct fake_hw *f = hw;
	int i;

	if (f->nr_reraise == FAKE_LOG)
		return -ENOSPC;
	f->reraise[f->nr_reraise++] = (struct fake_ev){ 0, vector, 0 };
	/* the host's handler EOIs it where it is in service */
	for (i = 0; i < FAKE_VCPUS; i++)
		xl_vec_clear(f->v[i].isr, vector);
	return 0;
}

static int f_irq_post(void *hw, u32 irq, u64 pa, u8 vector, bool urgent)
{
	struct fake_hw *f = hw;

	if (f->fail_irq_post || irq >= 64)
		return -EIO;
	f->post[f->nr_post++ % 64] = (struct fake_ev){ irq, vector, pa };
	f->posted[irq] = true;
	return 0;
}

static int f_irq_unpost(void *hw, u32 irq)
{
	struct fake_hw *f = hw;

	if (irq >= 64)
		return -EINVAL;
	f->posted[irq] = false;
	f->nr_unpost++;
	return 0;
}

static int f_v2p(void *hw, const void *ptr, u64 *pa)
{
	*pa = (u64)(uintptr_t)ptr;	/* identity: the test sees the pointer */
	return 0;
}

static int f_isr_read(void *hw, u32 vcpu, u64 isr[4])
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus)
		return -EINVAL;
	memcpy(isr, f->v[vcpu].isr, sizeof(f->v[vcpu].isr));
	return 0;
}

/* SDM 11.8.5: EOI clears the highest-priority in-service bit. */
static int f_apic_eoi(void *hw, u32 vcpu)
{
	struct fake_hw *f = hw;
	int top;

	if (vcpu >= f->hw.nr_vcpus)
		return -EINVAL;
	f->v[vcpu].apic_eois++;
	top = xl_vec_highest(f->v[vcpu].isr);
	if (top >= 0)
		xl_vec_clear(f->v[vcpu].isr, top);
	return 0;
}

static bool f_nested(void *hw, u32 vcpu)
{
	struct fake_hw *f = hw;

	return vcpu < f->hw.nr_vcpus && f->v[vcpu].nested;
}

static int f_reg(void *hw, u32 vcpu, u32 reg, u64 *val)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus || reg > 15)
		return -EINVAL;
	*val = f->v[vcpu].gpr[reg];
	return 0;
}

static int f_reg_set(void *hw, u32 vcpu, u32 reg, u64 val)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus || reg > 15)
		return -EINVAL;
	f->v[vcpu].gpr[reg] = val;
	return 0;
}

/* The rights of the CPL in the VMCS's SS: CPL 3 only in [user_lo, user_hi). */
static int f_store(void *hw, u32 vcpu, u64 gva, const void *buf, size_t len)
{
	struct fake_hw *f = hw;
	bool user = SEG_AR_DPL(fake_vmcs_get(f, vcpu, VMCS_GUEST_SS_AR)) == 3;

	if (vcpu >= f->hw.nr_vcpus)
		return -EINVAL;
	if (!range_ok(gva, len) ||
	    (user && (gva < f->user_lo || gva + len > f->user_hi))) {
		f->v[vcpu].faults++;
		return -EFAULT;
	}
	memcpy(fake_mem(f, gva), buf, len);
	return 0;
}

static int f_skip(void *hw, u32 vcpu)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus)
		return -EINVAL;
	f->v[vcpu].skips++;
	return 0;
}

static bool f_shadow_mapped(void *hw, u32 vcpu, u64 gva)
{
	struct fake_hw *f = hw;

	(void)gva;
	return vcpu < f->hw.nr_vcpus && !f->v[vcpu].unmapped;
}

static int f_cr3_load(void *hw, u32 vcpu, u32 gpr)
{
	struct fake_hw *f = hw;

	if (vcpu >= f->hw.nr_vcpus || gpr > 15)
		return -EINVAL;
	f->v[vcpu].cr3_loads++;
	f->v[vcpu].cr3_gpr = gpr;
	return 0;
}

static const struct xl_hw_ops fake_ops = {
	.vmcs_read = f_vmcs_read,
	.vmcs_write = f_vmcs_write,
	.msr_write_intercept = f_msr_intercept,
	.guest_read = f_guest_read,
	.guest_write = f_guest_write,
	.shadow_mapped = f_shadow_mapped,
	.cr3_load = f_cr3_load,
	.vcpu_locate = f_locate,
	.send_ipi = f_send_ipi,
	.wake_vcpu = f_wake,
	.inject = f_inject,
	.host_reraise = f_reraise,
	.irq_post = f_irq_post,
	.irq_unpost = f_irq_unpost,
	.virt_to_phys = f_v2p,
	.apic_isr_read = f_isr_read,
	.apic_eoi = f_apic_eoi,
	.vcpu_nested = f_nested,
	.guest_reg = f_reg,
	.guest_reg_set = f_reg_set,
	.guest_store = f_store,
	.skip_insn = f_skip,
};

void fake_vmcs_kvm_defaults(struct fake_hw *f, u32 vcpu, u64 idt_base)
{
	fake_vmcs_set(f, vcpu, VMCS_PIN_BASED_CTLS,
		      PIN_EXT_INTR_EXITING | PIN_NMI_EXITING |
		      PIN_VIRTUAL_NMIS);
	fake_vmcs_set(f, vcpu, VMCS_PROC_BASED_CTLS,
		      PROC_HLT_EXITING | PROC_USE_MSR_BITMAPS |
		      PROC_ACTIVATE_SECONDARY | PROC_USE_TPR_SHADOW);
	fake_vmcs_set(f, vcpu, VMCS_PROC_BASED_CTLS2, PROC2_EPT);
	fake_vmcs_set(f, vcpu, VMCS_EXCEPTION_BITMAP, XL_BIT(18) | XL_BIT(14));
	fake_vmcs_set(f, vcpu, VMCS_GUEST_IDTR_BASE, idt_base);
	fake_vmcs_set(f, vcpu, VMCS_GUEST_IDTR_LIMIT, 0xfff);
	fake_vmcs_set(f, vcpu, VMCS_ENTRY_CTLS, ENTRY_IA32E_MODE_GUEST);
	fake_vmcs_set(f, vcpu, VMCS_PREEMPTION_TIMER_VALUE, 0);
	fake_vmcs_set(f, vcpu, VMCS_GUEST_RFLAGS, X86_RFLAGS_IF | 2);
	fake_vmcs_set(f, vcpu, VMCS_POSTED_INTR_NV, 0);
	fake_vmcs_set(f, vcpu, VMCS_POSTED_INTR_DESC_ADDR, 0);
	f->v[vcpu].eoi_intercept = true;
	f->v[vcpu].writes = 0;
}

void fake_hw_init(struct fake_hw *f, u32 nr_vcpus)
{
	u32 i;

	memset(f, 0, sizeof(*f));
	f->hw.ops = &fake_ops;
	f->hw.priv = f;
	f->hw.nr_vcpus = nr_vcpus;
	f->hw.x2apic = true;
	f->hw.has_posted_intr = true;
	f->hw.has_vtd_posting = true;
	f->hw.has_preemption_timer = true;
	for (i = 0; i < nr_vcpus; i++) {
		f->v[i].loc.state = XL_VCPU_RUNNING;
		f->v[i].loc.pcpu = i + 1;
		f->v[i].loc.pcpu_apic_id = 0x10 + i;
		f->v[i].eoi_intercept = true;
	}
}

int fake_ipis_to(struct fake_hw *f, u32 pcpu, u8 vector)
{
	int i, n = 0;

	for (i = 0; i < f->nr_ipi; i++)
		n += f->ipi[i].a == pcpu && f->ipi[i].b == vector;
	return n;
}

int fake_injections(struct fake_hw *f, u32 vcpu, u8 vector)
{
	int i, n = 0;

	for (i = 0; i < f->nr_inj; i++)
		n += f->inj[i].a == vcpu && f->inj[i].b == vector;
	return n;
}
