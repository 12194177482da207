// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-np: a 32-bit protected-mode KVM guest that takes a #NP, the exception
 * of ELI's shadow IDT, for tests/vm/guest/bochs-probe.sh.  The guest loads
 * DS with a not-present data descriptor (GDT entry 3), which raises
 * #NP(0x18) as a fault (SDM vol.3 6.15, "Interrupt 11"); its own IDT gate
 * 11 points to a handler that writes port 0x81 and halts.  Every other
 * gate but 13 (#GP: port 0x83) is a not-present interrupt gate, like the
 * host vectors of ELI's shadow IDT.  What happens
 * tells where the #NP went:
 *   guest      the guest's handler ran (OUT 0x81): #NP not intercepted
 *   exception  KVM_EXIT_EXCEPTION vector 11 error 0x18: someone set bit 11
 *              of the VMCS exception bitmap and KVM's handler saw the exit
 *   skipped    OUT 0x82 after the faulting instruction: the exit was
 *              handled outside KVM, which skipped the 2-byte MOV DS
 * The IDT sits at guest-physical IDT_BASE with limit IDT_LIMIT, values a
 * hook can compare with GUEST_IDTR_BASE/LIMIT in the VMCS.
 *
 * With --loop N the guest instead counts N down with interrupts enabled
 * (EFLAGS.IF = 1) and then writes port 0x85 (outcome "loop-done"): a
 * window in which host interrupts arrive while it runs, for the direct
 * mode of xlprobe (every gate but 11 and 13 of its IDT is not present).
 *
 * usage: kvm-np [--loop N] [guest|exception|skipped|loop-done]
 *        (exit 0 iff the outcome matches)
 * Prints "kvm-np: outcome=... (...)".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE	0x10000
#define CODE		0x1000
#define NP_HANDLER	0x1100
#define GP_HANDLER	0x1200
#define GDT_BASE	0x2000
#define IDT_BASE	0x3000
#define IDT_LIMIT	0x7ff
#define STACK_TOP	0x8000
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_NP		0x18	/* data descriptor with P = 0 */

static const uint8_t code[] = {
	0x66, 0xb8, SEL_NP, 0x00,	/* mov ax, 0x18 */
	0x8e, 0xd8,			/* mov ds, ax   -> #NP(0x18) */
	0xe6, 0x82,			/* out 0x82, al */
	0xf4,				/* hlt */
};
static uint8_t loop_code[] = {
	0xb9, 0, 0, 0, 0,		/* mov ecx, N */
	0x49,				/* 1: dec ecx */
	0x75, 0xfd,			/* jnz 1b */
	0xe6, 0x85,			/* out 0x85, al */
	0xf4,				/* hlt */
};
static const uint8_t np_handler[] = { 0xe6, 0x81, 0xf4 };	/* out 0x81 */
static const uint8_t gp_handler[] = { 0xe6, 0x83, 0xf4 };	/* out 0x83 */

/*
 * 32-bit interrupt gate, DPL 0 (SDM vol.3 6.11, figure 6-2), present or
 * not.  A not-present gate must still be a valid gate type: delivery
 * through an all-zero descriptor raises #GP, not #NP (SDM vol.3 6.15).
 */
static void set_gate(uint8_t *idt, int vec, uint32_t off, int present)
{
	uint64_t g = (off & 0xffffULL) | ((uint64_t)SEL_CODE << 16) |
		     ((present ? 0x8eULL : 0x0eULL) << 40) |
		     ((uint64_t)(off >> 16) << 48);

	memcpy(idt + 8 * vec, &g, 8);
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

static int fail(const char *what)
{
	printf("kvm-np: FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	/* GDT: null, flat code, flat data, flat data with P = 0. */
	static const uint64_t gdt[] = {
		0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL,
		0x00cf12000000ffffULL,
	};
	struct kvm_userspace_memory_region region = { 0 };
	const char *expect = NULL;
	unsigned long loops = 0;
	const char *outcome = "none";
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	char detail[128] = "";
	int kvm, vm, vcpu, sz, i;
	uint8_t *mem;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--loop") && i + 1 < argc) {
			char *end;

			loops = strtoul(argv[++i], &end, 0);
			if (*end || !loops || loops > 0xffffffffUL) {
				printf("kvm-np: bad --loop count\n");
				return 2;
			}
		} else {
			expect = argv[i];
		}
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	if (loops) {
		uint32_t n = loops;

		memcpy(loop_code + 1, &n, 4);
		memcpy(mem + CODE, loop_code, sizeof(loop_code));
	} else {
		memcpy(mem + CODE, code, sizeof(code));
	}
	memcpy(mem + NP_HANDLER, np_handler, sizeof(np_handler));
	memcpy(mem + GP_HANDLER, gp_handler, sizeof(gp_handler));
	memcpy(mem + GDT_BASE, gdt, sizeof(gdt));
	for (i = 0; i < 256; i++)
		set_gate(mem + IDT_BASE, i, 0, 0);
	set_gate(mem + IDT_BASE, 11, NP_HANDLER, 1);
	set_gate(mem + IDT_BASE, 13, GP_HANDLER, 1);
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(*run))
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	flat_seg(&sregs.cs, SEL_CODE, 0xb);	/* execute/read, accessed */
	flat_seg(&sregs.ds, SEL_DATA, 0x3);	/* read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = GDT_BASE;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.idt.base = IDT_BASE;
	sregs.idt.limit = IDT_LIMIT;
	sregs.cr0 = 0x11;			/* PE | ET, no paging */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rsp = STACK_TOP;
	regs.rflags = loops ? 0x202 : 0x2;	/* IF for --loop; bit 1 is fixed */
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	for (i = 0; i < 8 && !strcmp(outcome, "none"); i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == 0x81)
				outcome = "guest";
			else if (run->io.port == 0x82)
				outcome = "skipped";
			else if (run->io.port == 0x83)
				outcome = "guest-gp";
			else if (run->io.port == 0x85)
				outcome = "loop-done";
			else
				outcome = "bad-io";
			snprintf(detail, sizeof(detail), "OUT port %#x",
				 run->io.port);
			break;
		case KVM_EXIT_EXCEPTION:
			outcome = run->ex.exception == 11 &&
				  run->ex.error_code == SEL_NP ?
				  "exception" : "other-exception";
			snprintf(detail, sizeof(detail),
				 "KVM_EXIT_EXCEPTION vector %u error %#x",
				 run->ex.exception,
				 run->ex.error_code);
			break;
		case KVM_EXIT_HLT:
			outcome = "hlt";
			break;
		default:
			outcome = "other-exit";
			snprintf(detail, sizeof(detail), "exit reason %u",
				 run->exit_reason);
			break;
		}
	}
	printf("kvm-np: outcome=%s (%s) idt=%#x/%#x\n", outcome, detail,
	       IDT_BASE, IDT_LIMIT);
	if (expect && strcmp(expect, outcome)) {
		printf("kvm-np: FAIL expected outcome=%s\n", expect);
		return 1;
	}
	return 0;
}
