// SPDX-License-Identifier: GPL-2.0
/*
 * `exitless assign --test` (see probe.h). The sequence follows the VFIO
 * uAPI (include/uapi/linux/vfio.h, Documentation/driver-api/vfio.rst):
 * container -> group -> IOMMU model -> DMA map -> device fd -> regions and
 * IRQs -> eventfd triggers. Register access goes through pread/pwrite on
 * the region offsets, so no BAR mapping has to be undone on error paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <json-c/json.h>

#include "../command.h"
#include "pci.h"
#include "probe.h"

#define DMA_SIZE	(2UL << 20)
#define DMA_IOVA	(2UL << 20)	/* 2 MiB aligned, clear of IOVA 0 */
#define IRQ_WAIT_MS	1000

/*
 * Intel 82574 (QEMU's e1000e, 8086:10d3) registers, from the 82574
 * datasheet section 10.2: interrupt cause read/set, mask set/clear,
 * throttling, and the MSI-X vector map.
 */
#define E1000_ICR	0x00c0
#define E1000_ITR	0x00c4
#define E1000_ICS	0x00c8
#define E1000_IMS	0x00d0
#define E1000_IMC	0x00d8
#define E1000_IVAR	0x00e4
#define E1000_EITR(n)	(0x00e8 + 4 * (n))
#define E1000_ICR_LSC	(1u << 2)
#define E1000_ICR_OTHER	(1u << 24)
/* IVAR: RxQ0, RxQ1, TxQ0, TxQ1 and Other causes -> vector 0, valid bit 3 */
#define E1000_IVAR_ALL0	(0x8u | 0x8u << 4 | 0x8u << 8 | 0x8u << 12 | \
			 0x8u << 16 | 1u << 31)

enum step_status { ST_OK, ST_FAIL, ST_INFO, ST_SKIP };

struct probe {
	const char *bdf;
	struct json_object *steps;	/* NULL: print lines */
	int failed;
	int container, group, dev;
	void *buf;
	int mapped;
	uint64_t cfg_off, bar0_off, bar0_size;
	unsigned int vendor, device;
	uint16_t cmd_saved;
	int cmd_changed;
};

static void step(struct probe *p, enum step_status st, const char *name,
		 const char *fmt, ...)
{
	static const char *const tag[] = { "ok", "FAIL", "info", "skip" };
	struct json_object *o;
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (st == ST_FAIL)
		p->failed = 1;
	if (!p->steps) {
		printf("  %-4s %-14s %s\n", tag[st], name, detail);
		fflush(stdout);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "step", json_object_new_string(name));
	json_object_object_add(o, "status", json_object_new_string(tag[st]));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_array_add(p->steps, o);
}

