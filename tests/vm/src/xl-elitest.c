// SPDX-License-Identifier: GPL-2.0
/*
 * xl-elitest: exitless.ko's VMX backend end to end, inside the Bochs rig
 * (tests/vm/guest/bochs-eli.sh): a 64-bit KVM guest that spins with
 * interrupts enabled, counts every interrupt per vector and EOIs through
 * its x2APIC, with exitless attached in-process. Physical interrupts come
 * from the module's test device (debugfs "selftest": "device", "fire"),
 * the stand-in for an assigned device's MSI: a host vector of the VM's on
 * the vCPU's CPU, handled by the host (injected) when it lands there.
 *
 *   xl-elitest [COUNT [nodid|refused|hostile|lifetime|smp|remap|pi|
 *                      fuzzhold SECONDS]]
 *       baseline (test device, then KVM_SIGNAL_MSI), eli (test device,
 *       then KVM_SIGNAL_MSI through injection mode), did (virtual
 *       interrupts through the module), an assigned IRQ bound the way
 *       VFIO binds one (the module's test MSI: eventfd + KVM irqfd with an
 *       MSI route + IRQ-bypass producer; registered, mapped by eli,
 *       re-routed by the "guest"), back to baseline, IF=0 guard, detach
 *
 * KVM's own exit counter (debugfs kvm/PID-FD/exits) before and after each
 * batch gives exits per interrupt; host interrupts taken while the vCPU
 * ran (irq_exits, and #NP exits re-raised in direct mode) are reported
 * beside it. One interrupt is in flight at a time: the next is sent once
 * the guest counted the previous one, so "handled == sent" is exact and a
 * lost interrupt shows as a timeout.
 * Output: XLTEST PASS|FAIL|SKIP lines (report.h) and one "XLELI {json}"
 * line ("XLPI" for "pi": pi_part, on a kvm_intel with APICv).
 * "nodid" skips the did batch; "refused": hooks only, eli/did must be
 * refused (exitless.ko without experimental=1); "hostile": only the
 * hostile guest (hostile_part: the registration hypercall from CPL 3 and
 * with pages the host must not write, descriptor-table instructions at
 * CPL 3 in direct mode); "smp": a second vCPU on the second CPU, both in
 * direct mode at once while the shadow page is registered again and the
 * mode switched under them, then vCPU 1 writing gates into the shadow IDT
 * while vCPU 0 is direct, then INIT/SIPI to it (smp_part); "remap":
 * only the guest mapping a frame of its own at the shadow IDT's address,
 * in its page tables and through a CR3 of its own (hostile_remap,
 * hostile_cr3, also the last of "hostile").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "uapi/exitless.h"
#include "report.h"

#define MEM_SIZE	0x200000
#define PML4		0x1000
#define PDPT		0x2000
#define PD		0x3000
#define GDT		0x4000
#define IDT		0x5000
#define SHADOW		0x6000
#define DATA		0x7000	/* see the D_* offsets */
#define COUNTS		0x7100	/* u32 per vector */
#define CODE		0x8000
#define STUBS		0x9000	/* 32 bytes per vector */
#define VICTIM		0x17000	/* a guest-kernel page (supervisor only) */
#define UDATA		0xb000	/* the user-mode part's data, see U_* */
#define TSS		0xc000	/* 64-bit TSS: RSP0 for interrupts at CPL 3 */
#define USTACK_TOP	0x1e000	/* user-mode stack (through USER_ALIAS) */
#define STACK_TOP	0x20000
#define AP_STACK_TOP	0x1c000	/* vCPU 1's stack */
#define SIPI_PAGE	0x10000	/* vCPU 1's real-mode code after SIPI */
#define REMAP_PT	0x12000	/* hostile_remap: a page table for 0-2 MiB */
#define FOREIGN		0x13000	/* and the frame it maps at SHADOW */
#define ALT_PML4	0x14000	/* hostile_cr3: another hierarchy, whose... */
#define ALT_PDPT	0x15000
#define ALT_PD		0x16000	/* ...PD[0] is REMAP_PT */
/*
 * Guest-virtual windows on the same 2 MiB of guest RAM (2 MiB pages, PD
 * entries 1-4): user-accessible, read-only, not present, and one that
 * translates to a guest-physical address outside guest RAM.
 */
#define USER_ALIAS	0x200000
#define RO_ALIAS	0x400000
#define UNMAPPED	0x600000
#define NOT_RAM		0x800000
#define NOT_RAM_GPA	0x40000000ull
_Static_assert(STUBS + 32 * 256 <= UDATA, "the stubs reach into UDATA");

#define D_HC_RET	0x00	/* what the registration VMCALL returned */
#define HC_NOT_RUN	0x584c4e4f5452554eULL	/* D_HC_RET before the guest ran */
#define D_SPIN		0x08	/* busy-loop iterations */
#define D_HANG		0x10	/* host sets N: guest spins N times with IF=0 */
#define D_HANG_SPIN	0x18
#define D_HANG_DONE	0x20	/* guest: windows with IF=0 completed */
#define D_HALT		0x28	/* host sets 1: guest waits in HLT (IF=1) */
#define D_CMD		0x30	/* host sets a GCMD_*, the guest clears it */
#define D_ARG0		0x38	/* GCMD_HC: RAX of the VMCALL */
#define D_ARG1		0x40	/* GCMD_HC: RBX of the VMCALL */
#define D_RES		0x48	/* GCMD_HC: RAX after it */
#define D_KSP		0x50	/* kernel RSP while in user mode */
#define D_CMD_DONE	0x58	/* commands completed */
#define D_AP_SPIN	0x60	/* vCPU 1's busy loop (64-bit, IF=1) */
#define D_AP_RM		0x68	/* vCPU 1's busy loop after INIT/SIPI */
#define D_ARG2		0x70	/* GCMD_CR3SWAP: spins per phase */
#define D_AP_SHADOW	0x78	/* host sets N: vCPU 1 writes N rounds of gates */
#define D_AP_SHADOW_DONE 0x80	/* ... into the shadow IDT; rounds done */

#define GCMD_HC		1	/* VMCALL at CPL 0 with D_ARG0/D_ARG1 */
#define GCMD_USER	2	/* run the user-mode part (U_OP) at CPL 3 */
#define GCMD_SHADOW	3	/* D_ARG0 rounds: own gates into the shadow */
#define GCMD_INITSIPI	4	/* INIT, then SIPI to SIPI_PAGE, to APIC 1 */
#define GCMD_SETPDE	5	/* PD[0] = D_ARG0, CR3 reloaded (TLB flush) */
#define GCMD_CR3SWAP	6	/* D_ARG0 rounds: CR3 = D_ARG1, then back */

#define U_OP		0x00	/* 1: VMCALL with U_ARG, 2: descriptor loop */
#define U_ITER		0x08	/* iterations of the descriptor loop */
#define U_HC_RET	0x10	/* what the CPL-3 VMCALL returned */
#define U_ARG		0x18	/* RBX of the CPL-3 VMCALL */
#define U_SGDT		0x20	/* 10 bytes each: limit, base */
#define U_SIDT		0x30
#define U_SLDT_M	0x40	/* SLDT/STR to memory: 2 bytes */
#define U_STR_M		0x48
#define U_SLDT_R	0x50	/* SLDT/STR to a 64-bit register, which held -1 */
#define U_STR_R		0x58
#define TR_SEL		0x30	/* the TSS selector STR must return */

#define VEC_ELI_GUEST	0x51	/* the test device's vector in the guest */
#define VEC_MSI_GUEST	0x61	/* the test MSI's guest vector... */
#define VEC_MSI_GUEST2	0x62	/* ...after the guest re-routed it */
#define GSI_MSI		30	/* its KVM GSI (irqfd + MSI route) */

#define XS_(x)		#x
#define XS(x)		XS_(x)
#define ASM_SET(sym, val) ".set " #sym ", " XS(val) "\n"
/*
 * The layout above as the guest code's assembler symbols: each data word
 * by its address (d_spin is DATA + D_SPIN), the user-mode part's as it
 * sees them through USER_ALIAS (u_op), the host's commands by value.
 */
asm(ASM_SET(idt, IDT) ASM_SET(shadow, SHADOW) ASM_SET(pd, PD)
    ASM_SET(counts, COUNTS)
    ASM_SET(user_alias, USER_ALIAS)
    ASM_SET(user_stack_top, USER_ALIAS + USTACK_TOP)
    ASM_SET(d_hc_ret, DATA + D_HC_RET)
    ASM_SET(d_spin, DATA + D_SPIN)
    ASM_SET(d_hang, DATA + D_HANG)
    ASM_SET(d_hang_spin, DATA + D_HANG_SPIN)
    ASM_SET(d_hang_done, DATA + D_HANG_DONE)
    ASM_SET(d_halt, DATA + D_HALT)
    ASM_SET(d_cmd, DATA + D_CMD)
    ASM_SET(d_arg0, DATA + D_ARG0)
    ASM_SET(d_arg1, DATA + D_ARG1)
    ASM_SET(d_res, DATA + D_RES)
    ASM_SET(d_ksp, DATA + D_KSP)
    ASM_SET(d_cmd_done, DATA + D_CMD_DONE)
    ASM_SET(d_ap_spin, DATA + D_AP_SPIN)
    ASM_SET(d_ap_rm, DATA + D_AP_RM)
    ASM_SET(d_arg2, DATA + D_ARG2)
    ASM_SET(d_ap_shadow, DATA + D_AP_SHADOW)
    ASM_SET(d_ap_shadow_done, DATA + D_AP_SHADOW_DONE)
    ASM_SET(u_op, USER_ALIAS + UDATA + U_OP)
    ASM_SET(u_iter, USER_ALIAS + UDATA + U_ITER)
    ASM_SET(u_hc_ret, USER_ALIAS + UDATA + U_HC_RET)
    ASM_SET(u_arg, USER_ALIAS + UDATA + U_ARG)
    ASM_SET(u_sgdt, USER_ALIAS + UDATA + U_SGDT)
    ASM_SET(u_sidt, USER_ALIAS + UDATA + U_SIDT)
    ASM_SET(u_sldt_m, USER_ALIAS + UDATA + U_SLDT_M)
    ASM_SET(u_str_m, USER_ALIAS + UDATA + U_STR_M)
    ASM_SET(u_sldt_r, USER_ALIAS + UDATA + U_SLDT_R)
    ASM_SET(u_str_r, USER_ALIAS + UDATA + U_STR_R)
    ASM_SET(gcmd_hc, GCMD_HC)
    ASM_SET(gcmd_user, GCMD_USER)
    ASM_SET(gcmd_shadow, GCMD_SHADOW)
    ASM_SET(gcmd_initsipi, GCMD_INITSIPI)
    ASM_SET(gcmd_setpde, GCMD_SETPDE)
    ASM_SET(gcmd_cr3swap, GCMD_CR3SWAP));

