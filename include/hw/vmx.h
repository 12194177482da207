/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX encodings the mechanisms and the model use: VMCS field encodings
 * (Intel SDM vol. 3D Appendix B), VM-execution/exit/entry control bits
 * (SDM 24.6-24.8), basic exit reasons (Appendix C) and the interruption-
 * information format (SDM 24.8.3 entry, 24.9.2 exit, 24.9.3 IDT-vectoring).
 */
#ifndef XL_HW_VMX_H
#define XL_HW_VMX_H

#include "../xl_types.h"

enum xl_vmcs_field {
	/* 16-bit control fields, B.1.1 */
	VMCS_POSTED_INTR_NV		= 0x00000002,
	/* 16-bit guest-state fields, B.1.2 */
	VMCS_GUEST_LDTR_SELECTOR	= 0x0000080c,
	VMCS_GUEST_TR_SELECTOR		= 0x0000080e,
	VMCS_GUEST_INTR_STATUS		= 0x00000810,	/* RVI 7:0, SVI 15:8 */
	/* 64-bit control fields, B.2.1 */
	VMCS_MSR_BITMAP			= 0x00002004,
	VMCS_VIRTUAL_APIC_PAGE_ADDR	= 0x00002012,
	VMCS_POSTED_INTR_DESC_ADDR	= 0x00002016,
	VMCS_EOI_EXIT_BITMAP0		= 0x0000201c,	/* 0..3, stride 2 */
	/* 32-bit control fields, B.3.1 */
	VMCS_PIN_BASED_CTLS		= 0x00004000,
	VMCS_PROC_BASED_CTLS		= 0x00004002,
	VMCS_EXCEPTION_BITMAP		= 0x00004004,
	VMCS_CR3_TARGET_COUNT		= 0x0000400a,
	VMCS_EXIT_CTLS			= 0x0000400c,
	VMCS_ENTRY_CTLS			= 0x00004012,
	VMCS_ENTRY_INTR_INFO		= 0x00004016,
	VMCS_ENTRY_EXCEPTION_ERRCODE	= 0x00004018,
	VMCS_TPR_THRESHOLD		= 0x0000401c,
	VMCS_PROC_BASED_CTLS2		= 0x0000401e,
	/* 32-bit read-only data fields, B.3.2 */
	VMCS_EXIT_REASON		= 0x00004402,
	VMCS_EXIT_INTR_INFO		= 0x00004404,
	VMCS_EXIT_INTR_ERRCODE		= 0x00004406,
	VMCS_IDT_VECTORING_INFO		= 0x00004408,
	VMCS_IDT_VECTORING_ERRCODE	= 0x0000440a,
	VMCS_EXIT_INSN_LEN		= 0x0000440c,
	VMCS_EXIT_INSN_INFO		= 0x0000440e,
	/* 32-bit guest-state fields, B.3.3 */
	VMCS_GUEST_GDTR_LIMIT		= 0x00004810,
	VMCS_GUEST_IDTR_LIMIT		= 0x00004812,
	VMCS_GUEST_CS_AR		= 0x00004816,
	VMCS_GUEST_SS_AR		= 0x00004818,
	VMCS_GUEST_INTERRUPTIBILITY	= 0x00004824,
	VMCS_GUEST_ACTIVITY_STATE	= 0x00004826,
	VMCS_PREEMPTION_TIMER_VALUE	= 0x0000482e,
	/* natural-width control fields, B.4.1 */
	VMCS_CR4_READ_SHADOW		= 0x00006006,
	/* natural-width read-only data, B.4.2 */
	VMCS_EXIT_QUALIFICATION		= 0x00006400,
	/* natural-width guest-state fields, B.4.3 */
	VMCS_GUEST_FS_BASE		= 0x0000680e,
	VMCS_GUEST_GS_BASE		= 0x00006810,
	VMCS_GUEST_GDTR_BASE		= 0x00006816,
	VMCS_GUEST_IDTR_BASE		= 0x00006818,
	VMCS_GUEST_RIP			= 0x0000681e,
	VMCS_GUEST_RFLAGS		= 0x00006820,
};

/* Pin-based VM-execution controls, SDM 24.6.1 (Table 24-5). */
#define PIN_EXT_INTR_EXITING		XL_BIT(0)
#define PIN_NMI_EXITING			XL_BIT(3)
#define PIN_VIRTUAL_NMIS		XL_BIT(5)
#define PIN_PREEMPTION_TIMER		XL_BIT(6)
#define PIN_POSTED_INTR			XL_BIT(7)

/* Primary processor-based controls, SDM 24.6.2 (Table 24-6). */
#define PROC_INTR_WINDOW_EXITING	XL_BIT(2)
#define PROC_HLT_EXITING		XL_BIT(7)
#define PROC_CR3_LOAD_EXITING		XL_BIT(15)
#define PROC_USE_TPR_SHADOW		XL_BIT(21)
#define PROC_NMI_WINDOW_EXITING		XL_BIT(22)
#define PROC_USE_MSR_BITMAPS		XL_BIT(28)
#define PROC_ACTIVATE_SECONDARY		XL_BIT(31)