static int count_fds(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

/*
 * iommufd (/dev/iommu, Linux >= 6.2 with CONFIG_IOMMUFD). The build
 * headers (Debian 12: linux-libc-dev 6.1) have no linux/iommufd.h, so the
 * few commands used are declared from include/uapi/linux/iommufd.h.
 */
#define IOMMUFD_TYPE		(';')
#define IOMMU_DESTROY		_IO(IOMMUFD_TYPE, 0x80)
#define IOMMU_IOAS_ALLOC	_IO(IOMMUFD_TYPE, 0x81)
#define IOMMU_IOAS_MAP		_IO(IOMMUFD_TYPE, 0x85)
#define IOMMU_IOAS_UNMAP	_IO(IOMMUFD_TYPE, 0x86)
#define IOMMU_IOAS_MAP_FIXED_IOVA	(1u << 0)
#define IOMMU_IOAS_MAP_WRITEABLE	(1u << 1)
#define IOMMU_IOAS_MAP_READABLE		(1u << 2)

struct xl_iommu_destroy { uint32_t size, id; };
struct xl_iommu_ioas_alloc { uint32_t size, flags, out_ioas_id; };
struct xl_iommu_ioas_map {
	uint32_t size, flags, ioas_id, reserved;
	uint64_t user_va, length, iova;
};
struct xl_iommu_ioas_unmap { uint32_t size, ioas_id; uint64_t iova, length; };

static void probe_iommufd(struct probe *p)
{
	struct xl_iommu_ioas_alloc al = { .size = sizeof(al) };
	struct xl_iommu_ioas_map map = { .size = sizeof(map) };
	struct xl_iommu_ioas_unmap um = { .size = sizeof(um) };
	struct xl_iommu_destroy de = { .size = sizeof(de) };
	int fd;

	if (access("/dev/iommu", F_OK)) {
		step(p, ST_INFO, "iommufd",
		     "no /dev/iommu: kernel without CONFIG_IOMMUFD (Linux < 6.2 or not enabled); using the type1 container");
		return;
	}
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		step(p, ST_FAIL, "iommufd", "open /dev/iommu: %s",
		     strerror(errno));
		return;
	}
	if (ioctl(fd, IOMMU_IOAS_ALLOC, &al)) {
		step(p, ST_FAIL, "iommufd", "IOMMU_IOAS_ALLOC: %s",
		     strerror(errno));
		close(fd);
		return;
	}
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = al.out_ioas_id;
	map.user_va = (uintptr_t)p->buf;
	map.length = DMA_SIZE;
	map.iova = DMA_IOVA;
	um.ioas_id = al.out_ioas_id;
	um.iova = DMA_IOVA;
	um.length = DMA_SIZE;
	if (ioctl(fd, IOMMU_IOAS_MAP, &map))
		step(p, ST_FAIL, "iommufd", "IOMMU_IOAS_MAP 2 MiB: %s",
		     strerror(errno));
	else if (ioctl(fd, IOMMU_IOAS_UNMAP, &um) || um.length != DMA_SIZE)
		step(p, ST_FAIL, "iommufd", "IOMMU_IOAS_UNMAP: %s",
		     strerror(errno));
	else
		step(p, ST_OK, "iommufd",
		     "/dev/iommu: IOAS %u, 2 MiB mapped and unmapped at IOVA 0x%lx (device binding stays on the group API)",
		     al.out_ioas_id, DMA_IOVA);
	de.id = al.out_ioas_id;
	ioctl(fd, IOMMU_DESTROY, &de);
	close(fd);
}

static int bar_write(struct probe *p, uint32_t reg, uint32_t v)
{
	return pwrite(p->dev, &v, 4, p->bar0_off + reg) == 4 ? 0 : -EIO;
}

static uint32_t bar_read(struct probe *p, uint32_t reg)
{
	uint32_t v = ~0u;

	if (pread(p->dev, &v, 4, p->bar0_off + reg) != 4)
		return ~0u;
	return v;
}

static int irqs_set(struct probe *p, unsigned int index, int efd)
{
	char raw[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)raw;

	memset(raw, 0, sizeof(raw));
	s->argsz = sizeof(raw);
	s->index = index;
	s->start = 0;
	if (efd >= 0) {
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD |
			   VFIO_IRQ_SET_ACTION_TRIGGER;
		s->count = 1;
		memcpy(s->data, &efd, sizeof(efd));
	} else {
		/* DATA_NONE with count 0 disables the whole index */
		s->argsz = sizeof(*s);
		s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->count = 0;
	}
	return ioctl(p->dev, VFIO_DEVICE_SET_IRQS, s) ? -errno : 0;
}

static int is_e1000e(const struct probe *p)
{
	return p->vendor == 0x8086 && p->device == 0x10d3;
}

/*
 * Bind vector 0 of MSI or MSI-X to an eventfd and, on an e1000e, make the
 * device raise it by setting a cause in ICS.
 */
