/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of the micro-VM: platform detection, the KVM binary statistics
 * reader, and one VM with one vCPU running the embedded guest.
 */
#ifndef XL_KVM_H
#define XL_KVM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "../../microvm/proto.h"

/* ---- platform.c ---------------------------------------------------- */

enum xl_platform_kind {
	XL_PLAT_NONE,		/* no /dev/kvm */
	XL_PLAT_SOFTWARE,	/* /dev/kvm without VT-x/SVM (kvm-pvm) */
	XL_PLAT_HARDWARE,	/* KVM on the CPU's VT-x/SVM */
	XL_PLAT_EMULATED,	/* KVM on VT-x/SVM that an emulator provides */
};

struct xl_platform {
	enum xl_platform_kind kind;
	char kernel[128];	/* uname -r */
	char host[65];		/* uname -n (HOST_NAME_MAX + 1) */
	char cpu_model[128];
	bool flag_vmx, flag_svm, flag_hypervisor;
	bool mod_intel, mod_amd, mod_pvm;
	bool kvm_dev;		/* /dev/kvm exists */
	bool exitless_dev;	/* /dev/exitless exists: exitless.ko loaded */
	bool hardware;		/* KVM runs on VT-x or SVM */
	char emulator[32];	/* VT-x/SVM emulated by this ("Bochs"), or "" */
	bool representative;	/* hardware and not emulated: timings mean something */
	char backend[64];	/* "kvm_intel (VT-x)", "kvm-pvm (software)" */
	char line[384];		/* the one-line summary printed first */
};

void xl_platform_detect(struct xl_platform *p);
/* The same, reading /proc, /sys and /dev below @root (tests). */
void xl_platform_detect_at(struct xl_platform *p, const char *root);
/* "none", "software", "hardware", "emulated" */
const char *xl_platform_kind_name(enum xl_platform_kind k);

/* ---- stats.c: KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst 4.133 */

struct xl_stats {
	int fd;
	struct kvm_stats_header hdr;
	size_t desc_size;	/* one descriptor incl. its name */
	char *descs;
	size_t data_words;	/* u64 words in the data block */
};

/* Open the stats of a VM or vCPU fd (KVM_GET_STATS_FD). */
int xl_stats_open(struct xl_stats *s, int kvm_fd);
/*
 * Adopt an existing stats fd (e.g. one borrowed from another process with
 * pidfd_getfd: reads work from any process, KVM ioctls do not). Takes
 * ownership of @stats_fd, also on failure.
 */
int xl_stats_init(struct xl_stats *s, int stats_fd);
void xl_stats_close(struct xl_stats *s);
const struct kvm_stats_desc *xl_stats_desc(const struct xl_stats *s,
					   unsigned int i);
/* Read the whole data block into @buf (data_words u64s). */
int xl_stats_read(const struct xl_stats *s, uint64_t *buf);
/* Descriptor index of scalar stat @name, or -ENOENT. */
int xl_stats_find(const struct xl_stats *s, const char *name);
/* Value of descriptor @i in a data block read by xl_stats_read. */
uint64_t xl_stats_value(const struct xl_stats *s, const uint64_t *buf,
			unsigned int i);
bool xl_stats_is_scalar(const struct kvm_stats_desc *d);
bool xl_stats_is_cumulative(const struct kvm_stats_desc *d);

/* ---- vm.c ------------------------------------------------------------ */

enum xl_irqchip { XL_IRQCHIP_KERNEL, XL_IRQCHIP_SPLIT };

/* GSI numbers the bench routes. */
#define XL_GSI_IOAPIC_PIN	20	/* a free IOAPIC pin (no ISA device) */
#define XL_GSI_MSI		24	/* first GSI past the 24 IOAPIC pins */

struct xl_vm_opts {
	const char *dev;
	enum xl_irqchip irqchip;
	uint32_t apic;		/* XL_MV_APIC_* */
	int pin_cpus;		/* vCPU on CPU 1, caller on CPU 0 */
	const long *extra_caps;	/* test hook: more caps to require, -1 end */
};

struct xl_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	int irqfd;		/* eventfd bound to XL_GSI_MSI, or -1 */
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	volatile struct xl_mv_shared *sh;
	enum xl_irqchip irqchip;
	bool thread_started;
	pthread_t thread;
	int pin_cpus;
	volatile int stop;
	volatile int ready;
	volatile int dead;	/* vCPU thread gave up; reason in why */
	char why[256];
	unsigned long unexpected_io;
};

/*
 * Errors come back as negative errno plus a message in @err. -ENOENT,
 * -EACCES, -ENODEV and -EOPNOTSUPP (missing capability) mean "this host
 * cannot", anything else "it broke".
 */
int xl_vm_create(struct xl_vm *vm, const struct xl_vm_opts *o,
		 char *err, size_t errlen);
int xl_vm_start(struct xl_vm *vm, double timeout_s, char *err,
		size_t errlen);
/* Set the guest's mode and wait for its acknowledgement. */
int xl_vm_command(struct xl_vm *vm, uint32_t cmd, double timeout_s,
		  char *err, size_t errlen);
int xl_vm_signal_msi(struct xl_vm *vm, uint32_t vector);
void xl_vm_destroy(struct xl_vm *vm);

uint64_t xl_now_ns(void);

#endif /* XL_KVM_H */
