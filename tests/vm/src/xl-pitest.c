// SPDX-License-Identifier: GPL-2.0
/*
 * xl-pitest BDF: VM test helper for `pi` mode (tests/vm/guest/pi.sh).
 *
 * Opens the vfio-pci device BDF (already bound, see `exitless assign`),
 * enables all its MSI-X vectors with eventfds so that the host has its
 * vfio-msix IRQs, creates a KVM VM, attaches it to /dev/exitless and
 * registers those host IRQs. Then asks for mode `pi` and checks that the
 * refusal is clean: -EOPNOTSUPP, mode still baseline, IRQs still
 * registered, only mode_rejected moved, the refusal text in debugfs names
 * the IOMMU, and the device's interrupt still reaches the host IRQ and the
 * eventfd (remapped delivery untouched). Prints XLTEST lines (report.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uapi/exitless.h"
#include "report.h"

#define E1000_ICR	0x00c0
#define E1000_ITR	0x00c4
#define E1000_ICS	0x00c8
#define E1000_IMS	0x00d0
#define E1000_IMC	0x00d8
#define E1000_IVAR	0x00e4
#define E1000_EITR(n)	(0x000e8 + 4 * (n))
#define E1000_ICR_OTHER	(1u << 24)
#define E1000_ICR_LSC	(1u << 2)
#define IVAR_ALL0	0x80088888u	/* rx/tx/other causes -> vector 0 */
#define MAXV		8

static int dev = -1;
static uint64_t bar0_off;

static void die(const char *what)
{
	report(false, "%s: %s", what, strerror(errno));
	exit(1);
}

static void bar_write(uint32_t reg, uint32_t val)
{
	if (pwrite(dev, &val, 4, bar0_off + reg) != 4)
		die("bar0 write");
}

static uint32_t bar_read(uint32_t reg)
{
	uint32_t v = 0;

	if (pread(dev, &v, 4, bar0_off + reg) != 4)
		die("bar0 read");
	return v;
}

/* Host IRQ numbers of "vfio-msix[N](BDF)" lines, and their counts. */
static int host_irqs(const char *bdf, uint32_t *irq, uint64_t *cnt, int max)
{
	char line[1024], tag[64];
	FILE *f = fopen("/proc/interrupts", "r");
	int n = 0;

	if (!f)
		return -errno;
	snprintf(tag, sizeof(tag), "(%s)", bdf);
	while (fgets(line, sizeof(line), f) && n < max) {
		char *p = line, *end;
		unsigned long v;
		uint64_t sum = 0;

		if (!strstr(line, "vfio-msix[") || !strstr(line, tag))
			continue;
		v = strtoul(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		p = end + 1;
		for (;;) {
			unsigned long long c = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += c;
			p = end;
		}
		irq[n] = v;
		cnt[n++] = sum;
	}
	fclose(f);
	return n;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int counters(int xl, struct xl_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return xioctl(xl, XL_IOC_COUNTERS, c);
}

static int set_mode(int xl, uint32_t mode)
{
	struct xl_set_mode m = { .size = sizeof(m), .mode = mode };

	return xioctl(xl, XL_IOC_SET_MODE, &m);
}

static int grep_file(const char *path, const char *needle, char *out,
		     size_t len)
{
	char line[2048];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strstr(line, needle)) {
			found = 1;
			snprintf(out, len, "%s", line);
		}
	}
	fclose(f);
	return found;
}

/*
 * xl-pitest BDF GROUP routes: the per-IRQ checks of kmod/pi.c for real.
 * A VM with an in-kernel irqchip and 2 vCPUs gets three MSI routes bound
 * by KVM irqfds to the device's MSI-X vectors 0-2 (VFIO's IRQ-bypass
 * producers connect to them, so KVM counts an assigned device): vector 0
 * physical to APIC 1 (postable), vector 1 logical to 0x3 (multicast),
 * vector 2 to 0xff (broadcast). `pi` must be refused naming IRQs 1 and 2
 * for exactly those reasons, and not IRQ 0, nor a missing irqchip or
 * assigned device.
 */
static int set_routes(int vm)
{
	static const struct { uint32_t dest, logical, vec; } r[3] = {
		{ 1, 0, 0x41 }, { 3, 1, 0x42 }, { 0xff, 0, 0x43 },
	};
	char raw[sizeof(struct kvm_irq_routing) +
		 3 * sizeof(struct kvm_irq_routing_entry)];
	struct kvm_irq_routing *rt = (struct kvm_irq_routing *)raw;
	int i;

	memset(raw, 0, sizeof(raw));
	rt->nr = 3;
	for (i = 0; i < 3; i++) {
		rt->entries[i].gsi = 24 + i;
		rt->entries[i].type = KVM_IRQ_ROUTING_MSI;
		rt->entries[i].u.msi.address_lo = 0xfee00000u |
			r[i].dest << 12 | (r[i].logical ? 1u << 2 : 0);
		rt->entries[i].u.msi.data = r[i].vec;
	}
	return ioctl(vm, KVM_SET_GSI_ROUTING, rt) ? -errno : 0;
}