/* The guest: registration, x2APIC on, then spin with IF=1. */
asm(".pushsection .rodata.guest, \"a\"\n"
    ".code64\n"
    "guest_code:\n"
    "	mov $0x1b, %ecx\n"		/* IA32_APIC_BASE: EN | EXTD */
    "	rdmsr\n"
    "	or $0xc00, %eax\n"
    "	wrmsr\n"
    "	mov $0x80f, %ecx\n"		/* x2APIC SVR: enable, spurious 0xff */
    "	mov $0x1ff, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	mov $0x584c0001, %eax\n"	/* XL_HC_SHADOW_IDT */
    "	mov $shadow, %ebx\n"
    "	vmcall\n"
    "	mov %rax, d_hc_ret\n"
    "	sti\n"
    "1:	incq d_spin\n"
    "	cmpq $0, d_halt\n"		/* D_HALT: wait in HLT */
    "	je 4f\n"
    "	hlt\n"
    "4:	cmpq $0, d_cmd\n"
    "	jne cmd\n"
    "	cmpq $0, d_hang\n"
    "	je 1b\n"
    "	cli\n"				/* IF=0 for D_HANG iterations */
    "2:	incq d_hang_spin\n"
    "	mov d_hang_spin, %rax\n"
    "	cmp d_hang, %rax\n"
    "	jb 2b\n"
    "	movq $0, d_hang_spin\n"
    "	movq $0, d_hang\n"
    "	incq d_hang_done\n"
    "	sti\n"
    "	jmp 1b\n"
    /* a command of the host (D_CMD) */
    "cmd:	cmpq $gcmd_shadow, d_cmd\n"
    "	je shadow_cmd\n"
    "	cmpq $gcmd_initsipi, d_cmd\n"
    "	je initsipi_cmd\n"
    "	cmpq $gcmd_setpde, d_cmd\n"
    "	je setpde_cmd\n"
    "	cmpq $gcmd_cr3swap, d_cmd\n"
    "	je cr3swap_cmd\n"
    "	cmpq $gcmd_hc, d_cmd\n"
    "	jne 5f\n"
    "	mov d_arg0, %rax\n"		/* GCMD_HC: VMCALL at CPL 0 */
    "	mov d_arg1, %rbx\n"
    "	vmcall\n"
    "	mov %rax, d_res\n"
    "	jmp cmd_done\n"
    "5:	cmpq $gcmd_user, d_cmd\n"
    "	jne cmd_done\n"
    "	cli\n"				/* GCMD_USER: to CPL 3 */
    "	mov $0xc0000082, %ecx\n"	/* LSTAR: SYSCALL comes back here */
    "	lea user_ret(%rip), %rax\n"
    "	mov %rax, %rdx\n"
    "	shr $32, %rdx\n"
    "	wrmsr\n"
    "	mov $0xc0000081, %ecx\n"	/* STAR: kernel CS 0x08, SS 0x10 */
    "	xor %eax, %eax\n"
    "	mov $8, %edx\n"
    "	wrmsr\n"
    "	mov $0xc0000084, %ecx\n"	/* SFMASK: IF off in the kernel */
    "	mov $0x200, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	mov %rsp, d_ksp\n"
    "	push $0x23\n"			/* SS: user data, RPL 3 */
    "	push $user_stack_top\n"		/* RSP: USER_ALIAS + USTACK_TOP */
    "	push $0x202\n"			/* RFLAGS: IF */
    "	push $0x1b\n"			/* CS: user code, RPL 3 */
    "	lea user_code(%rip), %rax\n"
    "	add $user_alias, %rax\n"		/* its USER_ALIAS address */
    "	push %rax\n"
    "	iretq\n"
    "user_ret:\n"			/* SYSCALL from CPL 3 */
    "	mov d_ksp, %rsp\n"
    "cmd_done:\n"
    "	movq $0, d_cmd\n"
    "	incq d_cmd_done\n"
    "	sti\n"
    "	jmp 1b\n"
    /* GCMD_SHADOW: D_ARG0 rounds of gates_to_shadow, IF=1 */
    "shadow_cmd:\n"
    "	mov d_arg0, %rcx\n"		/* D_ARG0: rounds */
    "11:	call gates_to_shadow\n"
    "	incq d_spin\n"
    "	dec %rcx\n"
    "	jnz 11b\n"
    "	jmp cmd_done\n"
    /* CPL 3, through USER_ALIAS: UDATA is at 0x20b000 */
    "user_code:\n"
    "	cmpq $1, u_op\n"
    "	jne 6f\n"
    "	mov $0x584c0001, %eax\n"	/* XL_HC_SHADOW_IDT */
    "	mov u_arg, %rbx\n"
    "	vmcall\n"
    "	mov %rax, u_hc_ret\n"
    "	jmp 8f\n"
    "6:	mov u_iter, %rcx\n"
    "7:	sgdt u_sgdt\n"
    "	sidt u_sidt\n"
    "	sldt u_sldt_m\n"
    "	str u_str_m\n"
    "	mov $-1, %rax\n"
    "	sldt %rax\n"
    "	mov %rax, u_sldt_r\n"
    "	mov $-1, %rax\n"
    "	str %rax\n"
    "	mov %rax, u_str_r\n"
    "	dec %rcx\n"
    "	jnz 7b\n"
    "8:	syscall\n"
    /*
     * GCMD_INITSIPI through the x2APIC ICR (SDM vol.3 10.12.9: EDX the
     * destination; 10.6.1: INIT 101b, start-up 110b, level assert): APIC
     * 1 starts over in real mode at SIPI_PAGE
     */
    "initsipi_cmd:\n"
    "	mov $0x830, %ecx\n"
    "	mov $1, %edx\n"
    "	mov $0x4500, %eax\n"
    "	wrmsr\n"
    "	mov $0x4610, %eax\n"		/* vector 0x10: SIPI_PAGE */
    "	wrmsr\n"
    "	jmp cmd_done\n"
    /* GCMD_SETPDE: the PD entry of 0-2 MiB (PD) from D_ARG0 */
    "setpde_cmd:\n"
    "	mov d_arg0, %rax\n"
    "	mov %rax, pd\n"
    "	mov %cr3, %rax\n"
    "	mov %rax, %cr3\n"
    "	jmp cmd_done\n"
    /*
     * GCMD_CR3SWAP, IF=1: D_ARG0 rounds of CR3 = D_ARG1 for D_ARG2 spins
     * that read the shadow IDT's address (its translation then cached),
     * then the CR3 it had for 16 x D_ARG2 spins and a bit more each round
     * (the emulator is deterministic: the foreign tables' start moves
     * across the host timer's period from round to round)
     */
    "cr3swap_cmd:\n"
    "	mov %cr3, %rdi\n"
    "	mov d_arg0, %rcx\n"
    "41:	mov d_arg1, %rax\n"
    "	mov %rax, %cr3\n"
    "	mov d_arg2, %rdx\n"
    "42:	incq d_spin\n"
    "	mov shadow + 16 * 0xec, %rax\n"		/* gate 0xec through the new tables */
    "	dec %rdx\n"
    "	jnz 42b\n"
    "	mov %rdi, %cr3\n"
    "	mov d_arg2, %rdx\n"
    "	shl $4, %rdx\n"
    "	mov d_arg2, %rax\n"	/* + rounds left x D_ARG2 / 8 */
    "	shr $3, %rax\n"
    "	imul %rcx, %rax\n"
    "	add %rax, %rdx\n"
    "43:	incq d_spin\n"
    "	dec %rdx\n"
    "	jnz 43b\n"
    "	dec %rcx\n"
    "	jnz 41b\n"
    "	jmp cmd_done\n"
    /*
     * vCPU 1: x2APIC on, spin with IF=1 (no registration of its own);
     * D_AP_SHADOW rounds of its gates into the shadow IDT when asked
     */
    "ap_code:\n"
    "	mov $0x1b, %ecx\n"
    "	rdmsr\n"
    "	or $0xc00, %eax\n"
    "	wrmsr\n"
    "	mov $0x80f, %ecx\n"
    "	mov $0x1ff, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	sti\n"
    "21:	incq d_ap_spin\n"
    "	cmpq $0, d_ap_shadow\n"
    "	je 21b\n"
    "	mov d_ap_shadow, %rcx\n"
    "22:	call gates_to_shadow\n"
    "	incq d_ap_shadow_done\n"
    "	dec %rcx\n"
    "	jnz 22b\n"
    "	movq $0, d_ap_shadow\n"
    "	jmp 21b\n"
    /* one round: the guest's own gates 0x20-0xff into the shadow IDT */
    "gates_to_shadow:\n"
    "	mov $0x200, %rsi\n"
    "12:	mov idt(%rsi), %rax\n"	/* IDT */
    "	mov %rax, shadow(%rsi)\n"	/* SHADOW */
    "	mov idt + 8(%rsi), %rax\n"
    "	mov %rax, shadow + 8(%rsi)\n"
    "	add $16, %rsi\n"
    "	cmp $0x1000, %rsi\n"
    "	jb 12b\n"
    "	ret\n"
    "guest_code_end:\n"
    /* vectors 0-31: report the exception through port 0x81, stop */
    "	.balign 32\n"
    "guest_stubs:\n"
    "	.set vec, 0\n"
    "	.rept 32\n"
    "	.balign 32\n"
    "	mov $vec, %al\n"
    "	out %al, $0x81\n"
    "3:	hlt\n"
    "	jmp 3b\n"
    "	.set vec, vec + 1\n"
    "	.endr\n"
    /* 32-255: count, x2APIC EOI (MSR 0x80b), return */
    "	.rept 224\n"
    "	.balign 32\n"
    "	push %rax\n"
    "	push %rcx\n"
    "	push %rdx\n"
    "	lock incl counts + 4 * vec\n"
    "	mov $0x80b, %ecx\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	pop %rdx\n"
    "	pop %rcx\n"
    "	pop %rax\n"
    "	iretq\n"
    "	.set vec, vec + 1\n"
    "	.endr\n"
    "guest_stubs_end:\n"
    /* vCPU 1 after INIT/SIPI: real mode, CS base SIPI_PAGE, DS base 0 */
    ".code16\n"
    "ap_sipi_code:\n"
    "31:	incl d_ap_rm\n"
    "	jmp 31b\n"
    "ap_sipi_code_end:\n"
    ".code64\n"
    ".popsection\n");
extern const uint8_t guest_code[], guest_code_end[], ap_code[];
extern const uint8_t ap_sipi_code[], ap_sipi_code_end[];
extern const uint8_t guest_stubs[], guest_stubs_end[];

static int kvm_fd, vm_fd, xl_fd;
static uint8_t *mem;
/*
 * The guest's vCPUs: vCPU 0 on host CPU 0 runs every part; vCPU 1 (the
 * "smp" part only) on CPU 1. vcpu_done: a vCPU thread stopped, the VM is
 * of no more use; vcpu_why is why.
 */
struct vcpu {
	int fd;
	struct kvm_run *run;
	pthread_t th;
	int cpu;
	/* set by the main thread: the vCPU's own thread reads its sregs */
	volatile int sregs_get;
	struct kvm_sregs sregs;
};
static struct vcpu vcpus[2];
static unsigned int nr_vcpus = 1;
static volatile int vcpu_done;
static char vcpu_why[160];
static uint64_t vm_id;

#define U64(off)	(*(volatile uint64_t *)(mem + DATA + (off)))
#define UD64(off)	(*(volatile uint64_t *)(mem + UDATA + (off)))
#define COUNT(v)	(*(volatile uint32_t *)(mem + COUNTS + 4 * (v)))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t kvm_stat(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/%s",
		 getpid(), vm_fd, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int selftest(const char *fmt, ...)
{
	char buf[96];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open("/sys/kernel/debug/exitless/selftest", O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* *@v = the number after @key in @line; 1 when there is one. */
static int num_after(const char *line, const char *key, uint64_t *v)
{
	const char *p = strstr(line, key);
	unsigned long long n;

	if (!p || sscanf(p + strlen(key), " %llu", &n) != 1)
		return 0;
	*v = n;
	return 1;
}

/*
 * The first line of debugfs exitless/hooks containing @key and, when
 * @num, a number right after it, into @line; "" when there is none.
 */
static char *hooks_find(const char *key, int num, char *line, size_t len)
{
	FILE *f = fopen("/sys/kernel/debug/exitless/hooks", "r");
	uint64_t v;
	int found = 0;

	while (f && !found && fgets(line, len, f))
		found = num ? num_after(line, key, &v) : !!strstr(line, key);
	if (f)
		fclose(f);
	if (!found)
		line[0] = 0;
	return line;
}

/* The number after @key in debugfs exitless/hooks (first match), or 0. */
static uint64_t hooks_num(const char *key)
{
	char line[4096];
	uint64_t v = 0;

	num_after(hooks_find(key, 1, line, sizeof(line)), key, &v);
	return v;
}

/* The first line of debugfs exitless/hooks containing @key, or "". */
static const char *hooks_line(const char *key)
{
	static char line[4096];

	return hooks_find(key, 0, line, sizeof(line));
}

/* Host LAPIC timer interrupts taken by CPU @cpu (/proc/interrupts LOC). */
static uint64_t host_loc(int cpu)
{
	char line[512], *p;
	unsigned long long v = 0;
	FILE *f = fopen("/proc/interrupts", "r");
	int i;

	while (f && fgets(line, sizeof(line), f)) {
		p = strstr(line, "LOC:");
		if (!p)
			continue;
		p += 4;
		for (i = 0; i <= cpu; i++)
			v = strtoull(p, &p, 10);
		break;
	}
	if (f)
		fclose(f);
	return v;
}

static void show_hooks(const char *when)
{
	char line[512];
	FILE *f = fopen("/sys/kernel/debug/exitless/hooks", "r");
	int v;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("XLINFO hooks[%s] %s", when, line);
	fclose(f);
	/* host LAPIC timer interrupts per CPU and host time: the rate of
	 * host interrupts a vCPU in direct mode has to send back */
	f = fopen("/proc/interrupts", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "LOC:"))
			printf("XLINFO host[%s] %s", when, line);
	if (f)
		fclose(f);
	f = fopen("/proc/uptime", "r");
	if (f && fgets(line, sizeof(line), f))
		printf("XLINFO host[%s] uptime %s", when, line);
	if (f)
		fclose(f);
	printf("XLINFO guest[%s] spin %llu counts:", when,
	       (unsigned long long)U64(D_SPIN));
	for (v = 0; v < 256; v++)
		if (COUNT(v))
			printf(" 0x%x=%u", v, COUNT(v));
	printf("\n");
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/*
 * Set by the main thread before it interrupts KVM_RUN: the vCPU thread
 * gives the vCPU the IDTR the guest loaded (KVM_SET_SREGS, as a VMM's
 * reset, loadvm or incoming migration does) and clears it.
 */
static volatile int sregs_req;
static char sregs_why[96];
/* Set by the main thread: the vCPU thread stays out of KVM_RUN (paused). */
static volatile int vcpu_pause, vcpu_paused;

static void vcpu_set_sregs(void)
{
	struct kvm_sregs sr;

	if (ioctl(vcpus[0].fd, KVM_GET_SREGS, &sr)) {
		snprintf(sregs_why, sizeof(sregs_why), "KVM_GET_SREGS: %s",
			 strerror(errno));
	} else {
		sr.idt.base = IDT;
		sr.idt.limit = 256 * 16 - 1;
		if (ioctl(vcpus[0].fd, KVM_SET_SREGS, &sr))
			snprintf(sregs_why, sizeof(sregs_why),
				 "KVM_SET_SREGS: %s", strerror(errno));
		else
			snprintf(sregs_why, sizeof(sregs_why), "ok");
	}
	sregs_req = 0;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_run *run = v->run;
	char why[128];
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(v->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!vcpu_done) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && sregs_req && v == &vcpus[0])
				vcpu_set_sregs();
			if (errno == EINTR && v->sregs_get) {
				if (ioctl(v->fd, KVM_GET_SREGS, &v->sregs))
					memset(&v->sregs, 0, sizeof(v->sregs));
				v->sregs_get = 0;
			}
			while (errno == EINTR && vcpu_pause && !vcpu_done) {
				vcpu_paused = 1;
				usleep(1000);
			}
			vcpu_paused = 0;
			if (errno == EINTR)
				continue;
			snprintf(why, sizeof(why), "KVM_RUN: %s",
				 strerror(errno));
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x81) {
			snprintf(why, sizeof(why), "guest exception vector %u",
				 *((uint8_t *)run + run->io.data_offset));
			break;
		}
		snprintf(why, sizeof(why), "unexpected exit %u",
			 run->exit_reason);
		if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			snprintf(why, sizeof(why),
				 "KVM internal error %u: %llx %llx %llx %llx",
				 run->internal.suberror,
				 (unsigned long long)run->internal.data[0],
				 (unsigned long long)run->internal.data[1],
				 (unsigned long long)run->internal.data[2],
				 (unsigned long long)run->internal.data[3]);
		break;
	}
	if (!vcpu_done)
		snprintf(vcpu_why, sizeof(vcpu_why), "vCPU %d: %s",
			 (int)(v - vcpus), why);
	vcpu_done = 1;
	printf("XLINFO vcpu %d thread stops: %s\n", (int)(v - vcpus),
	       vcpu_why);
	return NULL;
}

/* Stop every vCPU thread: out of KVM_RUN at once, and joined. */
static void vcpus_stop(void)
{
	unsigned int i;

	vcpu_done = 1;
	for (i = 0; i < nr_vcpus; i++) {
		vcpus[i].run->immediate_exit = 1;
		pthread_kill(vcpus[i].th, SIGUSR1);
	}
	for (i = 0; i < nr_vcpus; i++)
		pthread_join(vcpus[i].th, NULL);
}

static void seg64(struct kvm_segment *s, uint16_t sel, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->type = code ? 0xb : 0x3;
	s->l = code;
	s->db = !code;
}

