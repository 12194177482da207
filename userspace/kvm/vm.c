// SPDX-License-Identifier: GPL-2.0
/*
 * One KVM VM with one vCPU running the embedded micro-VM guest
 * (microvm/). Creation checks every capability the bench needs before it
 * relies on it, so a host without one gets a clear error, not a failing
 * ioctl halfway through a measurement.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm.h"

#define KICK_SIGNAL	SIGUSR1

extern const uint8_t xl_microvm_image[], xl_microvm_image_end[];

uint64_t xl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int fail(char *err, size_t n, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return ret;
}

struct cap_need {
	long cap;
	const char *name;
	const char *why;
};

static int check_caps(struct xl_vm *vm, const struct xl_vm_opts *o,
		      char *err, size_t n)
{
	const struct cap_need need[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM" },
		{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING", "MSI route" },
		{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI", "msi path" },
		{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD", "irqfd path" },
		{ o->irqchip == XL_IRQCHIP_SPLIT ? KVM_CAP_SPLIT_IRQCHIP :
		  KVM_CAP_IRQCHIP, o->irqchip == XL_IRQCHIP_SPLIT ?
		  "KVM_CAP_SPLIT_IRQCHIP" : "KVM_CAP_IRQCHIP",
		  "in-kernel LAPIC" },
	};
	unsigned int i;
	const long *x;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0)
			return fail(err, n, -EOPNOTSUPP,
				    "KVM on %s lacks %s (needed for %s)",
				    o->dev, need[i].name, need[i].why);
	for (x = o->extra_caps; x && *x >= 0; x++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, *x) <= 0)
			return fail(err, n, -EOPNOTSUPP,
				    "KVM on %s lacks capability %ld (required by --test-require-cap)",
				    o->dev, *x);
	return 0;
}

static int set_cpuid(struct xl_vm *vm, char *err, size_t n)
{
	struct kvm_cpuid2 *c = NULL;
	unsigned int nent = 64, i;
	int r;

	for (;;) {
		free(c);
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return fail(err, n, -ENOMEM, "out of memory");
		c->nent = nent;
		r = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (r == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			r = -errno;
			free(c);
			return fail(err, n, r, "KVM_GET_SUPPORTED_CPUID: %s",
				    strerror(-r));
		}
		nent *= 2;
	}
	/* CPUID.1:EBX[31:24] initial APIC ID: one vCPU, ID 0. */
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ebx &= 0x00ffffff;
	r = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
	free(c);
	if (r)
		return fail(err, n, r, "KVM_SET_CPUID2: %s", strerror(-r));
	return 0;
}

/*
 * Routing table. KVM_SET_GSI_ROUTING replaces the whole table, so with the
 * in-kernel irqchip the default IOAPIC/PIC entries are written back first
 * (as KVM's own default table: GSI 0 goes to IOAPIC pin 2). GSI 24 is an MSI
 * to APIC ID 0 with the irqfd vector (SDM 11.11.1/11.11.2).
 */
static int set_routing(struct xl_vm *vm, char *err, size_t n)
{
	struct kvm_irq_routing *rt;
	struct kvm_irq_routing_entry *e;
	unsigned int k = 0, g;
	int r;

	rt = calloc(1, sizeof(*rt) + 48 * sizeof(rt->entries[0]));
	if (!rt)
		return fail(err, n, -ENOMEM, "out of memory");
	for (g = 0; g < 24 && vm->irqchip == XL_IRQCHIP_KERNEL; g++) {
		e = &rt->entries[k++];
		e->gsi = g;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = g ? g : 2;
	}
	for (g = 0; g < 16 && vm->irqchip == XL_IRQCHIP_KERNEL; g++) {
		if (g == 2)
			continue;
		e = &rt->entries[k++];
		e->gsi = g;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = g < 8 ? KVM_IRQCHIP_PIC_MASTER :
					       KVM_IRQCHIP_PIC_SLAVE;
		e->u.irqchip.pin = g % 8;
	}
	e = &rt->entries[k++];
	e->gsi = XL_GSI_MSI;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = 0xfee00000u;	/* dest ID 0, physical */
	e->u.msi.data = XL_MV_VEC_IRQFD;	/* fixed, edge */
	rt->nr = k;
	r = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, rt) < 0 ? -errno : 0;
	free(rt);
	if (r)
		return fail(err, n, r, "KVM_SET_GSI_ROUTING: %s", strerror(-r));

	vm->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->irqfd < 0)
		return fail(err, n, -errno, "eventfd: %s", strerror(errno));
	{
		struct kvm_irqfd irqfd = { .fd = vm->irqfd,
					   .gsi = XL_GSI_MSI };

		if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
			return fail(err, n, -errno, "KVM_IRQFD: %s",
				    strerror(errno));
	}
	return 0;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int l)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = !l;
	s->g = 1;
}