/* Host IRQ of "vfio-msix[@idx](@bdf)", or 0. */
static uint32_t msix_irq(const char *bdf, int idx)
{
	char line[1024], tag[96];
	FILE *f = fopen("/proc/interrupts", "r");
	uint32_t irq = 0;

	if (!f)
		return 0;
	snprintf(tag, sizeof(tag), "vfio-msix[%d](%s)", idx, bdf);
	while (!irq && fgets(line, sizeof(line), f))
		if (strstr(line, tag))
			irq = strtoul(line, NULL, 10);
	fclose(f);
	return irq;
}

static int routes_test(const char *bdf)
{
	char raw[sizeof(struct vfio_irq_set) + 3 * sizeof(int)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)raw;
	struct xl_attach at = { .size = sizeof(at) };
	struct xl_irqs r = { .size = sizeof(r) };
	struct xl_counters c;
	uint32_t irq[3];
	int kvm, vm, xl, efd[3], i, ret;
	char buf[2048], want[160];

	kvm = open("/dev/kvm", O_RDWR);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	report(!ioctl(vm, KVM_CREATE_IRQCHIP, 0), "routes-irqchip");
	report(ioctl(vm, KVM_CREATE_VCPU, 0) >= 0 &&
	       ioctl(vm, KVM_CREATE_VCPU, 1) >= 0, "routes-2-vcpus");
	report(!set_routes(vm), "routes-gsi-routing");
	memset(raw, 0, sizeof(raw));
	set->argsz = sizeof(raw);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->count = 3;
	for (i = 0; i < 3; i++) {
		struct kvm_irqfd fd = { .gsi = 24 + i };

		efd[i] = eventfd(0, EFD_NONBLOCK);
		fd.fd = efd[i];
		if (ioctl(vm, KVM_IRQFD, &fd))
			die("KVM_IRQFD");
		memcpy(set->data + i * sizeof(int), &efd[i], sizeof(int));
	}
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, set))
		die("VFIO_DEVICE_SET_IRQS MSI-X x3");
	for (i = 0; i < 3; i++)
		irq[i] = msix_irq(bdf, i);
	report(irq[0] && irq[1] && irq[2], "routes-host-irqs: %u %u %u",
	       irq[0], irq[1], irq[2]);
	xl = open(XL_DEVICE_PATH, O_RDWR);
	at.vm_fd = vm;
	report(xl >= 0 && !xioctl(xl, XL_IOC_ATTACH, &at), "routes-attach");
	r.count = 3;
	memcpy(r.irqs, irq, sizeof(irq));
	report(!xioctl(xl, XL_IOC_REGISTER_IRQS, &r), "routes-register");
	ret = set_mode(xl, XL_IOC_MODE_PI);
	report(ret == -EOPNOTSUPP, "routes-pi-refused: %d", ret);
	report(!counters(xl, &c) && c.mode == XL_IOC_MODE_BASELINE &&
	       c.nr_irqs == 3, "routes-mode-stays-baseline");
	if (!grep_file("/sys/kernel/debug/exitless/pi", "last_refusal", buf,
		       sizeof(buf)))
		snprintf(buf, sizeof(buf), "(none)");
	printf("    %s", buf);
	snprintf(want, sizeof(want), "host IRQ %u guest MSI: logical destination (multicast)",
		 irq[1]);
	report(strstr(buf, want) != NULL, "routes-multicast-named");
	snprintf(want, sizeof(want), "host IRQ %u guest MSI: broadcast", irq[2]);
	report(strstr(buf, want) != NULL, "routes-broadcast-named");
	snprintf(want, sizeof(want), "host IRQ %u ", irq[0]);
	report(!strstr(buf, want) && !strstr(buf, "not bound"),
	       "routes-postable-irq-not-blamed");
	report(!strstr(buf, "no device is assigned") &&
	       !strstr(buf, "no in-kernel LAPIC"),
	       "routes-vm-level-ok: irqchip + assigned device seen");
	report(!xioctl(xl, XL_IOC_DETACH, NULL), "routes-detach");
	set->argsz = sizeof(*set);
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->count = 0;
	report(!ioctl(dev, VFIO_DEVICE_SET_IRQS, set), "routes-msix-disabled");
	close(xl);
	close(vm);
	close(kvm);
	return report_summary("xl-pitest");
}