/*
 * vCPU @id in 64-bit mode at CPL 0: vCPU 0 at guest_code, vCPU 1 at
 * ap_code with its own stack; its thread will run on host CPU @id.
 */
static int vcpu_create(struct vcpu *v, int id)
{
	struct kvm_sregs sr;
	struct kvm_regs regs = { 0 };
	struct kvm_cpuid2 *cpuid;
	int n = 100;

	v->cpu = id;
	v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return -1;
	v->run = mmap(NULL, ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0),
		      PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		return -1;
	cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -1;
	cpuid->nent = n;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) ||
	    ioctl(v->fd, KVM_SET_CPUID2, cpuid)) {
		free(cpuid);
		return -1;
	}
	free(cpuid);

	if (ioctl(v->fd, KVM_GET_SREGS, &sr))
		return -1;
	seg64(&sr.cs, 0x08, 1);
	seg64(&sr.ds, 0x10, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = GDT;
	sr.gdt.limit = 8 * 8 - 1;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.selector = TR_SEL;
	sr.tr.base = TSS;
	sr.tr.limit = 0x67;
	sr.tr.type = 11;		/* 64-bit TSS, busy */
	sr.tr.present = 1;
	sr.idt.base = IDT;
	sr.idt.limit = 256 * 16 - 1;
	sr.cr3 = PML4;
	sr.cr4 = 0x20;			/* PAE */
	sr.cr0 = 0x80010011;		/* PG | WP | ET | PE */
	sr.efer = 0x501;		/* LMA | LME | SCE */
	if (ioctl(v->fd, KVM_SET_SREGS, &sr))
		return -1;
	/*
	 * With KVM's in-kernel LAPIC a vCPU other than the BSP waits for
	 * INIT/SIPI (MP state "uninitialized"); vCPU 1 starts at once.
	 */
	if (id) {
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		if (ioctl(v->fd, KVM_SET_MP_STATE, &mp))
			return -1;
	}
	regs.rip = id ? CODE + (ap_code - guest_code) : CODE;
	regs.rsp = id ? AP_STACK_TOP : STACK_TOP;
	regs.rflags = 2;
	return ioctl(v->fd, KVM_SET_REGS, &regs);
}

static int setup_vm(int smp)
{
	struct kvm_userspace_memory_region r = { 0 };
	uint64_t *p;
	int i;

	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0)
		return -1;
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		return -1;
	ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0))
		return -1;
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	r.memory_size = MEM_SIZE;
	r.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;

	/*
	 * Identity map of 2 MiB, one large page, supervisor only, and the
	 * windows USER_ALIAS (user), RO_ALIAS (read-only), UNMAPPED and
	 * NOT_RAM (SDM vol.3 4.5: P 0, R/W 1, U/S 2, PS 7).
	 */
	*(uint64_t *)(mem + PML4) = PDPT | 7;
	*(uint64_t *)(mem + PDPT) = PD | 7;
	p = (uint64_t *)(mem + PD);
	p[0] = 0x83;
	p[USER_ALIAS >> 21] = 0x87;
	p[RO_ALIAS >> 21] = 0x81;
	p[UNMAPPED >> 21] = 0;
	p[NOT_RAM >> 21] = NOT_RAM_GPA | 0x83;
	p = (uint64_t *)(mem + GDT);
	p[0] = 0;
	p[1] = 0x00af9a000000ffffULL;	/* 0x08: 64-bit code */
	p[2] = 0x00cf92000000ffffULL;	/* 0x10: data */
	p[3] = 0x00affa000000ffffULL;	/* 0x18: 64-bit code, DPL 3 */
	p[4] = 0x00cff2000000ffffULL;	/* 0x20: data, DPL 3 */
	/* 64-bit TSS (SDM vol.3 8.7): RSP0, no I/O bitmap */
	*(uint64_t *)(mem + TSS + 4) = STACK_TOP;
	*(uint16_t *)(mem + TSS + 0x66) = 0x68;
	/* 64-bit interrupt gates, DPL 0 (SDM vol.3 6.14.1) */
	for (i = 0; i < 256; i++) {
		uint64_t off = STUBS + 32 * i;
		uint64_t *g = (uint64_t *)(mem + IDT + 16 * i);

		g[0] = (off & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
		       ((off >> 16) & 0xffff) << 48;
		g[1] = off >> 32;
	}
	if (guest_code_end - guest_code > STUBS - CODE) {
		errno = E2BIG;
		return -1;
	}
	memcpy(mem + CODE, guest_code, guest_code_end - guest_code);
	memcpy(mem + STUBS, guest_stubs, guest_stubs_end - guest_stubs);
	/* no VMCALL returns this: the check sees whether the guest ran it */
	U64(D_HC_RET) = HC_NOT_RUN;

	if (smp) {
		memcpy(mem + SIPI_PAGE, ap_sipi_code,
		       ap_sipi_code_end - ap_sipi_code);
		nr_vcpus = 2;
	}
	for (i = 0; i < (int)nr_vcpus; i++)
		if (vcpu_create(&vcpus[i], i))
			return -1;
	return 0;
}

static int wait_count(unsigned int vec, uint32_t want, double tmo)
{
	double end = now() + tmo;

	while (COUNT(vec) < want) {
		if (vcpu_done || now() > end)
			return -1;
		sched_yield();
	}
	return 0;
}

struct batch {
	const char *name;
	unsigned int want, sent, handled, lost, busy;
	uint64_t exits, irq_exits, irq_window_exits;
	uint64_t host_irq_exits, dev_irq_exits, dev_in_host, eois, wakeups;
	uint64_t halt_exits, host_np, reraised, np_injected, not_in_service;
	double seconds;
	double lat_p50, lat_p99;	/* round trip per interrupt, seconds */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Round trip of each handled interrupt: from the send call to the moment
 * this thread sees the guest's handler count move. It includes the send
 * path (ioctl or debugfs write) and the polling, the same in every mode;
 * on an emulator it is the emulator's time.
 */
static void latency_percentiles(struct batch *b, double *lat, unsigned int n)
{
	if (!n)
		return;
	qsort(lat, n, sizeof(*lat), cmp_double);
	b->lat_p50 = lat[n / 2];
	b->lat_p99 = lat[n * 99 / 100 < n ? n * 99 / 100 : n - 1];
}

/* What one batch's figures are the difference of. */
struct snap {
	uint64_t exits, irq_exits, irq_window_exits, halt_exits;
	uint64_t host_irq_exits, dev_irq_exits, dev_in_host, eois, wakeups;
	/* #NP exits of other vectors; re-raised on the host, injected */
	uint64_t host_np, reraised, np_injected, not_in_service;
};

/*
 * Sums over debugfs exitless/hooks: the number after @key (first match),
 * and the "0xVEC:N" lists of external-interrupt and #NP exits per vector,
 * split into the test device's host vector and every other (host) vector.
 */
static void hooks_read(struct snap *sn)
{
	char line[4096], *p, *tok;
	unsigned int vec, dev = 0, msi = 0, nv = 0;
	unsigned long long n;
	uint64_t in_host;
	FILE *f = fopen("/sys/kernel/debug/exitless/hooks", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "host_vector 0x");
		if (p && strstr(line, "testdev irq"))
			dev = strtoul(p + strlen("host_vector "), NULL, 16);
		if (p && strstr(line, "testmsi irq"))
			msi = strtoul(p + strlen("host_vector "), NULL, 16);
		/* `pi`: a notification that exits is the delivery's cost */
		p = strstr(line, "pi_nv 0x");
		if (p)
			nv = strtoul(p + strlen("pi_nv "), NULL, 16);
		/* one of the two fires per batch: the sum's difference */
		if (num_after(line, "handled_in_host", &in_host))
			sn->dev_in_host += in_host;
		num_after(line, " eois", &sn->eois);
		num_after(line, "did_wakeups", &sn->wakeups);
		num_after(line, "np_reraised", &sn->reraised);
		num_after(line, "np_injected", &sn->np_injected);
		num_after(line, "not_in_service", &sn->not_in_service);
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		int np = !!strstr(line, "np_exits_by_vector");

		if (!np && !strstr(line, "extint_exits_by_vector"))
			continue;
		for (tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
			if (sscanf(tok, "0x%x:%llu", &vec, &n) != 2)
				continue;
			if ((dev && vec == dev) || (msi && vec == msi) ||
			    (nv && vec == nv)) {
				sn->dev_irq_exits += n;
				continue;
			}
			sn->host_irq_exits += n;
			if (np)
				sn->host_np += n;
		}
	}
	fclose(f);
}

static void snap_take(struct snap *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->exits = kvm_stat("exits");
	sn->irq_exits = kvm_stat("irq_exits");
	sn->irq_window_exits = kvm_stat("irq_window_exits");
	sn->halt_exits = kvm_stat("halt_exits");
	hooks_read(sn);
}

/*
 * Besides KVM's counters: exits for host interrupts (external-interrupt
 * exits, and #NP exits re-raised in direct mode, of every vector but the
 * test device's), exits for the test device's own vector, its interrupts
 * that landed in the host and were injected by KVM instead of delivered
 * directly, and guest EOIs that KVM's LAPIC emulated (tracepoint
 * kvm_eoi: each one an exit, as the x2APIC EOI is intercepted on an
 * xAPIC host).
 */
static void stats_begin(struct batch *b, struct snap *s0)
{
	snap_take(s0);
	b->seconds = now();
}

static void stats_end(struct batch *b, const struct snap *s0)
{
	struct snap s1;

	snap_take(&s1);
	b->exits = s1.exits - s0->exits;
	b->irq_exits = s1.irq_exits - s0->irq_exits;
	b->irq_window_exits = s1.irq_window_exits - s0->irq_window_exits;
	b->host_irq_exits = s1.host_irq_exits - s0->host_irq_exits;
	b->dev_irq_exits = s1.dev_irq_exits - s0->dev_irq_exits;
	b->dev_in_host = s1.dev_in_host - s0->dev_in_host;
	b->eois = s1.eois - s0->eois;
	b->wakeups = s1.wakeups - s0->wakeups;
	b->halt_exits = s1.halt_exits - s0->halt_exits;
	b->host_np = s1.host_np - s0->host_np;
	b->reraised = s1.reraised - s0->reraised;
	b->np_injected = s1.np_injected - s0->np_injected;
	b->not_in_service = s1.not_in_service - s0->not_in_service;
	b->seconds = now() - b->seconds;
}

/* run_batch moves the vCPU thread to the other CPU before each send. */
static int move_vcpu;
/* run_batch sends one interrupt per @pace_us at most (0: back to back). */
static unsigned int pace_us;

static void vcpu_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(vcpus[0].th, sizeof(set), &set);
}

/* How a batch sends its interrupts. */
enum send_how {
	SEND_KVM_MSI,		/* KVM_SIGNAL_MSI: KVM injects */
	SEND_TEST_DEVICE,	/* selftest "fire": a physical IPI of the test
				 * device's host vector to the vCPU's CPU */
	SEND_VIRQ,		/* selftest "virq": through the engine */
	SEND_TEST_MSI,		/* selftest "msifire": an IPI of the test MSI's
				 * vector to the CPU it is on now */
};

static void run_batch(struct batch *b, enum send_how how, unsigned int count,
		      unsigned int gvec, unsigned int send_vec)
{
	double *lat = calloc(count ? count : 1, sizeof(*lat));
	unsigned int i, miss = 0, nlat = 0;
	struct snap s;

	memset(&b->want, 0, sizeof(*b) - sizeof(b->name));
	b->want = count;
	stats_begin(b, &s);
	for (i = 0; i < count && !vcpu_done; i++) {
		uint32_t before = COUNT(gvec);
		double t0 = now();
		int ret, tries = 0;

		if (move_vcpu) {
			vcpu_to_cpu((i + 1) & 1);
			usleep(200);	/* the move happens meanwhile */
		}

		do {
			if (how == SEND_KVM_MSI) {
				struct kvm_msi m = {
					.address_lo = 0xfee00000,
					.data = gvec,
				};
				ret = ioctl(vm_fd, KVM_SIGNAL_MSI, &m) < 0 ?
				      -errno : 0;
			} else if (how == SEND_TEST_DEVICE ||
				   how == SEND_TEST_MSI) {
				ret = selftest(how == SEND_TEST_DEVICE ?
					       "fire %llu" :
					       "msifire %llu",
					       (unsigned long long)vm_id);
			} else {
				ret = selftest("virq %llu 0 %u",
					       (unsigned long long)vm_id,
					       send_vec);
			}
			if (ret == -EAGAIN) {
				b->busy++;
				sched_yield();
			}
		} while (ret == -EAGAIN && ++tries < 2000 && !vcpu_done);
		if (ret) {
			printf("XLINFO %s: send %u: %s\n", b->name, i,
			       strerror(-ret));
			break;
		}
		b->sent++;
		if (wait_count(gvec, before + 1, 2.0)) {
			b->lost++;
			if (++miss >= 3) {
				printf("XLINFO %s: 3 interrupts lost in a row, batch stopped\n",
				       b->name);
				break;
			}
		} else {
			miss = 0;
			if (lat)
				lat[nlat++] = now() - t0;
		}
		while (pace_us && now() < t0 + pace_us / 1e6)
			;
	}
	b->handled = COUNT(gvec);
	stats_end(b, &s);
	latency_percentiles(b, lat, nlat);
	free(lat);
	/* one progress line per batch (make run follows the console) */
	printf("XLBATCH %s: %u sent, %u handled, %u lost, %llu exits in %.1f ms of guest time\n",
	       b->name, b->sent, b->handled, b->lost,
	       (unsigned long long)b->exits, b->seconds * 1e3);
}

static double per(uint64_t n, unsigned int sent)
{
	return sent ? (double)n / sent : 0.0;
}