/* Copy the image in and enter it in 64-bit mode, per microvm/proto.h. */
static int load_guest(struct xl_vm *vm, const struct xl_vm_opts *o,
		      char *err, size_t n)
{
	size_t len = xl_microvm_image_end - xl_microvm_image;
	const struct xl_mv_header *h;
	volatile struct xl_mv_shared *sh;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint64_t lo = XL_MV_LOAD_GPA, hi = XL_MV_LOAD_GPA + XL_MV_IMAGE_MAX;

	if (len < sizeof(*h) || len > XL_MV_IMAGE_MAX)
		return fail(err, n, -EINVAL, "embedded guest image: size %zu",
			    len);
	memcpy(vm->mem + XL_MV_LOAD_GPA, xl_microvm_image, len);
	h = (const struct xl_mv_header *)(vm->mem + XL_MV_LOAD_GPA);
	if (h->magic != XL_MV_MAGIC || h->version != XL_MV_VERSION ||
	    h->entry < lo || h->entry >= hi || h->cr3 < lo || h->cr3 >= hi ||
	    h->cr3 & 0xfff || h->gdt < lo || h->gdt >= hi || h->tss < lo ||
	    h->tss >= hi || h->stack <= lo || h->stack > hi || h->end > hi)
		return fail(err, n, -EINVAL, "embedded guest image: bad header");

	sh = (volatile struct xl_mv_shared *)(vm->mem + XL_MV_SHARED_GPA);
	vm->sh = sh;
	sh->magic = XL_MV_MAGIC;
	sh->cfg_apic = o->apic;
	sh->cfg_ioapic_pin = vm->irqchip == XL_IRQCHIP_KERNEL ?
			     XL_GSI_IOAPIC_PIN : XL_MV_NO_PIN;
	sh->cfg_dest_apic_id = 0;
	sh->cmd = XL_MV_CMD_HALT;
	sh->cmd_seq = 0;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return fail(err, n, -errno, "KVM_GET_SREGS: %s",
			    strerror(errno));
	seg(&sr.cs, XL_MV_SEL_KCODE, 11, 1);	/* code, exec/read, accessed */
	seg(&sr.ds, XL_MV_SEL_KDATA, 3, 0);	/* data, read/write, accessed */
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.base = h->tss;
	sr.tr.limit = 0x67;
	sr.tr.selector = XL_MV_SEL_TSS;
	sr.tr.type = 11;			/* busy 64-bit TSS */
	sr.tr.present = 1;
	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.type = 2;
	sr.ldt.present = 1;
	sr.ldt.unusable = 1;
	sr.gdt.base = h->gdt;
	sr.gdt.limit = XL_MV_GDT_ENTRIES * 8 - 1;
	sr.idt.base = 0;			/* the guest loads its own */
	sr.idt.limit = 0;
	sr.cr3 = h->cr3;
	sr.cr4 = 1u << 5;			/* PAE */
	sr.cr0 = 0x80010033;			/* PG WP NE ET MP PE */
	sr.efer = (1u << 8) | (1u << 10);	/* LME LMA */
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sr) < 0)
		return fail(err, n, -errno, "KVM_SET_SREGS: %s",
			    strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rip = h->entry;
	regs.rsp = h->stack;
	regs.rflags = 2;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return fail(err, n, -errno, "KVM_SET_REGS: %s",
			    strerror(errno));
	return 0;
}

