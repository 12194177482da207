// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-smoke: the smallest useful KVM guest.  Creates a VM with one vCPU in
 * real mode whose code writes "OK\n" to port 0x3f8 and halts, and checks
 * that KVM_RUN returns exactly those three KVM_EXIT_IO exits and then
 * KVM_EXIT_HLT.  Inside Bochs this proves that kvm_intel can enter VMX
 * non-root mode (VMLAUNCH/VMRESUME) and take I/O and HLT exits.
 *
 * Prints "kvm-smoke: PASS ..." or "kvm-smoke: FAIL <why>"; exit 0 on PASS.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_PA	0x1000
#define GUEST_PORT	0x3f8
#define MAX_RUNS	16

static const uint8_t guest_code[] = {
	0xba, 0xf8, 0x03,	/* mov dx, 0x3f8 */
	0xb0, 'O', 0xee,	/* mov al, 'O'; out dx, al */
	0xb0, 'K', 0xee,	/* mov al, 'K'; out dx, al */
	0xb0, '\n', 0xee,	/* mov al, '\n'; out dx, al */
	0xf4,			/* hlt */
};

static int fail(const char *what)
{
	printf("kvm-smoke: FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	char got[8] = { 0 };
	unsigned int nout = 0;
	int kvm, vm, vcpu, mmap_size, i;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return fail("KVM_GET_API_VERSION");
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap guest memory");
	memcpy(mem, guest_code, sizeof(guest_code));
	region.guest_phys_addr = GUEST_PA;
	region.memory_size = 0x1000;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*run))
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_PA;
	regs.rflags = 0x2;	/* bit 1 is reserved and always 1 */
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	for (i = 0; i < MAX_RUNS; i++) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT ||
			    run->io.port != GUEST_PORT || run->io.size != 1 ||
			    nout >= sizeof(got) - 1) {
				printf("kvm-smoke: FAIL unexpected I/O port %#x\n",
				       run->io.port);
				return 1;
			}
			got[nout++] = *((char *)run + run->io.data_offset);
			break;
		case KVM_EXIT_HLT:
			if (strcmp(got, "OK\n") != 0) {
				printf("kvm-smoke: FAIL guest wrote %u bytes, not \"OK\\n\"\n",
				       nout);
				return 1;
			}
			printf("kvm-smoke: PASS guest wrote \"OK\" with %u I/O exits, then HLT\n",
			       nout);
			return 0;
		case KVM_EXIT_FAIL_ENTRY:
			printf("kvm-smoke: FAIL VM entry failed, hardware reason %#llx\n",
			       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return 1;
		default:
			printf("kvm-smoke: FAIL unexpected exit reason %u\n",
			       run->exit_reason);
			return 1;
		}
	}
	printf("kvm-smoke: FAIL no HLT after %d runs\n", MAX_RUNS);
	return 1;
}