static void print_batch(const struct batch *b, int last)
{
	uint64_t own = b->exits > b->host_irq_exits ?
		       b->exits - b->host_irq_exits : 0;
	uint64_t own_no_eoi = own > b->eois ? own - b->eois : 0;

	printf("{\"name\":\"%s\",\"sent\":%u,\"handled\":%u,\"lost\":%u,"
	       "\"retries_not_in_guest\":%u,\"exits\":%llu,"
	       "\"irq_exits\":%llu,\"irq_window_exits\":%llu,"
	       "\"host_irq_exits\":%llu,\"dev_vector_exits\":%llu,"
	       "\"dev_irqs_via_host\":%llu,\"eoi_exits\":%llu,"
	       "\"halt_exits\":%llu,\"did_wakeups\":%llu,"
	       "\"host_np_exits\":%llu,\"np_reraised\":%llu,"
	       "\"np_injected\":%llu,\"reraise_not_in_service\":%llu,"
	       "\"exits_per_irq\":%.3f,"
	       "\"exits_per_irq_excl_host_irqs\":%.3f,"
	       "\"exits_per_irq_excl_host_irqs_and_eoi\":%.3f,"
	       "\"seconds\":%.3f,"
	       "\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f}}%s",
	       b->name, b->sent, b->handled, b->lost, b->busy,
	       (unsigned long long)b->exits,
	       (unsigned long long)b->irq_exits,
	       (unsigned long long)b->irq_window_exits,
	       (unsigned long long)b->host_irq_exits,
	       (unsigned long long)b->dev_irq_exits,
	       (unsigned long long)b->dev_in_host,
	       (unsigned long long)b->eois,
	       (unsigned long long)b->halt_exits,
	       (unsigned long long)b->wakeups,
	       (unsigned long long)b->host_np,
	       (unsigned long long)b->reraised,
	       (unsigned long long)b->np_injected,
	       (unsigned long long)b->not_in_service,
	       per(b->exits, b->sent), per(own, b->sent),
	       per(own_no_eoi, b->sent), b->seconds, b->lat_p50 * 1e6,
	       b->lat_p99 * 1e6, last ? "" : ",");
}

static int set_mode(unsigned int mode)
{
	struct xl_set_mode m = { .size = sizeof(m), .mode = mode };

	return ioctl(xl_fd, XL_IOC_SET_MODE, &m) ? -errno : 0;
}

static void reset_counts(void)
{
	memset(mem + COUNTS, 0, 256 * 4);
}

/*
 * The guest spins XL_IFOFF_SPINS times with RFLAGS.IF=0, then sets IF
 * again. Reports what the host got meanwhile: KVM's exits and the host
 * LAPIC timer interrupts of CPU 0 (the vCPU's). Returns 1 when the window
 * completed. In Bochs 2.7 an external interrupt never exits a VMX guest
 * entered with IF=0, whatever external-interrupt exiting says (see
 * kmod/README.md, "Bochs 2.7 and guests with IF=0"): KVM alone gets no
 * exit there, only the guard's VMX-preemption timer does.
 */
#define XL_IFOFF_SPINS	50000000ull

static int ifoff_window(const char *mode)
{
	uint64_t d0 = U64(D_HANG_DONE), e0 = 0, l0 = 0, e1, l1;
	double t0 = now(), t1 = 0;
	int started = 0;

	U64(D_HANG) = XL_IFOFF_SPINS;
	/* busy-poll from the other CPU: the window itself is ~30 ms */
	while (U64(D_HANG_DONE) == d0 && now() < t0 + 60 && !vcpu_done) {
		if (!started && U64(D_HANG_SPIN)) {
			e0 = kvm_stat("exits");
			l0 = host_loc(0);
			t1 = now();
			started = 1;
		}
	}
	e1 = kvm_stat("exits");
	l1 = host_loc(0);
	printf("XLINFO ifoff-%s: IF=0 for %llu guest iterations: %s; inside the window (%.3f s, from the other CPU): KVM exits +%llu, CPU 0 LOC +%llu\n",
	       mode, XL_IFOFF_SPINS,
	       U64(D_HANG_DONE) != d0 ? "done" : "NOT done",
	       started ? now() - t1 : 0.0,
	       (unsigned long long)(started ? e1 - e0 : 0),
	       (unsigned long long)(started ? l1 - l0 : 0));
	return U64(D_HANG_DONE) != d0;
}

/*
 * The guest waits in HLT with IF=1 (a blocked vCPU) between interrupts:
 * each one must wake it (eli: through the host handler and KVM; did:
 * injection + wakeup). A tenth of @count; an MSI of another vector wakes
 * the guest at the end, back to spinning.
 */
static void halted_batch(struct batch *b, enum send_how how,
			 unsigned int count)
{
	struct kvm_msi m = { .address_lo = 0xfee00000, .data = 0x52 };
	uint32_t c;

	U64(D_HALT) = 1;
	usleep(20000);
	reset_counts();
	run_batch(b, how, count / 10 ? count / 10 : 1, VEC_ELI_GUEST,
		  VEC_ELI_GUEST);
	U64(D_HALT) = 0;
	c = COUNT(0x52);
	ioctl(vm_fd, KVM_SIGNAL_MSI, &m);
	wait_count(0x52, c + 1, 2.0);
	show_hooks(b->name);
}

/* The guest's MSI route of GSI_MSI (KVM_SET_GSI_ROUTING): @vec to APIC 0. */
static int route_msi(unsigned int vec)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[1];
	} rt;

	memset(&rt, 0, sizeof(rt));
	rt.r.nr = 1;
	rt.e[0].gsi = GSI_MSI;
	rt.e[0].type = KVM_IRQ_ROUTING_MSI;
	rt.e[0].u.msi.address_lo = 0xfee00000;
	rt.e[0].u.msi.data = vec;
	return ioctl(vm_fd, KVM_SET_GSI_ROUTING, &rt) ? -errno : 0;
}

static int irqs_ioctl(unsigned long cmd, unsigned int irq)
{
	struct xl_irqs r = { .size = sizeof(r), .count = 1 };

	r.irqs[0] = irq;
	return ioctl(xl_fd, cmd, &r) ? -errno : 0;
}

/* The test MSI's host IRQ, its CPU now (debugfs "testmsi irq N ... cpu C"). */
static int testmsi(unsigned int *irq, unsigned int *cpu)
{
	const char *l = hooks_line("testmsi irq");
	unsigned int vec;

	return sscanf(l, " testmsi irq %u host_vector 0x%x cpu %u", irq, &vec,
		      cpu) == 3 ? 0 : -1;
}

/*
 * An assigned device's IRQ, bound to the VM the way VFIO binds one: an
 * eventfd, a KVM irqfd on it with an MSI route (VEC_MSI_GUEST to vCPU 0),
 * and the module's test MSI on host CPU 1, requested with the eventfd as
 * dev_id and signalling it from its host handler, and the eventfd's
 * IRQ-bypass producer (which KVM links to the irqfd on 6.1, not on 6.12
 * with APICv off: exitless finds the irqfd by the dev_id there). In eli: the
 * registration is refused while the IRQ is on the other CPU (no interrupt
 * remapping here, so Linux moves it only at its next interrupt); after
 * what the refusal says (affinity to CPU 0, one interrupt) it is mapped;
 * a batch; the "guest" re-routes the MSI to VEC_MSI_GUEST2 and exitless
 * maps it again; a batch. Returns the IRQ, or 0.
 */
/*
 * The test MSI on host CPU 1 bound to the VM as VFIO binds a device's
 * vector: an eventfd, a KVM irqfd on it with the MSI route of GSI_MSI
 * (VEC_MSI_GUEST to vCPU 0), the test MSI its IRQ-bypass producer.
 * Checked as @name; 0 and *@irq, *@cpu, or -errno.
 */
static int testmsi_bind(const char *name, unsigned int *irq,
			unsigned int *cpu)
{
	struct kvm_irqfd ifd = { .gsi = GSI_MSI };
	int ret, efd = eventfd(0, EFD_CLOEXEC);

	ifd.fd = efd;
	ret = efd < 0 ? -errno : route_msi(VEC_MSI_GUEST);
	if (!ret && ioctl(vm_fd, KVM_IRQFD, &ifd))
		ret = -errno;
	ret = ret ?: selftest("msidev %llu %d 1", (unsigned long long)vm_id,
			      efd);
	if (!ret && testmsi(irq, cpu))
		ret = -ENOENT;
	report_named(!ret && *cpu == 1 && strstr(hooks_line("testmsi"), "producer 1"),
	       name, "%s; irq %u on CPU %u: %s", ret ? strerror(-ret) : "ok",
	       *irq, *cpu, hooks_line("testmsi"));
	return ret;
}

static unsigned int assigned_irq_part(struct batch *b, int *nb,
				      unsigned int count)
{
	unsigned int irq = 0, cpu = 99, inv0;
	char path[64];
	const char *l;
	double end;
	uint32_t c;
	int ret, fd;

	if (testmsi_bind("assigned-test-msi", &irq, &cpu))
		return 0;

	ret = irqs_ioctl(XL_IOC_REGISTER_IRQS, irq);
	l = hooks_line("last_map_refusal");
	report_named(ret == -EOPNOTSUPP && strstr(l, "smp_affinity_list"),
	       "assigned-refused-on-other-cpu", "%s: %s",
	       ret ? strerror(-ret) : "accepted", l);

	/* what the refusal says: its affinity to CPU 0, one interrupt */
	snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list", irq);
	fd = open(path, O_WRONLY);
	ret = fd < 0 || write(fd, "0", 1) != 1 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	c = COUNT(VEC_MSI_GUEST);
	ret = ret ?: selftest("msifire %llu", (unsigned long long)vm_id);
	ret = ret ?: wait_count(VEC_MSI_GUEST, c + 1, 2.0);
	if (!ret && testmsi(&irq, &cpu))
		ret = -ENOENT;
	report_named(!ret && cpu == 0, "assigned-msi-moved-by-one-interrupt",
	       "%s; on CPU %u now", ret ? "failed" : "delivered", cpu);

	ret = irqs_ioctl(XL_IOC_REGISTER_IRQS, irq);
	l = hooks_line("assigned irq");
	report_named(!ret && strstr(l, "guest_vector 0x61 vcpu 0") &&
	       strstr(hooks_line("registered_irqs"), "live 1"),
	       "assigned-irq-mapped", "%s: %s", ret ? strerror(-ret) : "ok",
	       l);
	show_hooks("assigned");
	if (ret)
		return 0;
	usleep(200000);
	reset_counts();
	b[*nb].name = "eli-irqfd";
	run_batch(&b[(*nb)++], SEND_TEST_MSI, count, VEC_MSI_GUEST, 0);
	show_hooks("eli-irqfd-done");

	/* the guest reprograms its MSI: KVM re-routes, exitless maps again */
	inv0 = hooks_num("invalidations");
	ret = route_msi(VEC_MSI_GUEST2);
	end = now() + 5;
	while (!ret && now() < end &&
	       !(strstr(hooks_line("assigned irq"), "guest_vector 0x62") &&
		 strstr(hooks_line("registered_irqs"), "live 1")))
		usleep(10000);
	report_named(!ret && hooks_num("invalidations") > inv0 &&
	       strstr(hooks_line("assigned irq"), "guest_vector 0x62"),
	       "assigned-reroute-remapped", "invalidations +%llu: %s",
	       (unsigned long long)(hooks_num("invalidations") - inv0),
	       hooks_line("assigned irq"));
	reset_counts();
	b[*nb].name = "eli-irqfd-rerouted";
	run_batch(&b[(*nb)++], SEND_TEST_MSI, count / 10 ? count / 10 : 1,
		  VEC_MSI_GUEST2, 0);
	return irq;
}

/*
 * "pi" (kvm_intel with APICv, tests/vm/guest/bochs-pi.sh): KVM's own
 * posted path first (KVM_SIGNAL_MSI in baseline), the row `pi` compares
 * with; then `pi` without registered IRQs, entered on the CPU side alone,
 * the descriptor read from the vCPU's VMCS; virtual interrupts posted into
 * it (selftest virq) while the vCPU runs, then while it waits in HLT
 * (kvm_vcpu_wake_up); an assigned IRQ (the test MSI, bound as VFIO binds
 * one) refused, naming only what posting an IRQ lacks here (the IOMMU).
 */
static void pi_part(struct batch *b, int *nb, unsigned int count)
{
	struct xl_ioc_why w = { .size = sizeof(w) };
	struct kvm_enable_cap halt_poll = { .cap = KVM_CAP_HALT_POLL };
	uint64_t virqs, injected, notified, woken;
	unsigned int irq = 0, cpu = 99;
	int ret;

	reset_counts();
	b[*nb].name = "apicv-msi";
	run_batch(&b[(*nb)++], SEND_KVM_MSI, count, VEC_ELI_GUEST, 0);

	ret = set_mode(XL_IOC_MODE_PI);
	if (ret)
		ioctl(xl_fd, XL_IOC_WHY, &w);
	report_named(!ret, "pi-mode-set", "%s%s%s", ret ? strerror(-ret) : "ok",
	       ret ? ": " : "", ret ? w.text : "");
	if (ret)
		return;
	usleep(200000);	/* entries meanwhile: the descriptor is read */
	report_named(hooks_line("pi_desc")[0] && !hooks_num("pi_bad_desc"),
	       "pi-desc-from-vmcs", "%s", hooks_line("pi_desc"));
	virqs = hooks_num("pi_virqs");
	injected = hooks_num("pi_injected");
	notified = hooks_num("pi_notified");
	reset_counts();
	b[*nb].name = "pi-virq";
	run_batch(&b[(*nb)++], SEND_VIRQ, count, VEC_ELI_GUEST, VEC_ELI_GUEST);
	report_named(hooks_num("pi_virqs") - virqs == count &&
	       hooks_num("pi_injected") == injected &&
	       hooks_num("pi_notified") > notified, "pi-virq-posted",
	       "posted +%llu, notified +%llu, injected by KVM instead +%llu",
	       (unsigned long long)(hooks_num("pi_virqs") - virqs),
	       (unsigned long long)(hooks_num("pi_notified") - notified),
	       (unsigned long long)(hooks_num("pi_injected") - injected));
	show_hooks("pi-virq-done");
	/*
	 * No halt polling for this VM (KVM_CAP_HALT_POLL 0): a halted vCPU
	 * sleeps at once, so the interrupts find it asleep and only the
	 * poster's kvm_vcpu_wake_up() can wake it; with polling KVM would
	 * mostly find ON itself while it polls.
	 */
	ret = ioctl(vm_fd, KVM_ENABLE_CAP, &halt_poll) ? -errno : 0;
	report_named(!ret, "pi-halt-polling-off", "%s", ret ? strerror(-ret) : "ok");
	woken = hooks_num("pi_woken");
	b[*nb].name = "pi-virq-halted";
	halted_batch(&b[(*nb)++], SEND_VIRQ, count);
	report_named(hooks_num("pi_woken") > woken, "pi-wakes-halted-vcpu",
	       "kvm_vcpu_wake_up woke it for +%llu of %u",
	       (unsigned long long)(hooks_num("pi_woken") - woken),
	       b[*nb - 1].sent);

	/* XL_PI_NO_BYPASS=REASON: no irqfd gets the test MSI here (6.12) */
	if (getenv("XL_PI_NO_BYPASS"))
		report_skip("pi-irq-refused-names-iommu-only", "%s",
			    getenv("XL_PI_NO_BYPASS"));
	else if (!testmsi_bind("pi-test-msi", &irq, &cpu)) {
		ret = irqs_ioctl(XL_IOC_REGISTER_IRQS, irq);
		memset(w.text, 0, sizeof(w.text));
		ioctl(xl_fd, XL_IOC_WHY, &w);
		report_named(ret == -EOPNOTSUPP &&
		       strstr(w.text, "IOMMU lacks posted interrupts") &&
		       !strstr(w.text, "CPU") && !strstr(w.text, "APICv") &&
		       !strstr(w.text, "hooks=0"),
		       "pi-irq-refused-names-iommu-only", "%s: %s",
		       ret ? strerror(-ret) : "accepted", w.text);
	}
	ret = set_mode(XL_IOC_MODE_BASELINE);
	report_named(!ret && !strstr(hooks_line("pi_mode"), "pi_mode 1"),
	       "pi-back-to-baseline", "%s: %s", ret ? strerror(-ret) : "ok",
	       hooks_line("pi_mode"));
}