int xl_vm_create(struct xl_vm *vm, const struct xl_vm_opts *o,
		 char *err, size_t n)
{
	int r, msz;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = vm->irqfd = -1;
	vm->irqchip = o->irqchip;
	vm->pin_cpus = o->pin_cpus;
	vm->mem = MAP_FAILED;
	vm->run = MAP_FAILED;

	vm->kvm_fd = open(o->dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		r = -errno;
		return fail(err, n, r == -ENXIO ? -ENODEV : r,
			    "cannot open KVM device %s: %s", o->dev,
			    strerror(-r));
	}
	r = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION)
		return fail(err, n, -ENODEV,
			    "%s is not a KVM device (API version %d)",
			    o->dev, r);
	r = check_caps(vm, o, err, n);
	if (r)
		return r;
	do {
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0)
		return fail(err, n, -errno, "KVM_CREATE_VM: %s",
			    strerror(errno));
	if (o->irqchip == XL_IRQCHIP_SPLIT) {
		struct kvm_enable_cap ec = {
			.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
		};

		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &ec) < 0)
			return fail(err, n, -errno,
				    "KVM_ENABLE_CAP(SPLIT_IRQCHIP): %s",
				    strerror(errno));
	} else if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		return fail(err, n, -errno, "KVM_CREATE_IRQCHIP: %s",
			    strerror(errno));
	}

	vm->mem = mmap(NULL, XL_MV_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		return fail(err, n, -errno, "mmap guest RAM: %s",
			    strerror(errno));
	{
		struct kvm_userspace_memory_region reg = {
			.slot = 0, .guest_phys_addr = 0,
			.memory_size = XL_MV_MEM_SIZE,
			.userspace_addr = (uint64_t)(uintptr_t)vm->mem,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
			return fail(err, n, -errno,
				    "KVM_SET_USER_MEMORY_REGION: %s",
				    strerror(errno));
	}
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return fail(err, n, -errno, "KVM_CREATE_VCPU: %s",
			    strerror(errno));
	msz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (msz < (int)sizeof(struct kvm_run))
		return fail(err, n, -EPROTO, "KVM_GET_VCPU_MMAP_SIZE: %d", msz);
	vm->run_size = msz;
	vm->run = mmap(NULL, msz, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		return fail(err, n, -errno, "mmap kvm_run: %s",
			    strerror(errno));
	r = set_cpuid(vm, err, n);
	if (!r)
		r = set_routing(vm, err, n);
	if (!r)
		r = load_guest(vm, o, err, n);
	return r;
}

static void die_vcpu(struct xl_vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->why, sizeof(vm->why), fmt, ap);
	va_end(ap);
	__atomic_store_n(&vm->dead, 1, __ATOMIC_SEQ_CST);
}

static void handle_io(struct xl_vm *vm)
{
	struct kvm_run *run = vm->run;
	uint32_t v = 0;

	if (run->io.port != XL_MV_PORT_HC ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4) {
		vm->unexpected_io++;
		return;
	}
	memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
	switch (v) {
	case XL_MV_HC_READY:
		__atomic_store_n(&vm->ready, 1, __ATOMIC_SEQ_CST);
		break;
	case XL_MV_HC_FAULT:
		die_vcpu(vm, "guest exception %u (error %#llx) at rip %#llx, cr2 %#llx",
			 vm->sh->exc_vector,
			 (unsigned long long)vm->sh->exc_error,
			 (unsigned long long)vm->sh->exc_rip,
			 (unsigned long long)vm->sh->exc_cr2);
		break;
	default:
		/* XL_MV_HC_SHADOW_IDT and anything newer: not here yet */
		vm->sh->hc_ret = XL_MV_HC_ENOSYS;
		break;
	}
}

static void *vcpu_main(void *arg)
{
	struct xl_vm *vm = arg;

	if (vm->pin_cpus) {
		cpu_set_t cs;

		CPU_ZERO(&cs);
		CPU_SET(1, &cs);
		pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs);
	}
	while (!__atomic_load_n(&vm->stop, __ATOMIC_SEQ_CST) && !vm->dead) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vm->run->immediate_exit = 0;
				continue;
			}
			die_vcpu(vm, "KVM_RUN: %s", strerror(errno));
			break;
		}
		switch (vm->run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(vm);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_HLT:
			die_vcpu(vm, "KVM_EXIT_HLT: hlt left the kernel (no in-kernel LAPIC?)");
			break;
		case KVM_EXIT_SHUTDOWN:
			die_vcpu(vm, "guest triple fault (KVM_EXIT_SHUTDOWN)");
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			die_vcpu(vm, "KVM_EXIT_INTERNAL_ERROR suberror %u",
				 vm->run->internal.suberror);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			die_vcpu(vm, "KVM_EXIT_FAIL_ENTRY reason %#llx",
				 (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_MMIO:
			die_vcpu(vm, "guest touched unbacked memory at %#llx",
				 (unsigned long long)vm->run->mmio.phys_addr);
			break;
		default:
			die_vcpu(vm, "unexpected exit reason %u",
				 vm->run->exit_reason);
			break;
		}
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return -EINTR */
}

int xl_vm_start(struct xl_vm *vm, double timeout_s, char *err, size_t n)
{
	struct sigaction sa;
	uint64_t end;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: KVM_RUN must stop */
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);

	r = pthread_create(&vm->thread, NULL, vcpu_main, vm);
	if (r)
		return fail(err, n, -r, "pthread_create: %s", strerror(r));
	vm->thread_started = true;
	end = xl_now_ns() + (uint64_t)(timeout_s * 1e9);
	while (!__atomic_load_n(&vm->ready, __ATOMIC_SEQ_CST)) {
		if (vm->dead)
			return fail(err, n, -EIO, "guest died while booting: %s",
				    vm->why);
		if (xl_now_ns() > end)
			return fail(err, n, -ETIMEDOUT,
				    "guest not ready after %.1f s (status %u)",
				    timeout_s, vm->sh->status);
		usleep(200);
	}
	return 0;
}