static void probe_irq(struct probe *p, unsigned int index, const char *name)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };
	struct pollfd pfd;
	uint64_t cnt = 0;
	int efd, n, ret, k;

	if (ioctl(p->dev, VFIO_DEVICE_GET_IRQ_INFO, &ii)) {
		step(p, ST_FAIL, name, "VFIO_DEVICE_GET_IRQ_INFO: %s",
		     strerror(errno));
		return;
	}
	if (!ii.count) {
		step(p, ST_SKIP, name, "device has no %s vectors", name);
		return;
	}
	if (!(ii.flags & VFIO_IRQ_INFO_EVENTFD)) {
		step(p, ST_FAIL, name, "%u vectors but no eventfd signalling",
		     ii.count);
		return;
	}
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		step(p, ST_FAIL, name, "eventfd: %s", strerror(errno));
		return;
	}
	ret = irqs_set(p, index, efd);
	if (ret) {
		step(p, ST_FAIL, name, "VFIO_DEVICE_SET_IRQS vector 0: %s",
		     strerror(-ret));
		close(efd);
		return;
	}
	step(p, ST_OK, name, "%u vectors, vector 0 -> eventfd", ii.count);

	if (is_e1000e(p)) {
		/*
		 * QEMU 7.2's e1000e asserts (e1000e_core.c,
		 * msix_throttling_timer) when MSI-X is disabled while an EITR
		 * timer is armed: no throttling, and a pause before disabling.
		 */
		bar_write(p, E1000_ITR, 0);
		for (k = 0; k < 5; k++)
			bar_write(p, E1000_EITR(k), 0);
		if (index == VFIO_PCI_MSIX_IRQ_INDEX)
			bar_write(p, E1000_IVAR, E1000_IVAR_ALL0);
		(void)bar_read(p, E1000_ICR);	/* read-to-clear */
		bar_write(p, E1000_IMS, E1000_ICR_LSC | E1000_ICR_OTHER);
		bar_write(p, E1000_ICS, E1000_ICR_LSC | E1000_ICR_OTHER);
		pfd = (struct pollfd){ .fd = efd, .events = POLLIN };
		n = poll(&pfd, 1, IRQ_WAIT_MS);
		if (n > 0 && read(efd, &cnt, sizeof(cnt)) == sizeof(cnt) &&
		    cnt > 0)
			step(p, ST_OK, "irq-delivered",
			     "%s: ICS write reached the eventfd (count %llu)",
			     name, (unsigned long long)cnt);
		else
			step(p, ST_FAIL, "irq-delivered",
			     "%s: nothing on the eventfd within %d ms (ICR now 0x%08x)",
			     name, IRQ_WAIT_MS, bar_read(p, E1000_ICR));
		bar_write(p, E1000_IMC, ~0u);
		(void)bar_read(p, E1000_ICR);
		usleep(100 * 1000);
	} else {
		step(p, ST_INFO, "irq-delivered",
		     "%s: %04x:%04x has no known software-triggered interrupt; vector bound only",
		     name, p->vendor, p->device);
	}
	ret = irqs_set(p, index, -1);
	if (ret)
		step(p, ST_FAIL, name, "disable: %s", strerror(-ret));
	else
		step(p, ST_OK, name, "disabled");
	close(efd);
}

static int region(struct probe *p, unsigned int index, uint64_t *off,
		  uint64_t *size, uint32_t *flags)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(p->dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	*off = ri.offset;
	*size = ri.size;
	*flags = ri.flags;
	return 0;
}