/* One GCMD_* for the guest; 0 once it completed, -1 on a timeout. */
static int guest_cmd(uint64_t cmd, double tmo)
{
	uint64_t done = U64(D_CMD_DONE);
	double end = now() + tmo;

	U64(D_CMD) = cmd;
	while (U64(D_CMD_DONE) == done) {
		if (vcpu_done || now() > end)
			return -1;
		sched_yield();
	}
	return 0;
}

/* The registration VMCALL at CPL 0 with RBX = @gva: what RAX came back. */
static int64_t guest_hc(uint64_t nr, uint64_t gva)
{
	U64(D_ARG0) = nr;
	U64(D_ARG1) = gva;
	U64(D_RES) = 0x5a5a;
	if (guest_cmd(GCMD_HC, 10.0))
		return INT64_MIN;
	return (int64_t)U64(D_RES);
}

/* "WARNING:" lines in the kernel log (klogctl, as dmesg reads it). */
static int kernel_warnings(void)
{
	static char buf[1 << 20];
	int n = klogctl(3, buf, sizeof(buf) - 1), c = 0;	/* READ_ALL */
	char *p = buf;

	if (n < 0)
		return -1;
	buf[n] = 0;
	while ((p = strstr(p, "WARNING:"))) {
		c++;
		p++;
	}
	return c;
}

static int page_is(unsigned int gpa, uint8_t byte)
{
	int i;

	for (i = 0; i < 4096; i++)
		if (mem[gpa + i] != byte)
			return 0;
	return 1;
}


/* Interrupts the guest's stubs counted at vectors it never uses. */
static uint64_t foreign_counts(void)
{
	uint64_t n = 0;
	int v;

	for (v = 0x20; v < 256; v++)
		if (v != VEC_ELI_GUEST && v != VEC_MSI_GUEST &&
		    v != VEC_MSI_GUEST2)
			n += COUNT(v);
	return n;
}

/* Wait up to @tmo seconds for vCPU 0 in direct mode; 1 when it is. */
static int wait_direct(double tmo)
{
	double end = now() + tmo;

	while (now() < end) {
		if (strstr(hooks_line("vcpu 0 sidt_state"),
			   "sidt_state 1 eli_off 0"))
			return 1;
		usleep(20000);
	}
	return 0;
}

/* What a hostile part must leave as it was: the host's side of things. */
struct host_side {
	int warnings;		/* WARNING lines in the kernel log */
	uint64_t foreign;	/* host interrupts the guest counted */
	uint64_t ticks;		/* host timer interrupts of the vCPU's CPU */
};

static void host_side_take(struct host_side *h)
{
	h->warnings = kernel_warnings();
	h->foreign = foreign_counts();
	h->ticks = host_loc(0);
}

/*
 * PREFIX-host-interrupts-stay: the guest took none of the host's
 * interrupts and the host timer of the vCPU's CPU kept ticking over the
 * @secs the attack lasted; PREFIX-no-host-warning.
 */
static void host_side_check(const struct host_side *h, const char *prefix,
			    double secs)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-host-interrupts-stay", prefix);
	report_named(foreign_counts() == h->foreign && host_loc(0) > h->ticks + 2,
	       name, "guest took %llu host interrupts; host timer on the vCPU's CPU +%llu in %.1f s",
	       (unsigned long long)(foreign_counts() - h->foreign),
	       (unsigned long long)(host_loc(0) - h->ticks), secs);
	snprintf(name, sizeof(name), "%s-no-host-warning", prefix);
	report_named(kernel_warnings() == h->warnings, name, "%d new WARNING lines",
	       kernel_warnings() - h->warnings);
}

/*
 * While vCPU 0 is in direct mode its VMM gives it KVM_SET_SREGS with the
 * guest's own IDTR (a reset, loadvm, incoming migration): KVM writes that
 * into the VMCS behind exitless. Host interrupts must not reach the
 * guest's IDT with external-interrupt exiting off: the host timer of the
 * vCPU's CPU keeps ticking, the guest counts none of them, exitless
 * counts the rewrite and the vCPU is direct again after it.
 */
static void hostile_sregs(void)
{
	struct host_side hs;
	uint64_t rw0, s0;
	double t0;
	int ok;

	ok = wait_direct(2.0);
	report_named(ok, "hostile-sregs-direct-before", "%s",
	       hooks_line("vcpu 0 sidt_state"));
	if (!ok)
		return;
	host_side_take(&hs);
	rw0 = hooks_num("vmcs_rewrites");
	t0 = now();
	sregs_req = 1;
	pthread_kill(vcpus[0].th, SIGUSR1);
	usleep(1000000);
	s0 = U64(D_SPIN);
	usleep(100000);
	report_named(!sregs_req && !strcmp(sregs_why, "ok") && !vcpu_done &&
	       U64(D_SPIN) > s0, "hostile-sregs-guest-runs", "%s; %s",
	       sregs_req ? "request not taken" : sregs_why,
	       vcpu_done ? vcpu_why : "vCPU runs");
	report_named(hooks_num("vmcs_rewrites") > rw0,
	       "hostile-sregs-rewrite-counted", "vmcs_rewrites +%llu",
	       (unsigned long long)(hooks_num("vmcs_rewrites") - rw0));
	report_named(wait_direct(2.0), "hostile-sregs-direct-again", "%s",
	       hooks_line("vcpu 0 sidt_state"));
	host_side_check(&hs, "hostile-sregs", now() - t0);
	show_hooks("hostile-sregs");
}

/*
 * The guest kernel writes its own present gates over every external
 * vector of its shadow IDT, again and again with interrupts on: the host
 * timer, IPIs and every other host vector would then run the guest's
 * handlers, which EOI them. The page is write-protected: each write is
 * undone before the guest runs on, the guest never counts a host
 * interrupt, the host timer ticks, and the writes are counted.
 */
static void hostile_shadow(void)
{
	uint64_t gw0, rounds = 40;
	int ret, v, present = 0;
	struct host_side hs;
	double t0, secs;

	if (!wait_direct(2.0)) {
		report_named(0, "hostile-shadow-direct-before", "%s",
		       hooks_line("vcpu 0 sidt_state"));
		return;
	}
	host_side_take(&hs);
	gw0 = hooks_num("shadow_guest_writes");
	U64(D_ARG0) = rounds;
	t0 = now();
	ret = guest_cmd(GCMD_SHADOW, 120.0);
	secs = now() - t0;
	for (v = 0x20; v < 256; v++)
		if (v != 0x80 && (mem[SHADOW + v * 16 + 5] & 0x80))
			present++;
	report_named(!ret, "hostile-shadow-guest-wrote",
	       "%s; %llu rounds of 448 stores in %.1f s",
	       ret ? "guest did not come back" : "ok",
	       (unsigned long long)rounds, secs);
	report_named(!present, "hostile-shadow-gates-stay-not-present",
	       "%d of the 223 external gates (0x80 is the guest's) present after the guest's writes",
	       present);
	report_named(hooks_num("shadow_guest_writes") - gw0 >= rounds * 448,
	       "hostile-shadow-writes-counted",
	       "shadow_guest_writes +%llu (want >= %llu); %s",
	       (unsigned long long)(hooks_num("shadow_guest_writes") - gw0),
	       (unsigned long long)rounds * 448,
	       hooks_line("shadow_write_protected"));
	report_named(wait_direct(2.0), "hostile-shadow-direct-after", "%s",
	       hooks_line("vcpu 0 sidt_state"));
	host_side_check(&hs, "hostile-shadow", secs);
	show_hooks("hostile-shadow");
}

/*
 * The guest kernel maps another frame of its own at the shadow IDT's
 * linear address (its page tables are its own): PD[0]'s 2 MiB page
 * becomes a page table that maps every 4 KiB page where it was, except
 * SHADOW's, which now shows FOREIGN, a copy of the guest's IDT with every
 * gate present; then the guest keeps writing its own gates there through
 * that address (GCMD_SHADOW), so a repair of what the address shows does
 * not last. The host must not deliver its interrupts through that:
 * nothing of the host's reaches the guest, the host timer ticks on,
 * exitless counts the walks that found the address elsewhere, and once
 * the mapping is back the vCPU is direct again.
 */
/*
 * REMAP_PT: a page table for 0-2 MiB that maps every 4 KiB page where
 * PD[0]'s 2 MiB page has it, except SHADOW's, which shows FOREIGN, a copy
 * of the guest's IDT with every gate present.
 */
static void remap_pt_fill(void)
{
	uint64_t *pt = (uint64_t *)(mem + REMAP_PT);
	int i;

	/* SDM vol.3 4.5, table 4-19: a PTE is P 0, R/W 1, frame 51:12 */
	for (i = 0; i < 512; i++)
		pt[i] = (uint64_t)i << 12 | 3;
	pt[SHADOW >> 12] = FOREIGN | 3;
	memcpy(mem + FOREIGN, mem + IDT, 4096);
}

static void hostile_remap(void)
{
	struct host_side hs;
	double t0, secs;
	uint64_t un0;
	int ret;

	if (!wait_direct(2.0)) {
		report_named(0, "hostile-remap-direct-before", "%s",
		       hooks_line("vcpu 0 sidt_state"));
		return;
	}
	remap_pt_fill();
	host_side_take(&hs);
	un0 = hooks_num("shadow_unmapped");
	t0 = now();
	U64(D_ARG0) = REMAP_PT | 3;
	ret = guest_cmd(GCMD_SETPDE, 5.0);
	/* ~1 s of Bochs: many host timer periods (a few ms each) */
	U64(D_ARG0) = 200000;
	ret = ret ?: guest_cmd(GCMD_SHADOW, 120.0);
	U64(D_ARG0) = 0x83;
	ret = ret ?: guest_cmd(GCMD_SETPDE, 5.0);
	secs = now() - t0;
	report_named(!ret, "hostile-remap-guest-remapped", "%s; %.1f s",
	       ret ? "guest did not come back" : "ok", secs);
	report_named(hooks_num("shadow_unmapped") > un0, "hostile-remap-seen",
	       "shadow_unmapped +%llu; %s",
	       (unsigned long long)(hooks_num("shadow_unmapped") - un0),
	       hooks_line("shadow_path_pages"));
	host_side_check(&hs, "hostile-remap", secs);
	report_named(wait_direct(2.0), "hostile-remap-direct-after", "%s",
	       hooks_line("vcpu 0 sidt_state"));
	show_hooks("hostile-remap");
}

/*
 * The same foreign frame at the shadow IDT's address, reached the other
 * way: the guest loads CR3 with a hierarchy of its own (ALT_PML4, never
 * walked by exitless, its pages not write-tracked) whose 0-2 MiB go
 * through REMAP_PT, spins there with interrupts on, and loads its old CR3
 * again, round after round. A MOV to CR3 needs no exit of its own, so
 * unless exitless sees each load the vCPU runs with the foreign gates
 * until its next exit. The host must not deliver its interrupts through
 * them: nothing of the host's reaches the guest, the host timer ticks on,
 * each load is counted, and the vCPU is direct again afterwards.
 */
static void hostile_cr3(void)
{
	uint64_t un0, loads0, rounds = 40;
	struct host_side hs;
	double t0, secs;
	int ret;

	if (!wait_direct(2.0)) {
		report_named(0, "hostile-cr3-direct-before", "%s",
		       hooks_line("vcpu 0 sidt_state"));
		return;
	}
	remap_pt_fill();
	memcpy(mem + ALT_PML4, mem + PML4, 4096);
	memcpy(mem + ALT_PDPT, mem + PDPT, 4096);
	memcpy(mem + ALT_PD, mem + PD, 4096);
	*(uint64_t *)(mem + ALT_PML4) = ALT_PDPT | 7;
	*(uint64_t *)(mem + ALT_PDPT) = ALT_PD | 7;
	*(uint64_t *)(mem + ALT_PD) = REMAP_PT | 3;
	host_side_take(&hs);
	un0 = hooks_num("shadow_unmapped");
	loads0 = hooks_num("cr3_loads");
	U64(D_ARG0) = rounds;
	U64(D_ARG1) = ALT_PML4;
	/*
	 * A round: about a guard period (guard_us) on the foreign tables,
	 * long enough for a host timer tick to fall in it now and then,
	 * then several ticks on its own, for the vCPU to be direct again
	 */
	U64(D_ARG2) = 1000000;
	t0 = now();
	ret = guest_cmd(GCMD_CR3SWAP, 300.0);
	secs = now() - t0;
	report_named(!ret, "hostile-cr3-guest-swapped", "%s; %llu rounds in %.1f s",
	       ret ? "guest did not come back" : "ok",
	       (unsigned long long)rounds, secs);
	report_named(hooks_num("cr3_loads") > loads0, "hostile-cr3-loads-seen", "cr3_loads +%llu, shadow_unmapped +%llu",
	       (unsigned long long)(hooks_num("cr3_loads") - loads0),
	       (unsigned long long)(hooks_num("shadow_unmapped") - un0));
	host_side_check(&hs, "hostile-cr3", secs);
	report_named(wait_direct(2.0), "hostile-cr3-direct-after", "%s",
	       hooks_line("vcpu 0 sidt_state"));
	show_hooks("hostile-cr3");
}

