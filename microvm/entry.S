/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Micro-VM guest: image header, entry, static page tables and GDT, and the
 * 256 interrupt entry stubs. The host enters at _start in 64-bit mode with
 * CR3, GDTR and TR loaded from the header (see proto.h for why).
 *
 * Interrupt handlers stay in assembly on purpose: on a software KVM backend
 * every CPL-0 instruction is emulated (~1 us each), so the path from vector
 * to EOI is kept to about a dozen instructions.
 */
#include "proto.h"

#define SH(off)		(XL_MV_SHARED_GPA + (off))
#define MSR_X2APIC_EOI	0x80b		/* SDM 11.12.1.2, Table 11-6 */
#define XAPIC_EOI	0xfee000b0	/* SDM 11.4.1, Table 11-1 */

	.section .header, "a"
	.globl xl_mv_header
xl_mv_header:
	.long	XL_MV_MAGIC, XL_MV_VERSION
	.quad	_start, xl_mv_pml4, xl_mv_gdt, xl_mv_tss
	.quad	xl_mv_kstack_top, xl_mv_image_end

	.text
	.code64
	.globl _start
_start:
	lea	xl_mv_kstack_top(%rip), %rsp
	call	xl_mv_main
1:	cli
	hlt
	jmp	1b

/*
 * Interrupt entry. Every vector gets a stub that leaves the same frame:
 * error code (or 0), vector number, then the CPU's frame. SDM 6.15 lists
 * the exceptions that push an error code.
 */
	.macro	stub vec
	.p2align 3
xl_mv_stub_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \
	     \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	.if \vec < 32
	jmp	exc_common
	.elseif \vec == XL_MV_VEC_DOORBELL
	jmp	doorbell_common
	.else
	jmp	irq_common
	.endif
	.endm

	.altmacro
	.macro	stub_ref vec
	.quad	xl_mv_stub_\vec
	.endm

	.set	vec, 0
	.rept	256
	stub	%vec
	.set	vec, vec + 1
	.endr

/* Stub addresses, indexed by vector; guest.c builds the IDT from them. */
	.section .rodata
	.p2align 3
	.globl xl_mv_stubs
xl_mv_stubs:
	.set	vec, 0
	.rept	256
	stub_ref %vec
	.set	vec, vec + 1
	.endr
	.noaltmacro

	.text
/*
 * EOI: x2APIC MSR write or xAPIC MMIO store, whichever the guest enabled.
 * Clobbers eax, ecx, edx.
 */
	.macro	eoi
	cmpl	$XL_MV_APIC_X2APIC, SH(XL_MV_SH_APIC_MODE)
	jne	.Lxapic\@
	mov	$MSR_X2APIC_EOI, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	jmp	.Ldone\@
.Lxapic\@:
	mov	$XAPIC_EOI, %ecx		/* above 2 GiB: via a register */
	movl	$0, (%rcx)
.Ldone\@:
	.endm

/* frame offsets after the three pushes of the handlers below */
#define F_VEC	24
#define F_CS	48

/*
 * External interrupt: EOI first, then count, so a host that sees the count
 * move knows the LAPIC is ready for the next one. No EOI for the spurious
 * vector (SDM 11.9).
 */
irq_common:
	push	%rax
	push	%rcx
	push	%rdx
	cmpl	$XL_MV_VEC_SPURIOUS, F_VEC(%rsp)
	je	1f
	eoi
1:	mov	F_VEC(%rsp), %eax
	lock incl SH(XL_MV_SH_COUNT)(,%rax,4)
irq_return:
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp			/* vector, error code */
	iretq

/*
 * Doorbell: the host changed the command word. A halted guest (CPL 0) just
 * returns and its kernel loop reads the command. The CPL-3 compute loop
 * never leaves user mode by itself (software INT from CPL 3 raises #UD on
 * kvm-pvm), so when the doorbell interrupts CPL 3 with a new command
 * pending, drop the user frame and re-enter the kernel loop on a fresh
 * kernel stack, interrupts off (interrupt gate).
 */
doorbell_common:
	push	%rax
	push	%rcx
	push	%rdx
	eoi
	lock incl SH(XL_MV_SH_COUNT + 4 * XL_MV_VEC_DOORBELL)
	testl	$3, F_CS(%rsp)
	jz	irq_return
	mov	SH(XL_MV_SH_CMD_SEQ), %eax
	cmp	SH(XL_MV_SH_ACK_SEQ), %eax
	je	irq_return
	lea	xl_mv_kstack_top(%rip), %rsp
	call	xl_mv_kernel_loop
	jmp	3f

