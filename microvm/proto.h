/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The micro-VM's contract with its host (userspace/kvm/ and, later, the
 * VT-x rigs that run the same guest): where the image and the shared page
 * live in guest-physical memory, the image header that tells the host how
 * to enter 64-bit mode, and the layout of the shared page.
 *
 * Included by the freestanding guest and by the host tool, so it uses only
 * fixed-width types and must stay free of pointers.
 *
 * Why the host enters the guest in long mode instead of letting it boot
 * from real mode: on a software KVM backend (kvm-pvm) 32-bit protected mode
 * dies at the first IRET, and on every backend KVM_SET_SREGS is the cheapest
 * way in. The guest still owns its tables: page tables, GDT and TSS are
 * static data of the image (the header gives their addresses, the host only
 * loads CR3/GDTR/TR from them), and the guest builds and loads its own IDT
 * and reloads its GDT itself.
 */
#ifndef XL_MICROVM_PROTO_H
#define XL_MICROVM_PROTO_H

#define XL_MV_MAGIC		0x4d56584cu	/* "LXVM" */
#define XL_MV_VERSION		1u

#define XL_MV_MEM_SIZE		0x200000u	/* 2 MiB of guest RAM */
#define XL_MV_SHARED_GPA	0x1000u		/* one page, struct xl_mv_shared */
#define XL_MV_LOAD_GPA		0x10000u	/* image (header first) */
#define XL_MV_IMAGE_MAX		0x100000u	/* image incl. bss below 1 MiB */

/* GDT selectors (microvm/entry.S builds the table). */
#define XL_MV_SEL_KCODE		0x08
#define XL_MV_SEL_KDATA		0x10
#define XL_MV_SEL_UDATA		0x18	/* DPL 3, used with RPL 3 */
#define XL_MV_SEL_UCODE		0x20	/* DPL 3, used with RPL 3 */
#define XL_MV_SEL_TSS		0x28	/* 16-byte system descriptor */
#define XL_MV_GDT_ENTRIES	7

/*
 * Vectors. Each injection path uses its own vector so per-vector counts show
 * which path delivered what. The doorbell tells the guest that the host
 * changed the command word (it wakes a halted guest and pulls the CPL-3
 * compute loop back into the kernel loop).
 */
#define XL_MV_VEC_DOORBELL	0x30
#define XL_MV_VEC_IOAPIC	0x40
#define XL_MV_VEC_MSI		0x41
#define XL_MV_VEC_IRQFD		0x42
#define XL_MV_VEC_SPURIOUS	0xff

/*
 * Hypercalls: OUT of a 32-bit op code to XL_MV_PORT_HC, argument in
 * shared->hc_arg, the host's answer in shared->hc_ret. A port write exits on
 * every KVM backend and needs no vendor instruction (VMCALL vs VMMCALL).
 */
#define XL_MV_PORT_HC		0x510
#define XL_MV_HC_READY		1	/* init done, hc_arg = apic mode */
#define XL_MV_HC_FAULT		2	/* exception, see exc_* fields */
/*
 * Reserved for an ELI-style shadow IDT: hc_arg = guest-physical
 * address of a page the guest offers as shadow IDT. Hosts without it answer
 * hc_ret = XL_MV_HC_ENOSYS; the guest does not use it yet.
 */
#define XL_MV_HC_SHADOW_IDT	0x10
#define XL_MV_HC_ENOSYS		0xffffffdau	/* (u32)-38 */

/* Commands (shared->cmd) and guest states (shared->state). */
#define XL_MV_CMD_HALT		1	/* sti; hlt between interrupts, CPL 0 */
#define XL_MV_CMD_COMPUTE	2	/* busy loop at CPL 3, IF=1 */
#define XL_MV_CMD_HANG		3	/* test only: cli; hlt forever */

/* cfg_apic (host request) and apic_mode (what the guest uses). */
#define XL_MV_APIC_AUTO		0
#define XL_MV_APIC_X2APIC	1
#define XL_MV_APIC_XAPIC	2

#define XL_MV_NO_PIN		0xffffffffu

/* Guest status (shared->status). */
#define XL_MV_ST_BOOTING	0
#define XL_MV_ST_READY		1
#define XL_MV_ST_FAULT		2