/*
 * A hostile guest (DESIGN.md, safety rules). The registration hypercall:
 * from CPL 3 against a guest-kernel page (refused, the page unchanged),
 * at CPL 0 with pages the host must not write (not mapped, read-only,
 * not guest RAM), unregistering and registering again; every refusal
 * counted. Then, in eli with the vCPU in direct mode, CPL-3 code running
 * SGDT, SIDT, SLDT and STR in a loop with CR4.UMIP clear: the guest gets
 * its own descriptor-table registers (not the shadow IDT's), the host no
 * WARNING (KVM's handle_desc warns when it emulates them without UMIP)
 * and the vCPU stays in direct mode.
 */
static void hostile_part(void)
{
	uint64_t err0, hc0, lidt0, iter = 50;
	int64_t r, ro, unm, nram, unreg, again;
	const char *st;
	int w0, w1, ret;
	char vc[256];

	err0 = hooks_num("hypercall_errors");
	hc0 = hooks_num("hypercalls");
	memset(mem + VICTIM, 0xa5, 4096);
	UD64(U_OP) = 1;
	UD64(U_ARG) = VICTIM;
	UD64(U_HC_RET) = 0x5a5a;
	ret = guest_cmd(GCMD_USER, 10.0);
	r = (int64_t)UD64(U_HC_RET);
	report_named(!ret && r == -EPERM && page_is(VICTIM, 0xa5),
	       "hostile-hc-from-cpl3-refused",
	       "%s; VMCALL from CPL 3 with a kernel page returned %lld, the page %s",
	       ret ? "guest did not come back" : "ok", (long long)r,
	       page_is(VICTIM, 0xa5) ? "unchanged" :
	       page_is(VICTIM, 0) ? "ZEROED" : "CHANGED");

	memset(mem + VICTIM, 0xa5, 4096);
	unm = guest_hc(XL_HC_SHADOW_IDT, UNMAPPED);
	ro = guest_hc(XL_HC_SHADOW_IDT, RO_ALIAS + VICTIM);
	nram = guest_hc(XL_HC_SHADOW_IDT, NOT_RAM);
	report_named(unm == -EFAULT && ro == -EFAULT && nram == -EFAULT &&
	       page_is(VICTIM, 0xa5), "hostile-hc-page-validated",
	       "not mapped %lld, read-only %lld, not guest RAM %lld (want -%d each); read-only page %s",
	       (long long)unm, (long long)ro, (long long)nram, EFAULT,
	       page_is(VICTIM, 0xa5) ? "unchanged" : "CHANGED");
	unreg = guest_hc(XL_HC_SHADOW_IDT_RELEASE, 0);
	st = hooks_line("shadow_gva");
	report_named(unreg == 0 && strstr(st, "shadow_gva 0x0 "),
	       "hostile-hc-unregister", "returned %lld: %.200s",
	       (long long)unreg, st);
	again = guest_hc(XL_HC_SHADOW_IDT, SHADOW);
	report_named(again == 0 && strstr(hooks_line("shadow_gva"), "shadow_gva 0x6000 "),
	       "hostile-hc-register-again", "returned %lld", (long long)again);
	report_named(hooks_num("hypercall_errors") - err0 == 4 &&
	       hooks_num("hypercalls") - hc0 == 6, "hostile-hc-errors-counted",
	       "hypercalls +%llu, errors +%llu (want 6 and 4)",
	       (unsigned long long)(hooks_num("hypercalls") - hc0),
	       (unsigned long long)(hooks_num("hypercall_errors") - err0));

	ret = set_mode(XL_IOC_MODE_ELI);
	report_named(!ret, "hostile-eli-mode-set", "%s", ret ? strerror(-ret) : "ok");
	if (ret)
		return;
	/* a refusal of the engine names its check (include/xl_err.h) */
	ret = selftest("own %llu 7", (unsigned long long)vm_id);
	st = hooks_line("last_failed_check");
	report_named(ret == -EINVAL &&
	       strstr(st, "last_engine_error -22 last_failed_check xl_engine_own: vector not in 32-255"),
	       "engine-error-names-check", "own vector 7: %s;%s",
	       ret ? strerror(-ret) : "ACCEPTED", st);
	usleep(200000);
	snprintf(vc, sizeof(vc), "%s", hooks_line("vcpu 0 sidt_state"));
	report_named(strstr(vc, "sidt_state 1 eli_off 0") != NULL,
	       "hostile-direct-before-desc", "%s", vc);
	w0 = kernel_warnings();
	lidt0 = hooks_num("lidt_disables");
	UD64(U_OP) = 2;
	UD64(U_ITER) = iter;
	memset(mem + UDATA + U_SGDT, 0, 0x40);
	ret = guest_cmd(GCMD_USER, 30.0);
	w1 = kernel_warnings();
	report_named(!ret && *(uint16_t *)(mem + UDATA + U_SGDT) == 8 * 8 - 1 &&
	       *(uint64_t *)(mem + UDATA + U_SGDT + 2) == GDT &&
	       *(uint16_t *)(mem + UDATA + U_SIDT) == 256 * 16 - 1 &&
	       *(uint64_t *)(mem + UDATA + U_SIDT + 2) == IDT &&
	       *(uint16_t *)(mem + UDATA + U_SLDT_M) == 0 &&
	       *(uint16_t *)(mem + UDATA + U_STR_M) == TR_SEL &&
	       UD64(U_SLDT_R) == 0 && UD64(U_STR_R) == TR_SEL,
	       "hostile-desc-cpl3-values",
	       "%s; sgdt %#x/%#llx sidt %#x/%#llx sldt %#x str %#x, to a register: %#llx %#llx",
	       ret ? "guest did not come back" : "ok",
	       *(uint16_t *)(mem + UDATA + U_SGDT),
	       (unsigned long long)*(uint64_t *)(mem + UDATA + U_SGDT + 2),
	       *(uint16_t *)(mem + UDATA + U_SIDT),
	       (unsigned long long)*(uint64_t *)(mem + UDATA + U_SIDT + 2),
	       *(uint16_t *)(mem + UDATA + U_SLDT_M),
	       *(uint16_t *)(mem + UDATA + U_STR_M),
	       (unsigned long long)UD64(U_SLDT_R),
	       (unsigned long long)UD64(U_STR_R));
	report_named(w0 >= 0 && w1 == w0, "hostile-desc-no-host-warning",
	       "%d new WARNING lines in the kernel log after %llu x SGDT, SIDT, SLDT, STR (x2) at CPL 3",
	       w1 - w0, (unsigned long long)iter);
	snprintf(vc, sizeof(vc), "%s", hooks_line("vcpu 0 sidt_state"));
	report_named(strstr(vc, "sidt_state 1 eli_off 0") &&
	       hooks_num("lidt_disables") == lidt0,
	       "hostile-desc-eli-stays-on", "%s; lidt_disables +%llu", vc,
	       (unsigned long long)(hooks_num("lidt_disables") - lidt0));
	show_hooks("hostile-desc");
	hostile_sregs();
	hostile_shadow();
	hostile_remap();
	hostile_cr3();
}

/*
 * The running guest beside which the ioctl fuzzer (xl-kmodtest fuzz ...
 * PID:FD) works, for up to @secs seconds or until /tmp/fuzzhold.stop
 * exists: this session keeps the VM attached (the fuzzer's sessions get
 * EBUSY for it, and attach, detach, set modes and register IRQs on their
 * own VMs meanwhile, through the same hooks), switches it between eli and
 * did every 100 ms and has the guest register its shadow page again each
 * time. At the end: the guest ran all along, and how many turns found
 * the vCPU in direct mode; then it detaches with the vCPU running.
 */
static int fuzz_hold(int secs)
{
	double end = now() + secs;
	uint64_t s0, turns = 0, direct = 0, modes = 0;
	int ret;

	printf("XLINFO fuzzhold pid %d vm_fd %d\n", getpid(), vm_fd);
	fflush(stdout);
	while (now() < end && !vcpu_done && access("/tmp/fuzzhold.stop", F_OK)) {
		turns++;
		guest_hc(XL_HC_SHADOW_IDT, SHADOW);
		if (!set_mode(turns % 2 ? XL_IOC_MODE_ELI : XL_IOC_MODE_DID))
			modes++;
		usleep(100000);
		if (strstr(hooks_line("vcpu 0 sidt_state"), "sidt_state 1 "))
			direct++;
	}
	s0 = U64(D_SPIN);
	usleep(100000);
	report_named(!vcpu_done && U64(D_SPIN) > s0, "fuzzhold-guest-ran", "%s",
	       vcpu_done ? vcpu_why : "still spinning");
	report_named(direct > turns / 2 && modes == turns, "fuzzhold-direct-turns",
	       "%llu turns, %llu mode switches accepted, %llu with the vCPU in direct mode",
	       (unsigned long long)turns, (unsigned long long)modes,
	       (unsigned long long)direct);
	ret = ioctl(xl_fd, XL_IOC_DETACH, 0);
	report_named(!ret, "fuzzhold-detach", "%s", ret ? strerror(errno) : "ok");
	vcpus_stop();
	return report_summary("xl-elitest");
}

/*
 * The test device's interrupts while the vCPU thread is moved to the other
 * CPU before each one (run_batch, move_vcpu): its device and the bind are
 * on CPU 0, so there the vCPU runs in direct mode, on CPU 1 without it,
 * and the move can come while the guest's handler of a directly delivered
 * interrupt has counted it but not yet EOIed it. Then again with the
 * thread back on CPU 0: nothing lost, and no vector class left blocked on
 * either CPU (the second batch would stall).
 */
static void migrating_batches(struct batch *b, unsigned int n)
{
	reset_counts();
	b[0].name = "eli-dev-migrating";
	move_vcpu = 1;
	run_batch(&b[0], SEND_TEST_DEVICE, n, VEC_ELI_GUEST, 0);
	move_vcpu = 0;
	vcpu_to_cpu(0);
	usleep(1000);
	/* a move takes the vCPU out of guest mode: the moves did happen */
	report_named(b[0].exits >= n / 2, "eli-dev-migrating-moved",
	       "%llu exits for %u interrupts, the vCPU thread moved before each",
	       (unsigned long long)b[0].exits, n);
	show_hooks("eli-migrating-done");
	reset_counts();
	b[1].name = "eli-dev-after-migrating";
	run_batch(&b[1], SEND_TEST_DEVICE, n, VEC_ELI_GUEST, 0);
}

/* One KVM_SIGNAL_MSI of @vec to vCPU 0; then, within @tmo s, counted? */
static int msi_counted(unsigned int vec, double tmo)
{
	struct kvm_msi m = { .address_lo = 0xfee00000, .data = vec };
	uint32_t c0 = COUNT(vec);
	double end = now() + tmo;

	if (ioctl(vm_fd, KVM_SIGNAL_MSI, &m) < 0)
		return 0;
	while (now() < end && !vcpu_done && COUNT(vec) == c0)
		usleep(1000);
	return COUNT(vec) == c0 + 1;
}

/* Is this VM still in debugfs exitless/hooks (attached or draining)? */
static int vm_hooked(void)
{
	char key[48];

	snprintf(key, sizeof(key), "vm %llu entries", (unsigned long long)vm_id);
	return hooks_line(key)[0] != 0;
}

/* Attach again, the guest registers, eli, the vCPU in direct mode. */
static int reattach_direct(const char *name)
{
	struct xl_attach at = { .size = sizeof(at), .vm_fd = vm_fd };
	int ok;

	ok = !ioctl(xl_fd, XL_IOC_ATTACH, &at);
	if (ok) {
		vm_id = at.vm_id;
		ok = guest_hc(XL_HC_SHADOW_IDT, SHADOW) == 0 &&
		     !set_mode(XL_IOC_MODE_ELI) && wait_direct(2.0);
	}
	report_named(ok, name, "%s", hooks_line("vcpu 0 sidt_state"));
	return ok;
}

/*
 * Detach must not leave a vCPU with the shadow IDT in its VMCS once the
 * hooks are gone. First with the vCPU halted in KVM (its thread in
 * KVM_RUN, nothing to wake it): detach returns, the VM is kept hooked
 * ("draining"), and when an interrupt wakes the guest it runs on in
 * baseline and the VM is let go. Then with the VM paused (the vCPU thread
 * out of KVM_RUN, as a VMM's pause): detach restores the VMCS from
 * outside and completes; resumed, the guest runs on in baseline. Each
 * time: the guest takes an MSI, the host timer ticks.
 */
/*
 * How long letting a drained VM go may take: it removes the ftrace hooks
 * (RCU-tasks grace periods) and may destroy the VM, 1.4 s on 6.1 and up
 * to 5 s on 6.12 in Bochs.
 */
#define LET_GO_SECONDS 30