int xl_vm_signal_msi(struct xl_vm *vm, uint32_t vector)
{
	struct kvm_msi m = {
		.address_lo = 0xfee00000u,	/* dest ID 0, physical */
		.data = vector,			/* fixed, edge */
	};

	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &m) < 0 ? -errno : 0;
}

int xl_vm_command(struct xl_vm *vm, uint32_t cmd, double timeout_s,
		  char *err, size_t n)
{
	volatile struct xl_mv_shared *sh = vm->sh;
	uint32_t seq = sh->cmd_seq + 1;
	uint64_t end;

	sh->cmd = cmd;
	__atomic_store_n(&sh->cmd_seq, seq, __ATOMIC_SEQ_CST);
	/* a halted guest only looks at the command word after a wakeup */
	xl_vm_signal_msi(vm, XL_MV_VEC_DOORBELL);
	end = xl_now_ns() + (uint64_t)(timeout_s * 1e9);
	while (__atomic_load_n(&sh->ack_seq, __ATOMIC_SEQ_CST) != seq) {
		if (vm->dead)
			return fail(err, n, -EIO, "guest died: %s", vm->why);
		if (xl_now_ns() > end)
			return fail(err, n, -ETIMEDOUT,
				    "guest did not acknowledge command %u within %.1f s",
				    cmd, timeout_s);
		usleep(50);
	}
	return 0;
}

/* Stop the vCPU thread: it may sit in KVM_RUN with the guest halted. */
static void stop_thread(struct xl_vm *vm)
{
	struct timespec ts;

	__atomic_store_n(&vm->stop, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		if (vm->run != MAP_FAILED)
			__atomic_store_n(&vm->run->immediate_exit, 1,
					 __ATOMIC_SEQ_CST);
		pthread_kill(vm->thread, KICK_SIGNAL);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(vm->thread, NULL, &ts) == 0)
			break;
	}
	vm->thread_started = false;
}

void xl_vm_destroy(struct xl_vm *vm)
{
	if (vm->thread_started)
		stop_thread(vm);
	if (vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->mem != MAP_FAILED)
		munmap(vm->mem, XL_MV_MEM_SIZE);
	if (vm->irqfd >= 0)
		close(vm->irqfd);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->run = MAP_FAILED;
	vm->mem = MAP_FAILED;
	vm->sh = NULL;
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = vm->irqfd = -1;
}