/*
 * Image header at XL_MV_LOAD_GPA. All addresses are guest-physical, which
 * equals guest-virtual (identity map of the low 4 GiB).
 */
#define XL_MV_HDR_MAGIC		0x00	/* u32 */
#define XL_MV_HDR_VERSION	0x04	/* u32 */
#define XL_MV_HDR_ENTRY		0x08	/* u64 rip at entry */
#define XL_MV_HDR_CR3		0x10	/* u64 PML4 */
#define XL_MV_HDR_GDT		0x18	/* u64 GDT base */
#define XL_MV_HDR_TSS		0x20	/* u64 TSS base (limit 0x67) */
#define XL_MV_HDR_STACK		0x28	/* u64 rsp at entry */
#define XL_MV_HDR_END		0x30	/* u64 end of image incl. bss */
#define XL_MV_HDR_SIZE		0x38

/*
 * Shared page. Offsets are spelled out because entry.S and vectors.S use
 * them; guest.c checks them against the struct at compile time.
 */
#define XL_MV_SH_CMD_SEQ	0x14
#define XL_MV_SH_ACK_SEQ	0x18
#define XL_MV_SH_APIC_MODE	0x20
#define XL_MV_SH_HEARTBEAT	0x30
#define XL_MV_SH_COUNT		0x400	/* u32[256], one per vector */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct xl_mv_header {
	uint32_t magic;
	uint32_t version;
	uint64_t entry;
	uint64_t cr3;
	uint64_t gdt;
	uint64_t tss;
	uint64_t stack;
	uint64_t end;
};

struct xl_mv_shared {
	/* written by the host before the vCPU first runs */
	uint32_t magic;			/* 0x00 XL_MV_MAGIC */
	uint32_t cfg_apic;		/* 0x04 XL_MV_APIC_* */
	uint32_t cfg_ioapic_pin;	/* 0x08 XL_MV_NO_PIN = leave IOAPIC */
	uint32_t cfg_dest_apic_id;	/* 0x0c IOAPIC destination */
	/* command channel: host writes cmd then bumps cmd_seq */
	uint32_t cmd;			/* 0x10 XL_MV_CMD_* */
	uint32_t cmd_seq;		/* 0x14 */
	/* guest -> host */
	uint32_t ack_seq;		/* 0x18 last cmd_seq acted on */
	uint32_t state;			/* 0x1c XL_MV_CMD_* it runs now */
	uint32_t apic_mode;		/* 0x20 XL_MV_APIC_X2APIC/XAPIC */
	uint32_t apic_id;		/* 0x24 */
	uint32_t status;		/* 0x28 XL_MV_ST_* */
	uint32_t x2apic_cpuid;		/* 0x2c CPUID.1:ECX[21] */
	uint64_t heartbeat;		/* 0x30 bumps while the guest runs */
	uint64_t hc_arg;		/* 0x38 */
	uint32_t hc_ret;		/* 0x40 */
	uint32_t exc_vector;		/* 0x44 */
	uint64_t exc_error;		/* 0x48 */
	uint64_t exc_rip;		/* 0x50 */
	uint64_t exc_cr2;		/* 0x58 */
	uint8_t pad[XL_MV_SH_COUNT - 0x60];
	uint32_t count[256];		/* 0x400 handled interrupts per vector */
};

_Static_assert(sizeof(struct xl_mv_shared) <= 0x1000, "one page");
_Static_assert(__builtin_offsetof(struct xl_mv_shared, apic_mode) ==
	       XL_MV_SH_APIC_MODE, "entry.S offset");
_Static_assert(__builtin_offsetof(struct xl_mv_shared, heartbeat) ==
	       XL_MV_SH_HEARTBEAT, "entry.S offset");
_Static_assert(__builtin_offsetof(struct xl_mv_shared, cmd_seq) ==
	       XL_MV_SH_CMD_SEQ, "entry.S offset");
_Static_assert(__builtin_offsetof(struct xl_mv_shared, ack_seq) ==
	       XL_MV_SH_ACK_SEQ, "entry.S offset");
_Static_assert(__builtin_offsetof(struct xl_mv_shared, count) ==
	       XL_MV_SH_COUNT, "vectors.S offset");
_Static_assert(sizeof(struct xl_mv_header) == XL_MV_HDR_SIZE, "header");
#endif

#endif /* XL_MICROVM_PROTO_H */