/* What the steps share: the device, its vectors, the VM. */
static struct {
	const char *bdf;
	int container, group, kvm, vm, xl;
	int n, efd[MAXV];
	uint32_t irq[MAXV];
	uint64_t cnt[MAXV];
	struct xl_counters c0;
} t = { .container = -1, .group = -1, .kvm = -1, .vm = -1, .xl = -1 };

/* VFIO_DEVICE_SET_IRQS on MSI-X with @count eventfds (0: all off). */
static int set_msix(int count)
{
	char raw[sizeof(struct vfio_irq_set) + MAXV * sizeof(int)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)raw;

	memset(raw, 0, sizeof(raw));
	set->argsz = sizeof(*set) + count * sizeof(int);
	set->flags = (count ? VFIO_IRQ_SET_DATA_EVENTFD :
			      VFIO_IRQ_SET_DATA_NONE) |
		     VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->count = count;
	memcpy(set->data, t.efd, count * sizeof(int));
	return ioctl(dev, VFIO_DEVICE_SET_IRQS, set);
}

/* The vfio-pci device BDF of IOMMU group @grp: memory and bus master on. */
static void open_device(const char *grp)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	char path[64];
	uint16_t cmd;

	t.container = open("/dev/vfio/vfio", O_RDWR);
	snprintf(path, sizeof(path), "/dev/vfio/%s", grp);
	t.group = open(path, O_RDWR);
	if (t.container < 0 || t.group < 0)
		die("open vfio");
	if (ioctl(t.group, VFIO_GROUP_SET_CONTAINER, &t.container) ||
	    ioctl(t.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("vfio container");
	dev = ioctl(t.group, VFIO_GROUP_GET_DEVICE_FD, t.bdf);
	if (dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("config region");
	if (pread(dev, &cmd, 2, ri.offset + 4) != 2)
		die("config read");
	cmd |= 0x6;	/* memory space + bus master: MSI is a DMA write */
	if (pwrite(dev, &cmd, 2, ri.offset + 4) != 2)
		die("config write");
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("bar0 region");
	bar0_off = ri.offset;
}

/* Every MSI-X vector on an eventfd: the host gets its vfio-msix IRQs. */
static int msix_host_irqs(void)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };
	int i;

	ii.index = VFIO_PCI_MSIX_IRQ_INDEX;
	if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &ii) || !ii.count)
		die("MSI-X info");
	t.n = ii.count > MAXV ? MAXV : ii.count;
	for (i = 0; i < t.n; i++)
		t.efd[i] = eventfd(0, EFD_NONBLOCK);
	if (set_msix(t.n))
		die("VFIO_DEVICE_SET_IRQS MSI-X");
	t.n = host_irqs(t.bdf, t.irq, t.cnt, MAXV);
	report(t.n > 0, "msix-host-irqs: %d vfio-msix IRQs of %s (first %u)",
	       t.n, t.bdf, t.n > 0 ? t.irq[0] : 0);
	return t.n > 0 ? 0 : -1;
}

/* A KVM VM attached, the device's host IRQs registered with it. */
static int attach_register(void)
{
	struct xl_attach at = { .size = sizeof(at) };
	struct xl_irqs r = { .size = sizeof(r) };

	t.kvm = open("/dev/kvm", O_RDWR);
	t.vm = t.kvm < 0 ? -1 : ioctl(t.kvm, KVM_CREATE_VM, 0);
	t.xl = open(XL_DEVICE_PATH, O_RDWR);
	if (t.vm < 0 || t.xl < 0)
		die("KVM VM / /dev/exitless");
	at.vm_fd = t.vm;
	report(!xioctl(t.xl, XL_IOC_ATTACH, &at), "attach");
	r.count = t.n;
	memcpy(r.irqs, t.irq, t.n * sizeof(t.irq[0]));
	report(!xioctl(t.xl, XL_IOC_REGISTER_IRQS, &r), "register-msix-irqs");
	report(!counters(t.xl, &t.c0) && t.c0.nr_irqs == (uint32_t)t.n &&
	       t.c0.mode == XL_IOC_MODE_BASELINE, "counters-before");
	return 0;
}