/* Secondary processor-based controls, SDM 24.6.2 (Table 24-7). */
#define PROC2_VIRT_APIC_ACCESSES	XL_BIT(0)
#define PROC2_EPT			XL_BIT(1)
#define PROC2_DESC_TABLE_EXITING	XL_BIT(2)
#define PROC2_VIRT_X2APIC_MODE		XL_BIT(4)
#define PROC2_APIC_REGISTER_VIRT	XL_BIT(8)
#define PROC2_VIRT_INTR_DELIVERY	XL_BIT(9)

/* VM-exit controls, SDM 24.7.1 (Table 24-13). */
#define EXIT_ACK_INTR_ON_EXIT		XL_BIT(15)
#define EXIT_SAVE_PREEMPTION_TIMER	XL_BIT(22)

/* VM-entry controls, SDM 24.8.1 (Table 24-15). */
#define ENTRY_IA32E_MODE_GUEST		XL_BIT(9)

/*
 * Exit qualification of a control-register access, SDM vol.3 28.2.1
 * (Table 28-3): the register in 3:0, the access type in 5:4 (0 MOV to
 * CR, 1 MOV from CR, 2 CLTS, 3 LMSW), the general-purpose register of a
 * MOV in 11:8 (0 RAX .. 15 R15).
 */
#define CR_QUAL_CR(q)			((q) & 0xf)
#define CR_QUAL_TYPE(q)			(((q) >> 4) & 3)
#define CR_QUAL_GPR(q)			(((q) >> 8) & 0xf)
#define CR_QUAL_TYPE_MOV_TO_CR		0

/* Basic exit reasons, SDM Appendix C (Table C-1). */
enum xl_exit_reason {
	EXIT_REASON_EXCEPTION_NMI	= 0,
	EXIT_REASON_EXTERNAL_INTERRUPT	= 1,
	EXIT_REASON_TRIPLE_FAULT	= 2,
	EXIT_REASON_INTERRUPT_WINDOW	= 7,
	EXIT_REASON_NMI_WINDOW		= 8,
	EXIT_REASON_HLT			= 12,
	EXIT_REASON_VMCALL		= 18,
	EXIT_REASON_VMLAUNCH		= 20,
	EXIT_REASON_VMRESUME		= 24,
	EXIT_REASON_CR_ACCESS		= 28,
	EXIT_REASON_IO_INSTRUCTION	= 30,
	EXIT_REASON_MSR_READ		= 31,
	EXIT_REASON_MSR_WRITE		= 32,
	EXIT_REASON_TPR_BELOW_THRESHOLD	= 43,
	EXIT_REASON_APIC_ACCESS		= 44,
	EXIT_REASON_EOI_INDUCED		= 45,
	EXIT_REASON_GDTR_IDTR		= 46,
	EXIT_REASON_LDTR_TR		= 47,
	EXIT_REASON_PREEMPTION_TIMER	= 52,
	EXIT_REASON_APIC_WRITE		= 56,
	XL_NR_EXIT_REASONS		= 70,
};

/* Interruption-information format, SDM 24.8.3 / 24.9.2 / 24.9.3. */
#define INTR_INFO_VECTOR_MASK		XL_GENMASK(7, 0)
#define INTR_INFO_TYPE_SHIFT		8
#define INTR_INFO_TYPE_MASK		XL_GENMASK(10, 8)
#define  INTR_TYPE_EXT_INTR		(0u << INTR_INFO_TYPE_SHIFT)
#define  INTR_TYPE_NMI			(2u << INTR_INFO_TYPE_SHIFT)
#define  INTR_TYPE_HW_EXCEPTION		(3u << INTR_INFO_TYPE_SHIFT)
#define  INTR_TYPE_SOFT_INTR		(4u << INTR_INFO_TYPE_SHIFT)
#define  INTR_TYPE_PRIV_SW_EXCEPTION	(5u << INTR_INFO_TYPE_SHIFT)
#define  INTR_TYPE_SOFT_EXCEPTION	(6u << INTR_INFO_TYPE_SHIFT)
#define INTR_INFO_ERRCODE_VALID		XL_BIT(11)
#define INTR_INFO_NMI_UNBLOCK		XL_BIT(12)
#define INTR_INFO_VALID			XL_BIT(31)

/* Exception vectors, SDM 6.3.1 (Table 6-1). */
#define XL_VEC_NP			11	/* segment not present */
#define XL_VEC_GP			13

/* Guest interruptibility state, SDM 24.4.2 (Table 24-3). */
#define INTERRUPTIBILITY_STI		XL_BIT(0)
#define INTERRUPTIBILITY_MOV_SS		XL_BIT(1)

#define X86_RFLAGS_IF			XL_BIT(9)
#define X86_CR4_UMIP			XL_BIT(11)

/* Segment access rights in the guest-state area, SDM 24.4.1 (Table 24-2). */
#define SEG_AR_DPL(ar)			(((ar) >> 5) & 3)
#define SEG_AR_L			XL_BIT(13)	/* CS: 64-bit code */

#endif /* XL_HW_VMX_H */