/* exitless.ko's reference count (sysfs), or -1 */
static int module_refs(void)
{
	FILE *f = fopen("/sys/module/exitless/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* 1 once the VM is gone (lifetime_destroyed_draining): nothing to detach */
static int vm_gone;

/*
 * The VM destroyed while it drains: detached with its vCPU halted in
 * direct mode, then its thread leaves KVM_RUN without entering the guest
 * (a signal, immediate_exit) and every fd of the VM is closed, as when
 * its VMM is killed. Nothing is left to restore: exitless must let the
 * VM and itself go (KVM 6.7+ gives its page-track notifier a reference
 * on the VM of its own, which must not keep the drain waiting).
 */
static void lifetime_destroyed_draining(void)
{
	double t0, end;
	int ret;

	if (vcpu_done || !reattach_direct("lifetime-destroy-reattach-direct"))
		return;
	U64(D_HALT) = 1;
	usleep(300000);
	ret = ioctl(xl_fd, XL_IOC_DETACH, 0);
	report_named(!ret && strstr(hooks_line("draining"), "draining 1"),
	       "lifetime-destroy-detach-draining", "%s; %s",
	       ret ? strerror(errno) : "detached", hooks_line("draining"));
	vcpus_stop();
	munmap(vcpus[0].run, ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	close(vcpus[0].fd);
	close(vm_fd);
	vm_gone = 1;
	t0 = now();
	end = t0 + LET_GO_SECONDS;
	while ((vm_hooked() || module_refs() > 1) && now() < end)
		usleep(20000);
	report_named(!vm_hooked() && module_refs() == 1, "lifetime-destroyed-let-go",
	       "%s; module references %d (1: this process's open file); after %.1f s",
	       vm_hooked() ? "STILL HOOKED: the drain waits for a VM that is gone" :
	       "hooks released", module_refs(), now() - t0);
}

static void lifetime_part(void)
{
	uint64_t s0, l0;
	double end;
	int ret, ok;

	struct xl_version v = { .size = sizeof(v) };

	ret = ioctl(xl_fd, XL_IOC_VERSION, &v);
	report_named(!ret && v.modes == (1u << XL_IOC_MODE_BASELINE |
				   1u << XL_IOC_MODE_ELI |
				   1u << XL_IOC_MODE_DID),
	       "version-modes-baseline-eli-did", "modes 0x%x (no posted interrupts here)",
	       v.modes);
	ret = set_mode(XL_IOC_MODE_ELI);
	report_named(!ret && wait_direct(2.0), "lifetime-direct", "%s",
	       hooks_line("vcpu 0 sidt_state"));
	U64(D_HALT) = 1;
	usleep(300000);
	s0 = U64(D_SPIN);
	usleep(200000);
	report_named(U64(D_SPIN) == s0, "lifetime-guest-halted", "spin +%llu",
	       (unsigned long long)(U64(D_SPIN) - s0));
	ret = ioctl(xl_fd, XL_IOC_DETACH, 0);
	report_named(!ret && strstr(hooks_line("draining"), "draining 1"),
	       "lifetime-halted-detach-draining", "%s; %s",
	       ret ? strerror(errno) : "detached", hooks_line("draining"));
	l0 = host_loc(0);
	U64(D_HALT) = 0;
	ok = msi_counted(VEC_ELI_GUEST, 2.0);
	s0 = U64(D_SPIN);
	usleep(200000);
	report_named(ok && U64(D_SPIN) > s0 && !vcpu_done,
	       "lifetime-halted-wakes-in-baseline", "MSI %s; %s",
	       ok ? "counted" : "NOT counted",
	       vcpu_done ? vcpu_why : "guest spins");
	end = now() + LET_GO_SECONDS;
	while (vm_hooked() && now() < end)
		usleep(20000);
	report_named(!vm_hooked() && host_loc(0) > l0 + 2, "lifetime-halted-let-go",
	       "%s; host timer on the vCPU's CPU +%llu",
	       vm_hooked() ? "STILL HOOKED" : "hooks released",
	       (unsigned long long)(host_loc(0) - l0));

	if (vcpu_done || !reattach_direct("lifetime-reattach-direct"))
		return;
	vcpu_pause = 1;
	pthread_kill(vcpus[0].th, SIGUSR1);
	end = now() + 2;
	while (!vcpu_paused && now() < end)
		usleep(1000);
	ret = ioctl(xl_fd, XL_IOC_DETACH, 0);
	report_named(vcpu_paused && !ret && !vm_hooked(),
	       "lifetime-paused-detach-complete", "%s; %s; %s",
	       vcpu_paused ? "paused" : "NOT paused",
	       ret ? strerror(errno) : "detached",
	       vm_hooked() ? "still hooked" : "hooks released");
	usleep(200000);
	l0 = host_loc(0);
	vcpu_pause = 0;
	ok = msi_counted(VEC_ELI_GUEST, 2.0);
	s0 = U64(D_SPIN);
	usleep(200000);
	report_named(ok && U64(D_SPIN) > s0 && !vcpu_done && host_loc(0) > l0 + 2,
	       "lifetime-paused-resumes-in-baseline",
	       "MSI %s; %s; host timer +%llu",
	       ok ? "counted" : "NOT counted",
	       vcpu_done ? vcpu_why : "guest spins",
	       (unsigned long long)(host_loc(0) - l0));
	show_hooks("lifetime");
	lifetime_destroyed_draining();
}

/*
 * The "smp" part: two vCPUs, each on its own host CPU, both in direct
 * mode at once (no device binds the engine to one of them).
 */
#define VEC_SMP(i)	(0x54 + (i))	/* MSIs to vCPU i (APIC ID i) */

/* vCPU @i's "vcpu N sidt_state S eli_off E" line of debugfs hooks. */
static const char *vcpu_line(unsigned int i, char *buf, size_t len)
{
	char key[32];

	snprintf(key, sizeof(key), "vcpu %u sidt_state", i);
	snprintf(buf, len, "%s", hooks_line(key));
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* "vcpu N sidt_state 1 eli_off 0" in debugfs: vCPU @i is direct. */
static int vcpu_direct(unsigned int i)
{
	char line[96], want[64];

	snprintf(want, sizeof(want), "vcpu %u sidt_state 1 eli_off 0", i);
	return !!strstr(vcpu_line(i, line, sizeof(line)), want);
}

static int both_direct(double tmo)
{
	double end = now() + tmo;

	while (now() < end && !vcpu_done) {
		if (vcpu_direct(0) && vcpu_direct(1))
			return 1;
		usleep(20000);
	}
	return 0;
}

/* NAME: both vCPUs direct within 3 s, with their debugfs lines. */
static int both_direct_report(const char *name)
{
	char l0s[96], l1s[96];
	int ok = both_direct(3.0);

	report_named(ok, name, "%s /%s", vcpu_line(0, l0s, sizeof(l0s)),
		     vcpu_line(1, l1s, sizeof(l1s)));
	return ok;
}

/*
 * The host's side while the vCPUs run: the shadow page registered again
 * (every vCPU rebuilds its shadow IDT) and the mode switched between eli
 * and did, both at once under both vCPUs; how often both were found in
 * direct mode between two changes.
 */
static volatile int smp_churn_stop;
static unsigned int smp_churn_turns, smp_churn_both;

static void *smp_churn(void *arg)
{
	(void)arg;
	while (!smp_churn_stop && !vcpu_done) {
		smp_churn_turns++;
		guest_hc(XL_HC_SHADOW_IDT, SHADOW);
		set_mode(smp_churn_turns % 2 ? XL_IOC_MODE_DID :
			 XL_IOC_MODE_ELI);
		usleep(20000);
		if (vcpu_direct(0) && vcpu_direct(1))
			smp_churn_both++;
	}
	return NULL;
}

/*
 * MSIs to both vCPUs in turn (KVM_SIGNAL_MSI, x2APIC destination in the
 * address, SDM vol.3 11.11.1) while smp_churn changes what they run
 * with: every one counted once, by its vCPU's vector.
 */
static void smp_batch(unsigned int count)
{
	unsigned int i, sent[2] = { 0 }, lost = 0;
	uint64_t busy0 = hooks_num("build_busy");
	pthread_t th;

	reset_counts();
	smp_churn_stop = 0;
	pthread_create(&th, NULL, smp_churn, NULL);
	for (i = 0; i < count && !vcpu_done; i++) {
		unsigned int c = i & 1;
		struct kvm_msi m = {
			.address_lo = 0xfee00000 | c << 12,
			.data = VEC_SMP(c),
		};
		uint32_t before = COUNT(VEC_SMP(c));

		if (ioctl(vm_fd, KVM_SIGNAL_MSI, &m) < 0)
			break;
		sent[c]++;
		if (wait_count(VEC_SMP(c), before + 1, 2.0) && ++lost >= 3)
			break;
	}
	smp_churn_stop = 1;
	pthread_join(th, NULL);
	set_mode(XL_IOC_MODE_ELI);
	report_named(sent[0] + sent[1] == count && !lost &&
	       COUNT(VEC_SMP(0)) == sent[0] && COUNT(VEC_SMP(1)) == sent[1],
	       "smp-churn-nothing-lost",
	       "vCPU 0 %u sent %u counted, vCPU 1 %u sent %u counted, %u lost; %s",
	       sent[0], COUNT(VEC_SMP(0)), sent[1], COUNT(VEC_SMP(1)), lost,
	       vcpu_done ? vcpu_why : "both run");
	report_named(smp_churn_both > 0, "smp-churn-both-direct",
	       "%u re-registrations and mode switches, both vCPUs direct after %u of them; build_busy +%llu",
	       smp_churn_turns, smp_churn_both,
	       (unsigned long long)(hooks_num("build_busy") - busy0));
}

/* vCPU @i's sregs, read by its own thread (KVM_GET_SREGS); 0 when read. */
static int vcpu_sregs(unsigned int i, struct kvm_sregs *sr)
{
	double end = now() + 2;

	vcpus[i].sregs_get = 1;
	pthread_kill(vcpus[i].th, SIGUSR1);
	while (vcpus[i].sregs_get && now() < end && !vcpu_done)
		usleep(1000);
	*sr = vcpus[i].sregs;
	return vcpus[i].sregs_get ? -1 : 0;
}

/*
 * vCPU 0 sends vCPU 1 INIT and SIPI while both are in direct mode: KVM
 * resets vCPU 1 (its IDTR, its exception bitmap) behind exitless and it
 * runs on in real mode. Host interrupts of its CPU must reach the host
 * (external-interrupt exiting back, the IDTR KVM's), nothing the guest
 * sees is the host's, and vCPU 0 goes on in direct mode.
 */
static void smp_init_sipi(void)
{
	uint64_t rm0 = U64(D_AP_RM), rw0, l0, f0;
	char l1s[96];
	struct kvm_sregs sr;
	int warn0 = kernel_warnings(), ok;
	double t0;

	if (!both_direct_report("smp-initsipi-both-direct-before"))
		return;
	rw0 = hooks_num("vmcs_rewrites");
	f0 = foreign_counts();
	l0 = host_loc(1);
	t0 = now();
	ok = !guest_cmd(GCMD_INITSIPI, 2.0);
	while (ok && U64(D_AP_RM) < rm0 + 1000 && now() < t0 + 5 && !vcpu_done)
		usleep(10000);
	report_named(ok && U64(D_AP_RM) >= rm0 + 1000, "smp-initsipi-ap-restarts",
	       "INIT/SIPI %s; vCPU 1 real-mode loop %llu; %s",
	       ok ? "sent" : "NOT sent",
	       (unsigned long long)(U64(D_AP_RM) - rm0),
	       vcpu_done ? vcpu_why : "both run");
	usleep(500000);
	ok = !vcpu_sregs(1, &sr);
	/* KVM's reset values (SDM vol.3 9.1.1, table 9-1: IDTR 0/0xffff) */
	report_named(ok && !(sr.cr0 & 1) && sr.idt.base == 0 &&
	       sr.idt.limit == 0xffff,
	       "smp-initsipi-kvm-idtr", "%s: CR0 0x%llx IDTR 0x%llx/0x%x (shadow IDT at 0x%x); %s; vmcs_rewrites +%llu",
	       ok ? "read" : "NOT read", (unsigned long long)sr.cr0,
	       (unsigned long long)sr.idt.base, sr.idt.limit, SHADOW,
	       vcpu_line(1, l1s, sizeof(l1s)),
	       (unsigned long long)(hooks_num("vmcs_rewrites") - rw0));
	report_named(!vcpu_direct(1) && foreign_counts() == f0 &&
	       host_loc(1) > l0 + 2, "smp-initsipi-host-interrupts-stay",
	       "vCPU 1 %s; guest took %llu host interrupts; host timer on CPU 1 +%llu in %.1f s",
	       vcpu_direct(1) ? "STILL DIRECT" : "out of direct mode",
	       (unsigned long long)(foreign_counts() - f0),
	       (unsigned long long)(host_loc(1) - l0), now() - t0);
	report_named(kernel_warnings() == warn0, "smp-initsipi-no-host-warning",
	       "%d new WARNING lines", kernel_warnings() - warn0);
}

/*
 * vCPU 1 writes gates of its own, present, into the shadow IDT, round
 * after round, while vCPU 0 runs in direct mode on the other CPU with
 * IF=1. Each write exits and is undone before vCPU 1 runs again
 * (shadow_wp.c); but vCPU 0 reads the same page, and a host interrupt
 * that reaches it between the write landing and its undo would run the
 * guest's stub, which EOIs it on the physical LAPIC: lost to the host.
 * Nothing of the host's may reach the guest, and the host timer of
 * vCPU 0's CPU must keep ticking; meanwhile a sleeper on that CPU makes
 * its timer fire every few tens of microseconds (tick_storm), so a window
 * of the kind is met if there is one.
 */
static volatile int tick_stop, tick_done;
static volatile uint64_t tick_wakeups;

/*
 * Host interrupts for vCPU 0's CPU, many: a thread there that sleeps
 * 20 us at a time, so that CPU's LAPIC timer fires every few tens of
 * microseconds instead of every tick.
 */
static void *tick_storm(void *arg)
{
	struct timespec ts = { .tv_nsec = 20000 };
	cpu_set_t set;

	(void)arg;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	prctl(PR_SET_TIMERSLACK, 1UL);
	while (!tick_stop) {
		nanosleep(&ts, NULL);
		tick_wakeups++;
	}
	tick_done = 1;
	return NULL;
}

static void smp_shadow_race(unsigned int rounds)
{
	uint64_t gw0 = hooks_num("shadow_guest_writes"), d0 = U64(D_AP_SHADOW_DONE);
	struct host_side hs;
	double t0, end;
	pthread_t th;

	if (!both_direct_report("smp-shadow-both-direct-before"))
		return;
	host_side_take(&hs);
	t0 = now();
	end = t0 + 300;
	tick_stop = tick_done = 0;
	tick_wakeups = 0;
	/* detached: a thread whose timer interrupt the guest took sleeps on */
	if (pthread_create(&th, NULL, tick_storm, NULL) == 0)
		pthread_detach(th);
	U64(D_AP_SHADOW) = rounds;
	while (U64(D_AP_SHADOW) && now() < end && !vcpu_done)
		usleep(10000);
	tick_stop = 1;
	while (!tick_done && now() < end + 2)
		usleep(10000);
	report_named(tick_done, "smp-shadow-host-timer-storm",
		     "%llu wakeups of a 20 us sleeper on vCPU 0's CPU; %s",
		     (unsigned long long)tick_wakeups,
		     tick_done ? "it stopped when asked" : "IT SLEEPS ON: its timer interrupt was lost");
	report_named(!U64(D_AP_SHADOW), "smp-shadow-vcpu1-wrote",
		     "%llu rounds of 448 stores in %.1f s; shadow_guest_writes +%llu; %s",
		     (unsigned long long)(U64(D_AP_SHADOW_DONE) - d0),
		     now() - t0,
		     (unsigned long long)(hooks_num("shadow_guest_writes") - gw0),
		     vcpu_done ? vcpu_why : "both run");
	report_named(hooks_num("shadow_write_holds") > 0,
		     "smp-shadow-writes-held",
		     "shadow_write_holds %llu: vCPU 0 out of direct mode while each write landed",
		     (unsigned long long)hooks_num("shadow_write_holds"));
	host_side_check(&hs, "smp-shadow", now() - t0);
	both_direct_report("smp-shadow-both-direct-after");
}

static void smp_part(unsigned int count)
{
	char l0s[96], l1s[96];
	uint64_t s0 = U64(D_AP_SPIN), l0;
	struct kvm_msi m = { .address_lo = 0xfee00000, .data = VEC_SMP(0) };
	unsigned int i, lost = 0;
	int ret, ok;

	ret = set_mode(XL_IOC_MODE_ELI);
	/* arguments are evaluated in no set order: wait first */
	ok = !ret && both_direct(5.0);
	report_named(ok && U64(D_AP_SPIN) > s0,
	       "smp-both-direct", "%s; %s /%s; vCPU 1 spin +%llu",
	       ret ? strerror(-ret) : "eli", vcpu_line(0, l0s, sizeof(l0s)),
	       vcpu_line(1, l1s, sizeof(l1s)),
	       (unsigned long long)(U64(D_AP_SPIN) - s0));
	smp_batch(count / 5 ? count / 5 : 2);
	show_hooks("smp-churn");
	smp_shadow_race(200);
	show_hooks("smp-shadow");
	smp_init_sipi();
	show_hooks("smp-initsipi");
	/* vCPU 0 is not disturbed by vCPU 1's reset */
	reset_counts();
	l0 = host_loc(0);
	for (i = 0; i < 100 && !vcpu_done; i++)
		if (ioctl(vm_fd, KVM_SIGNAL_MSI, &m) < 0 ||
		    wait_count(VEC_SMP(0), i + 1, 2.0))
			lost++;
	report_named(!lost && COUNT(VEC_SMP(0)) == 100 && vcpu_direct(0),
	       "smp-vcpu0-after-initsipi", "100 MSIs, %u lost, %u counted; vCPU 0 %s; host timer on CPU 0 +%llu",
	       lost, COUNT(VEC_SMP(0)),
	       vcpu_direct(0) ? "direct" : "NOT direct",
	       (unsigned long long)(host_loc(0) - l0));
}

/*
 * The mode comparison, the default part: the test device's and KVM's
 * MSIs in baseline, then eli (with the vCPU migrating, paced, injected,
 * halted), did's virtual interrupts, an assigned IRQ, baseline again and
 * the guard against a guest that keeps interrupts off. @variant "nodid"
 * leaves did out, "refused" wants eli and did refused (a module without
 * experimental=1).
 */
static void compare_part(struct batch *b, int *nb, unsigned int count,
			 const char *variant)
{
	int do_did = !variant || strcmp(variant, "nodid");
	int refused = variant && !strcmp(variant, "refused");
	uint64_t g0, g1, f0, f1;
	unsigned int msi_irq;
	int ret, done;

	/* the stand-in for a passthrough device's MSI (kmod/vmx/test_dev.h) */
	ret = selftest("device %llu %u 0", (unsigned long long)vm_id,
		       VEC_ELI_GUEST);
	report_named(!ret, "eli-test-device", "%s", ret ? strerror(-ret) : "ok");
	run_batch(&b[(*nb)++], SEND_TEST_DEVICE, count, VEC_ELI_GUEST, 0);
	reset_counts();
	run_batch(&b[(*nb)++], SEND_KVM_MSI, count, VEC_ELI_GUEST, 0);
	usleep(200000);	/* the same idle time as after the switch to eli */
	show_hooks("baseline-done");

	ret = set_mode(XL_IOC_MODE_ELI);
	if (refused) {
		/* exitless.ko without experimental=1: refused, VM unchanged */
		report_named(ret == -EOPNOTSUPP, "eli-refused-without-experimental",
		       "%s", ret ? strerror(-ret) : "accepted");
		ret = set_mode(XL_IOC_MODE_DID);
		report_named(ret == -EOPNOTSUPP, "did-refused", "%s",
		       ret ? strerror(-ret) : "accepted");
		ret = -1;
	} else {
		report_named(!ret, "eli-mode-set", "%s",
		       ret ? strerror(-ret) : "ok");
	}
	if (!ret) {
		/* let the vCPU pass a few entries: shadow IDT built */
		usleep(200000);
		show_hooks("eli");
		reset_counts();
		run_batch(&b[(*nb)++], SEND_TEST_DEVICE, count, VEC_ELI_GUEST, 0);
		show_hooks("eli-dev-done");
		migrating_batches(&b[*nb], count / 10 ? count / 10 : 1);
		*nb += 2;
		/*
		 * At 1,000 and 10,000 interrupts per second of guest time:
		 * the guard's and the host timer's exits are per second, not
		 * per interrupt, so at low rates they are most of the cost.
		 */
		reset_counts();
		b[*nb].name = "eli-dev-1k";
		pace_us = 1000;
		run_batch(&b[(*nb)++], SEND_TEST_DEVICE, count / 10 ? count / 10 : 1,
			  VEC_ELI_GUEST, 0);
		reset_counts();
		b[*nb].name = "eli-dev-10k";
		pace_us = 100;
		run_batch(&b[(*nb)++], SEND_TEST_DEVICE, count / 10 ? count / 10 : 1,
			  VEC_ELI_GUEST, 0);
		pace_us = 0;
		reset_counts();
		b[*nb].name = "eli-msi-injected";
		run_batch(&b[(*nb)++], SEND_KVM_MSI, count / 10 ? count / 10 : 1,
			  VEC_ELI_GUEST, 0);
		show_hooks("eli-msi-done");
		b[*nb].name = "eli-dev-halted";
		halted_batch(&b[(*nb)++], SEND_TEST_DEVICE, count);

		ret = do_did ? set_mode(XL_IOC_MODE_DID) : -ENOSYS;
		if (do_did)
			report_named(!ret, "did-mode-set", "%s",
			       ret ? strerror(-ret) : "ok");
		if (!ret) {
			/*
			 * Virtual interrupts of the device's guest vector: a
			 * physical IPI of its host vector to the vCPU's CPU
			 * while it runs in direct mode, else injection.
			 */
			usleep(200000);
			reset_counts();
			b[*nb].name = "did-virq";
			run_batch(&b[(*nb)++], SEND_VIRQ, count, VEC_ELI_GUEST,
				  VEC_ELI_GUEST);
			show_hooks("did-done");
			b[*nb].name = "did-virq-halted";
			halted_batch(&b[(*nb)++], SEND_VIRQ, count);
		}

		/* an assigned device's IRQ, bound the way VFIO binds one */
		ret = set_mode(XL_IOC_MODE_ELI);
		report_named(!ret, "eli-mode-set-again", "%s",
		       ret ? strerror(-ret) : "ok");
		msi_irq = ret ? 0 : assigned_irq_part(b, nb, count);

		/* back to baseline: KVM's own VMCS values, its numbers */
		ret = set_mode(XL_IOC_MODE_BASELINE);
		report_named(!ret, "eli-back-to-baseline", "%s",
		       ret ? strerror(-ret) : "ok");
		usleep(200000);
		reset_counts();
		b[*nb].name = "baseline-again-dev";
		run_batch(&b[(*nb)++], SEND_TEST_DEVICE, count, VEC_ELI_GUEST, 0);
		show_hooks("baseline-again");
		if (msi_irq) {
			/* unmapped: its interrupts take VFIO's path again */
			char st[256];

			snprintf(st, sizeof(st), "%s",
				 hooks_line("registered_irqs"));
			report_named(strstr(st, "registered_irqs 1 live 0") &&
			       !hooks_line("assigned irq")[0],
			       "assigned-unmapped-in-baseline", "%s", st);
			reset_counts();
			b[*nb].name = "baseline-irqfd";
			run_batch(&b[(*nb)++], SEND_TEST_MSI, count, VEC_MSI_GUEST2, 0);
		}

		/*
		 * A guest that keeps interrupts off, first under KVM alone
		 * (baseline), then in eli, where the VMX-preemption timer
		 * guard must take the vCPU out of direct mode.
		 */
		ifoff_window("baseline");
		ret = set_mode(XL_IOC_MODE_ELI);
		usleep(200000);
		g0 = hooks_num("guard_strikes");
		f0 = hooks_num("guard_fallbacks");
		done = ifoff_window("eli");
		g1 = hooks_num("guard_strikes");
		f1 = hooks_num("guard_fallbacks");
		show_hooks("ifoff-eli");
		report_named(!ret && done && g1 - g0 >= 4 && f1 - f0 >= 1,
		       "eli-guard-irqs-off-guest",
		       "window %s, guard strikes +%llu, fallbacks +%llu",
		       done ? "completed" : "did not complete",
		       (unsigned long long)(g1 - g0),
		       (unsigned long long)(f1 - f0));
	}
}

static struct batch batches[16] = {
	{ .name = "baseline-dev" }, { .name = "baseline-msi" },
	{ .name = "eli-dev" },
};
static int nr_batches;
static unsigned int batch_count;	/* interrupts per batch (argv[1]) */
static const char *part_arg;		/* argv[2] */
static int hold_secs;			/* fuzzhold's argv[3] */

static void compare_run(void)
{
	compare_part(batches, &nr_batches, batch_count, part_arg);
}

static void pi_run(void)
{
	pi_part(batches, &nr_batches, batch_count);
}

static void smp_run(void)
{
	smp_part(batch_count);
}

static void remap_run(void)
{
	int ret = set_mode(XL_IOC_MODE_ELI);

	report_named(!ret, "remap-eli-mode-set", "%s",
	       ret ? strerror(-ret) : "ok");
	hostile_remap();
	hostile_cr3();
}

/* The guest held running for the ioctl fuzzer; it detaches by itself. */
static void fuzzhold_run(void)
{
	exit(fuzz_hold(hold_secs));
}

/*
 * The parts, by argv[2]. Each runs with the VM attached, its guest
 * registered and spinning, and is followed by the detach; the batches it
 * ran are printed as JSON after the tag @batches, for eli-result.py.
 */
static const struct part {
	const char *name;
	unsigned int vcpus;	/* 2: a second vCPU, on CPU 1 */
	const char *batches;	/* "XLELI", "XLPI" or NULL: not printed */
	void (*run)(void);
} parts[] = {
	{ NULL,		1, "XLELI",	compare_run },
	{ "nodid",	1, "XLELI",	compare_run },
	{ "refused",	1, "XLELI",	compare_run },
	{ "hostile",	1, NULL,	hostile_part },
	{ "lifetime",	1, "XLELI",	lifetime_part },
	{ "smp",	2, NULL,	smp_run },
	{ "remap",	1, NULL,	remap_run },
	{ "pi",		1, "XLPI",	pi_run },
	{ "fuzzhold",	1, NULL,	fuzzhold_run },
};

static const struct part *find_part(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (name == parts[i].name ||
		    (name && parts[i].name && !strcmp(name, parts[i].name)))
			return &parts[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct part *part;
	struct xl_attach at = { .size = sizeof(at) };
	double end;
	int ret, i;
	cpu_set_t set;

	batch_count = argc > 1 ? atoi(argv[1]) : 1000;
	part_arg = argc > 2 ? argv[2] : NULL;
	part = find_part(part_arg);
	if (!part || (part->run == fuzzhold_run && argc < 4)) {
		fprintf(stderr, "usage: xl-elitest [COUNT [nodid|refused|hostile|lifetime|smp|remap|pi|fuzzhold SECONDS]]\n");
		return 2;
	}
	hold_secs = argc > 3 ? atoi(argv[3]) : 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, on_sigusr1);
	CPU_ZERO(&set);
	CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (setup_vm(part->vcpus > 1)) {
		report_named(0, "eli-vm-setup", "%s", strerror(errno));
		return 1;
	}
	xl_fd = open(XL_DEVICE_PATH, O_RDWR);
	at.vm_fd = vm_fd;
	if (xl_fd < 0 || ioctl(xl_fd, XL_IOC_ATTACH, &at)) {
		report_named(0, "eli-attach", "%s", strerror(errno));
		return 1;
	}
	vm_id = at.vm_id;
	report_named(1, "eli-attach", "vm %llu", (unsigned long long)vm_id);
	for (i = 0; i < (int)nr_vcpus; i++)
		pthread_create(&vcpus[i].th, NULL, vcpu_thread, &vcpus[i]);

	/* the guest registered its shadow page and spins */
	end = now() + 20;
	while (!vcpu_done && now() < end && U64(D_SPIN) < 1000)
		usleep(1000);
	report_named(U64(D_SPIN) >= 1000 && !vcpu_done, "eli-guest-spins",
	       "spin %llu %s", (unsigned long long)U64(D_SPIN), vcpu_why);
	if (U64(D_HC_RET) == HC_NOT_RUN)
		report_named(0, "eli-shadow-page-registered",
		       "the guest never ran its registration VMCALL");
	else
		report_named(U64(D_HC_RET) == 0, "eli-shadow-page-registered",
		       "VMCALL returned %lld", (long long)U64(D_HC_RET));
	show_hooks("attached");
	part->run();

	if (vm_gone)
		return report_summary("xl-elitest");
	/* detach with the vCPU still running, then stop it */
	printf("XLINFO detaching\n");
	ret = ioctl(xl_fd, XL_IOC_DETACH, 0);
	show_hooks("detached");
	report_named(!ret, "eli-detach", "%s", ret ? strerror(errno) : "ok");
	vcpus_stop();

	if (part->batches) {
		printf("%s {\"count\":%u,\"batches\":[", part->batches,
		       batch_count);
		for (i = 0; i < nr_batches; i++)
			print_batch(&batches[i], i == nr_batches - 1);
		printf("]}\n");
	}

	/* baseline numbers, handled == sent */
	for (i = 0; i < nr_batches; i++) {
		struct batch *b = &batches[i];
		char n[64];

		snprintf(n, sizeof(n), "%s-handled-eq-sent", b->name);
		report_named(b->sent == b->want && !b->lost &&
		       b->handled == b->sent, n, "sent %u handled %u lost %u",
		       b->sent, b->handled, b->lost);
	}
	printf("XLINFO vcpu: %s\n", vcpu_why[0] ? vcpu_why : "ok");
	return report_summary("xl-elitest");
}
