// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-VM guest kernel: builds and loads its IDT, enables the local APIC
 * (x2APIC when CPUID has it, else xAPIC), programs one IOAPIC pin when the
 * host asks, reports ready by hypercall, then obeys the command word in the
 * shared page: halt between interrupts at CPL 0, or compute at CPL 3.
 *
 * Freestanding: no libc, no SSE (-mgeneral-regs-only), no red zone.
 */
#include <stdint.h>

#include "proto.h"
#include "hw/apic.h"
#include "hw/idt_gate.h"

#define MV_SH ((volatile struct xl_mv_shared *)(uintptr_t)XL_MV_SHARED_GPA)

/*
 * IOAPIC, Intel 82093AA datasheet 3.1 (IOREGSEL/IOWIN at base and base+0x10)
 * and 3.2.4 (redirection table: entry N at registers 0x10+2N, 0x11+2N;
 * low word vector 7:0, delivery 10:8, dest mode 11, polarity 13, trigger 15,
 * mask 16; high word destination 63:56).
 */
#define IOAPIC_BASE		0xfec00000u
#define IOAPIC_IOWIN		0x10
#define IOAPIC_REDTBL(pin)	(0x10 + 2 * (pin))

#define CPUID1_ECX_X2APIC	(1u << 21)	/* SDM vol. 2A, CPUID leaf 1 */

extern const uint64_t xl_mv_stubs[256];
extern uint64_t xl_mv_gdt[XL_MV_GDT_ENTRIES];
extern uint8_t xl_mv_tss[0x68];
extern uint8_t xl_mv_kstack_top[], xl_mv_ustack_top[];
void xl_mv_enter_user(void (*fn)(void), uint64_t rsp)
	__attribute__((noreturn));
void xl_mv_main(void) __attribute__((noreturn));
void xl_mv_kernel_loop(void) __attribute__((noreturn));
void xl_mv_halt_until_cmd(void);
void xl_mv_exception(const uint64_t *frame) __attribute__((noreturn));