/* Exception: hand the frame to C, which reports it and stops the vCPU. */
exc_common:
	mov	%rsp, %rdi
	and	$-16, %rsp
	call	xl_mv_exception
3:	cli
	hlt
	jmp	3b

/*
 * void xl_mv_halt_until_cmd(void): sleep between interrupts until the host
 * posts a new command. In assembly because on an emulating backend each
 * instruction of this per-wakeup loop costs about a microsecond; STI's
 * one-instruction shadow makes "check, then sleep" race-free.
 */
	.globl xl_mv_halt_until_cmd
xl_mv_halt_until_cmd:
1:	incq	SH(XL_MV_SH_HEARTBEAT)
	sti
	hlt
	cli
	mov	SH(XL_MV_SH_CMD_SEQ), %eax
	cmp	SH(XL_MV_SH_ACK_SEQ), %eax
	je	1b
	ret

/* void xl_mv_enter_user(void (*fn)(void), u64 user_rsp): does not return */
	.globl xl_mv_enter_user
xl_mv_enter_user:
	pushq	$(XL_MV_SEL_UDATA | 3)		/* ss */
	pushq	%rsi				/* rsp */
	pushq	$0x202				/* rflags: IF */
	pushq	$(XL_MV_SEL_UCODE | 3)		/* cs */
	pushq	%rdi				/* rip */
	iretq

/*
 * Page tables: identity map of 0-4 GiB with 2 MiB pages (SDM 4.5, Table
 * 4-17/4-18). User-accessible so the CPL-3 loop can touch the shared page;
 * the top GiB (LAPIC, IOAPIC) is uncached (PCD|PWT).
 */
#define PTE_P	0x001
#define PTE_RW	0x002
#define PTE_US	0x004
#define PTE_PWT	0x008
#define PTE_PCD	0x010
#define PTE_PS	0x080
	.data
	.p2align 12
	.globl xl_mv_pml4
xl_mv_pml4:
	.quad	xl_mv_pdpt + (PTE_P | PTE_RW | PTE_US)
	.fill	511, 8, 0
xl_mv_pdpt:
	.quad	xl_mv_pd + 0x0000 + (PTE_P | PTE_RW | PTE_US)
	.quad	xl_mv_pd + 0x1000 + (PTE_P | PTE_RW | PTE_US)
	.quad	xl_mv_pd + 0x2000 + (PTE_P | PTE_RW | PTE_US)
	.quad	xl_mv_pd + 0x3000 + (PTE_P | PTE_RW | PTE_US)
	.fill	508, 8, 0
xl_mv_pd:
	.set	i, 0
	.rept	2048
	.if i >= 1536
	.quad	(i << 21) + (PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_PWT | PTE_PCD)
	.else
	.quad	(i << 21) + (PTE_P | PTE_RW | PTE_US | PTE_PS)
	.endif
	.set	i, i + 1
	.endr

/*
 * GDT, SDM 3.4.5 and 5.2.1 (L bit for 64-bit code). The TSS descriptor
 * (SDM 7.2.3, Figure 7-4) is filled in by guest.c, which knows the TSS
 * address; the host loads TR from the header, not from this slot.
 */
	.p2align 4
	.globl xl_mv_gdt
xl_mv_gdt:
	.quad	0
	.quad	0x00af9b000000ffff		/* 0x08 kernel code, L=1 */
	.quad	0x00cf93000000ffff		/* 0x10 kernel data */
	.quad	0x00cff3000000ffff		/* 0x18 user data, DPL 3 */
	.quad	0x00affb000000ffff		/* 0x20 user code, L=1, DPL 3 */
	.globl xl_mv_gdt_tss
xl_mv_gdt_tss:
	.quad	0, 0				/* 0x28 TSS */
xl_mv_gdt_end:

	.bss
	.p2align 12
	.globl xl_mv_tss
xl_mv_tss:
	.skip	0x68
	.p2align 12
	.skip	0x4000
	.globl xl_mv_kstack_top
xl_mv_kstack_top:
	.skip	0x4000
	.globl xl_mv_ustack_top
xl_mv_ustack_top:
	.section .note.GNU-stack, "", @progbits