/* `pi` without an IOMMU that posts: refused, and nothing else moved. */
static int pi_refused(void)
{
	uint32_t irq2[MAXV];
	uint64_t cnt2[MAXV];
	struct xl_counters c1;
	char buf[2048];
	int ret, n2;

	ret = set_mode(t.xl, XL_IOC_MODE_PI);
	report(ret == -EOPNOTSUPP, "mode-pi-refused: %d (%s)", ret,
	       strerror(-ret));
	report(!counters(t.xl, &c1), "counters-after");
	report(c1.mode == XL_IOC_MODE_BASELINE, "mode-stays-baseline: %u",
	       c1.mode);
	report(c1.nr_irqs == t.c0.nr_irqs &&
	       c1.irq_registers == t.c0.irq_registers &&
	       c1.irq_unregisters == t.c0.irq_unregisters,
	       "irqs-unchanged: %u registered", c1.nr_irqs);
	report(c1.mode_rejected == t.c0.mode_rejected + 1 &&
	       c1.mode_changes == t.c0.mode_changes,
	       "only-mode-rejected-moved: rejected %llu -> %llu",
	       (unsigned long long)t.c0.mode_rejected,
	       (unsigned long long)c1.mode_rejected);
	if (grep_file("/sys/kernel/debug/exitless/pi", "last_refusal", buf,
		      sizeof(buf))) {
		printf("    %s", buf);
		report(strstr(buf, "IOMMU lacks posted interrupts") != NULL,
		       "refusal-names-iommu");
	} else {
		report(0, "refusal-names-iommu: no last_refusal in debugfs pi");
	}
	report(grep_file("/sys/kernel/debug/exitless/pi", "irte_posted_now 0",
			 buf, sizeof(buf)), "no-irte-posted");
	/* the same IRQs are still there and still count */
	n2 = host_irqs(t.bdf, irq2, cnt2, MAXV);
	report(n2 == t.n && !memcmp(t.irq, irq2, t.n * sizeof(t.irq[0])),
	       "host-irqs-intact");
	return 0;
}

/* e1000e: all causes to vector 0, then raise one (probe.c). */
static int irq_still_delivered(void)
{
	struct pollfd pfd = { .fd = t.efd[0], .events = POLLIN };
	uint32_t irq2[MAXV];
	uint64_t cnt2[MAXV], ev = 0;
	int i, ret;

	bar_write(E1000_ITR, 0);
	for (i = 0; i < 5; i++)
		bar_write(E1000_EITR(i), 0);
	bar_write(E1000_IVAR, IVAR_ALL0);
	(void)bar_read(E1000_ICR);
	bar_write(E1000_IMS, E1000_ICR_LSC | E1000_ICR_OTHER);
	bar_write(E1000_ICS, E1000_ICR_LSC | E1000_ICR_OTHER);
	ret = poll(&pfd, 1, 2000);
	ret = ret > 0 && read(t.efd[0], &ev, 8) == 8 && ev > 0;
	report(ret, "irq-still-delivered: eventfd count %llu",
	       (unsigned long long)ev);
	host_irqs(t.bdf, irq2, cnt2, MAXV);
	report(cnt2[0] > t.cnt[0],
	       "host-irq-still-counts: /proc/interrupts IRQ %u %llu -> %llu",
	       t.irq[0], (unsigned long long)t.cnt[0],
	       (unsigned long long)cnt2[0]);
	bar_write(E1000_IMC, ~0u);
	(void)bar_read(E1000_ICR);
	usleep(100 * 1000);
	return 0;
}

/* Baseline still settable; detach leaves nothing behind. */
static int detach_clean(void)
{
	char buf[2048];

	report(set_mode(t.xl, XL_IOC_MODE_BASELINE) == 0, "mode-baseline-after");
	report(!xioctl(t.xl, XL_IOC_DETACH, NULL), "detach");
	report(grep_file("/sys/kernel/debug/exitless/vms", "id pid", buf,
			 sizeof(buf)) &&
	       !grep_file("/sys/kernel/debug/exitless/pi", "vm ", buf,
			  sizeof(buf)), "detach-forgets-vm");
	report(!set_msix(0), "msix-disabled");
	return 0;
}

/* The steps, in order; one that returns nonzero ends the run. */
static int (*const steps[])(void) = {
	msix_host_irqs,
	attach_register,
	pi_refused,
	irq_still_delivered,
	detach_clean,
};

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "routes"))) {
		fprintf(stderr, "usage: xl-pitest BDF IOMMU_GROUP [routes]\n");
		return 2;
	}
	report_prefix("pi-");
	t.bdf = argv[1];
	open_device(argv[2]);
	if (argc == 4)
		return routes_test(t.bdf);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i]())
			return 1;
	close(t.xl);
	close(t.vm);
	close(t.kvm);
	close(dev);
	close(t.group);
	close(t.container);
	return report_summary("xl-pitest");
}