static union xl_idt_gate idt[256] __attribute__((aligned(16)));

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void mmio_write32(uint32_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline uint32_t mmio_read32(uint32_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

static void hypercall(uint32_t op, uint64_t arg)
{
	MV_SH->hc_arg = arg;
	asm volatile("outl %0, %w1" : : "a"(op), "Nd"(XL_MV_PORT_HC)
		     : "memory");
}

static uint32_t cpuid1_ecx(void)
{
	uint32_t a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c;
}

static void set_gate(unsigned int vec, unsigned int dpl)
{
	union xl_idt_gate *g = &idt[vec];

	g->raw[0] = 0;
	g->raw[1] = 0;
	xl_idt_gate_set_offset(g, xl_mv_stubs[vec]);
	g->f.selector = XL_MV_SEL_KCODE;
	g->f.type = IDT_GATE_TYPE_INTERRUPT;
	g->f.dpl = dpl;
	g->f.present = 1;
}

/* SDM 7.7, Figure 7-11: 64-bit TSS; RSP0 at offset 4, I/O map base 0x66. */
static void tss_init(void)
{
	uint64_t rsp0 = (uint64_t)(uintptr_t)xl_mv_kstack_top;
	uint64_t base = (uint64_t)(uintptr_t)xl_mv_tss;
	uint64_t limit = sizeof(xl_mv_tss) - 1;
	volatile uint8_t *t = xl_mv_tss;
	int i;

	for (i = 0; i < 8; i++)
		t[4 + i] = rsp0 >> (8 * i);
	t[0x66] = sizeof(xl_mv_tss);	/* no I/O bitmap */
	/* SDM 7.2.3, Figure 7-4: type 0xB (busy, TR is already loaded). */
	xl_mv_gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 |
		       0x8bull << 40 | ((limit >> 16) & 0xf) << 48 |
		       ((base >> 24) & 0xff) << 56;
	xl_mv_gdt[6] = base >> 32;
}

static void tables_load(void)
{
	struct desc_ptr gdtr = {
		.limit = sizeof(uint64_t) * XL_MV_GDT_ENTRIES - 1,
		.base = (uint64_t)(uintptr_t)xl_mv_gdt,
	};
	struct desc_ptr idtr = {
		.limit = sizeof(idt) - 1,
		.base = (uint64_t)(uintptr_t)idt,
	};
	unsigned int v;

	for (v = 0; v < 256; v++)
		set_gate(v, 0);
	tss_init();
	asm volatile("lgdt %0" : : "m"(gdtr));
	asm volatile("lidt %0" : : "m"(idtr));
}

static void apic_init(void)
{
	volatile struct xl_mv_shared *sh = MV_SH;
	uint32_t want = sh->cfg_apic;
	uint64_t base = rdmsr(MSR_IA32_APICBASE);

	sh->x2apic_cpuid = !!(cpuid1_ecx() & CPUID1_ECX_X2APIC);
	if (want == XL_MV_APIC_AUTO)
		want = sh->x2apic_cpuid ? XL_MV_APIC_X2APIC : XL_MV_APIC_XAPIC;
	if (want == XL_MV_APIC_X2APIC && !sh->x2apic_cpuid)
		want = XL_MV_APIC_XAPIC;	/* the fallback the host sees */

	if (want == XL_MV_APIC_X2APIC) {
		/* SDM 11.12.1: EN and EXTD together enter x2APIC mode. */
		wrmsr(MSR_IA32_APICBASE,
		      base | APICBASE_ENABLE | APICBASE_X2APIC);
		wrmsr(X2APIC_MSR(APIC_SVR), APIC_SVR_ENABLE |
		      XL_MV_VEC_SPURIOUS);
		wrmsr(X2APIC_MSR(APIC_TPR), 0);
		sh->apic_id = rdmsr(X2APIC_MSR(APIC_ID));
	} else {
		if (!(base & APICBASE_ENABLE))
			wrmsr(MSR_IA32_APICBASE, base | APICBASE_ENABLE);
		mmio_write32(APIC_DEFAULT_BASE + APIC_SVR, APIC_SVR_ENABLE |
			     XL_MV_VEC_SPURIOUS);
		mmio_write32(APIC_DEFAULT_BASE + APIC_TPR, 0);
		sh->apic_id = mmio_read32(APIC_DEFAULT_BASE + APIC_ID) >> 24;
	}
	sh->apic_mode = want;
}

static void ioapic_route(uint32_t pin, uint32_t vector, uint32_t dest)
{
	/* high word first so the entry never points at a stale CPU */
	mmio_write32(IOAPIC_BASE, IOAPIC_REDTBL(pin) + 1);
	mmio_write32(IOAPIC_BASE + IOAPIC_IOWIN, dest << 24);
	/* fixed, physical, active high, edge, unmasked */
	mmio_write32(IOAPIC_BASE, IOAPIC_REDTBL(pin));
	mmio_write32(IOAPIC_BASE + IOAPIC_IOWIN, vector);
}

/* CPL 3: runs natively even where CPL 0 is emulated. */
static void __attribute__((noreturn)) compute_loop(void)
{
	volatile struct xl_mv_shared *sh = MV_SH;

	/*
	 * Busy, interruptible, visibly alive. The doorbell handler takes us
	 * back to the kernel loop once the host posts a new command.
	 */
	for (;;)
		sh->heartbeat++;
}

void xl_mv_kernel_loop(void)
{
	volatile struct xl_mv_shared *sh = MV_SH;

	for (;;) {
		uint32_t seq = sh->cmd_seq;

		if (seq != sh->ack_seq) {
			sh->state = sh->cmd;
			sh->ack_seq = seq;
		}
		switch (sh->state) {
		case XL_MV_CMD_COMPUTE:
			xl_mv_enter_user(compute_loop,
					 (uint64_t)(uintptr_t)xl_mv_ustack_top);
		case XL_MV_CMD_HANG:
			for (;;)
				asm volatile("cli; hlt");
		default:
			xl_mv_halt_until_cmd();
			break;
		}
	}
}

void xl_mv_exception(const uint64_t *frame)
{
	volatile struct xl_mv_shared *sh = MV_SH;
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	sh->exc_vector = frame[0];
	sh->exc_error = frame[1];
	sh->exc_rip = frame[2];
	sh->exc_cr2 = cr2;
	sh->status = XL_MV_ST_FAULT;
	hypercall(XL_MV_HC_FAULT, frame[0]);
	for (;;)
		asm volatile("cli; hlt");
}

void xl_mv_main(void)
{
	volatile struct xl_mv_shared *sh = MV_SH;

	if (sh->magic != XL_MV_MAGIC) {
		sh->status = XL_MV_ST_FAULT;
		hypercall(XL_MV_HC_FAULT, ~0ull);
		for (;;)
			asm volatile("cli; hlt");
	}
	tables_load();
	apic_init();
	if (sh->cfg_ioapic_pin != XL_MV_NO_PIN)
		ioapic_route(sh->cfg_ioapic_pin, XL_MV_VEC_IOAPIC,
			     sh->cfg_dest_apic_id);
	sh->state = XL_MV_CMD_HALT;
	sh->status = XL_MV_ST_READY;
	hypercall(XL_MV_HC_READY, sh->apic_mode);
	xl_mv_kernel_loop();
}