/* Everything that needs the device fd. */
static void probe_device(struct probe *p)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	uint64_t size = 0;
	uint32_t flags = 0;
	uint16_t vid = 0, did = 0, cmd;
	int ret;

	p->dev = ioctl(p->group, VFIO_GROUP_GET_DEVICE_FD, p->bdf);
	if (p->dev < 0) {
		step(p, ST_FAIL, "device-fd", "VFIO_GROUP_GET_DEVICE_FD: %s",
		     strerror(errno));
		return;
	}
	if (ioctl(p->dev, VFIO_DEVICE_GET_INFO, &di) ||
	    !(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    di.num_irqs <= VFIO_PCI_MSIX_IRQ_INDEX) {
		step(p, ST_FAIL, "device-fd", "VFIO_DEVICE_GET_INFO: %s (flags 0x%x, %u regions, %u irqs)",
		     strerror(errno), di.flags, di.num_regions, di.num_irqs);
		return;
	}
	step(p, ST_OK, "device-fd", "PCI device, %u regions, %u irq indexes, reset %s",
	     di.num_regions, di.num_irqs,
	     di.flags & VFIO_DEVICE_FLAGS_RESET ? "yes" : "no");

	ret = region(p, VFIO_PCI_CONFIG_REGION_INDEX, &p->cfg_off, &size,
		     &flags);
	if (ret || pread(p->dev, &vid, 2, p->cfg_off + PCI_VENDOR_ID) != 2 ||
	    pread(p->dev, &did, 2, p->cfg_off + PCI_DEVICE_ID) != 2 ||
	    pread(p->dev, &p->cmd_saved, 2, p->cfg_off + PCI_COMMAND) != 2) {
		step(p, ST_FAIL, "config", "config region: %s",
		     strerror(ret ? -ret : errno));
		return;
	}
	if (vid != p->vendor || did != p->device) {
		step(p, ST_FAIL, "config", "config space says %04x:%04x, sysfs %04x:%04x",
		     vid, did, p->vendor, p->device);
		return;
	}
	step(p, ST_OK, "config", "%04x:%04x, command 0x%04x", vid, did,
	     p->cmd_saved);

	ret = region(p, VFIO_PCI_BAR0_REGION_INDEX, &p->bar0_off,
		     &p->bar0_size, &flags);
	if (ret || !p->bar0_size ||
	    (flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) !=
	    (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) {
		step(p, ST_FAIL, "bar0", "region info: %s, size 0x%llx, flags 0x%x",
		     ret ? strerror(-ret) : "not a read/write BAR",
		     (unsigned long long)p->bar0_size, flags);
		return;
	}
	step(p, ST_OK, "bar0", "size 0x%llx, flags 0x%x%s",
	     (unsigned long long)p->bar0_size, flags,
	     is_e1000e(p) ? "" : " (not an e1000e: registers left alone)");

	/* MSI/MSI-X messages are DMA writes: the device needs bus mastering. */
	cmd = p->cmd_saved | PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	if (pwrite(p->dev, &cmd, 2, p->cfg_off + PCI_COMMAND) != 2) {
		step(p, ST_FAIL, "bus-master", "PCI_COMMAND write: %s",
		     strerror(errno));
		return;
	}
	p->cmd_changed = 1;
	step(p, ST_OK, "bus-master", "PCI_COMMAND 0x%04x", cmd);

	probe_irq(p, VFIO_PCI_MSIX_IRQ_INDEX, "msix");
	probe_irq(p, VFIO_PCI_MSI_IRQ_INDEX, "msi");

	if (di.flags & VFIO_DEVICE_FLAGS_RESET) {
		if (ioctl(p->dev, VFIO_DEVICE_RESET))
			step(p, ST_FAIL, "reset", "VFIO_DEVICE_RESET: %s",
			     strerror(errno));
		else
			step(p, ST_OK, "reset", "VFIO_DEVICE_RESET");
	} else {
		step(p, ST_SKIP, "reset", "device has no reset method");
	}
	if (pwrite(p->dev, &p->cmd_saved, 2, p->cfg_off + PCI_COMMAND) != 2)
		step(p, ST_FAIL, "bus-master", "restoring PCI_COMMAND: %s",
		     strerror(errno));
}

static int probe_container(struct probe *p, int group)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_iommu_type1_info ii = { .argsz = sizeof(ii) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	char path[32];
	int v;

	p->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (p->container < 0) {
		step(p, ST_FAIL, "container", "open /dev/vfio/vfio: %s",
		     strerror(errno));
		return XL_EXIT_UNAVAILABLE;
	}
	v = ioctl(p->container, VFIO_GET_API_VERSION);
	if (v != VFIO_API_VERSION) {
		step(p, ST_FAIL, "container", "API version %d, expected %d",
		     v, VFIO_API_VERSION);
		return XL_EXIT_UNAVAILABLE;
	}
	if (ioctl(p->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		step(p, ST_FAIL, "container",
		     "no VFIO_TYPE1v2_IOMMU: is vfio_iommu_type1 loaded? (busybox modprobe ignores the softdep of vfio-pci)");
		return XL_EXIT_UNAVAILABLE;
	}
	step(p, ST_OK, "container", "/dev/vfio/vfio API %d, type1v2 supported", v);

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	p->group = open(path, O_RDWR | O_CLOEXEC);
	if (p->group < 0) {
		step(p, ST_FAIL, "group", "open %s: %s", path,
		     errno == EBUSY ? "busy (another process holds the group)" :
		     strerror(errno));
		return XL_EXIT_FAIL;
	}
	if (ioctl(p->group, VFIO_GROUP_GET_STATUS, &gs) ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		step(p, ST_FAIL, "group", "%s not viable (flags 0x%x): bind every device of the group to vfio-pci",
		     path, gs.flags);
		return XL_EXIT_FAIL;
	}
	step(p, ST_OK, "group", "%s viable", path);
	if (ioctl(p->group, VFIO_GROUP_SET_CONTAINER, &p->container) ||
	    ioctl(p->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		step(p, ST_FAIL, "iommu", "SET_CONTAINER/SET_IOMMU(type1v2): %s",
		     strerror(errno));
		return XL_EXIT_FAIL;
	}
	if (ioctl(p->container, VFIO_IOMMU_GET_INFO, &ii))
		step(p, ST_FAIL, "iommu", "VFIO_IOMMU_GET_INFO: %s",
		     strerror(errno));
	else
		step(p, ST_OK, "iommu", "type1v2 set, IOVA page sizes 0x%llx",
		     (unsigned long long)ii.iova_pgsizes);

	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)p->buf;
	map.iova = DMA_IOVA;
	map.size = DMA_SIZE;
	if (ioctl(p->container, VFIO_IOMMU_MAP_DMA, &map)) {
		step(p, ST_FAIL, "dma-map", "VFIO_IOMMU_MAP_DMA 2 MiB: %s",
		     strerror(errno));
		return XL_EXIT_FAIL;
	}
	p->mapped = 1;
	step(p, ST_OK, "dma-map", "2 MiB at IOVA 0x%lx", DMA_IOVA);
	return 0;
}

int xl_vfio_probe(const char *bdf, int group, struct json_object *out)
{
	struct probe p = { .bdf = bdf, .container = -1, .group = -1,
			   .dev = -1 };
	struct vfio_iommu_type1_dma_unmap um = { .argsz = sizeof(um) };
	unsigned int class;
	int fds0, fds1, rc;

	if (out) {
		p.steps = json_object_new_array();
		json_object_object_add(out, "steps", p.steps);
	}
	fds0 = count_fds();
	if (xl_pci_ids(bdf, &p.vendor, &p.device, &class)) {
		step(&p, ST_FAIL, "device", "cannot read %s ids from sysfs", bdf);
		return XL_EXIT_UNAVAILABLE;
	}
	p.buf = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p.buf == MAP_FAILED) {
		step(&p, ST_FAIL, "dma-buffer", "mmap 2 MiB: %s",
		     strerror(errno));
		return XL_EXIT_FAIL;
	}
	memset(p.buf, 0x5a, DMA_SIZE);

	probe_iommufd(&p);
	rc = probe_container(&p, group);
	if (!rc)
		probe_device(&p);

	if (p.dev >= 0)
		close(p.dev);
	if (p.mapped) {
		um.iova = DMA_IOVA;
		um.size = DMA_SIZE;
		if (ioctl(p.container, VFIO_IOMMU_UNMAP_DMA, &um) ||
		    um.size != DMA_SIZE)
			step(&p, ST_FAIL, "dma-unmap", "VFIO_IOMMU_UNMAP_DMA: %s (unmapped 0x%llx)",
			     strerror(errno), (unsigned long long)um.size);
		else
			step(&p, ST_OK, "dma-unmap", "2 MiB unmapped");
	}
	if (p.group >= 0)
		close(p.group);
	if (p.container >= 0)
		close(p.container);
	munmap(p.buf, DMA_SIZE);
	fds1 = count_fds();
	if (fds0 < 0 || fds1 != fds0)
		step(&p, ST_FAIL, "fds", "%d open fds before, %d after", fds0,
		     fds1);
	else
		step(&p, ST_OK, "fds", "no leaked fds (%d open)", fds1);
	if (rc)
		return rc;
	return p.failed ? XL_EXIT_FAIL : XL_EXIT_OK;
}
