// SPDX-License-Identifier: GPL-2.0
/*
 * PCI devices through sysfs (see pci.h). The layout used is the kernel's
 * ABI: Documentation/ABI/testing/sysfs-bus-pci (driver_override, bind,
 * unbind, drivers_probe) and sysfs-kernel-iommu_groups.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci.h"

const char *xl_sysfs_root(void)
{
	const char *r = getenv("XL_SYSFS_ROOT");

	return r ? r : "";
}

static int hexfield(const char *s, size_t n, unsigned long max,
		    unsigned long *v)
{
	unsigned long x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		x = x * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0' :
			      tolower((unsigned char)s[i]) - 'a' + 10);
	}
	if (x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

int xl_bdf_parse(const char *in, char out[XL_BDF_LEN])
{
	unsigned long dom = 0, bus, dev, fn;
	size_t len;

	if (!in)
		return -EINVAL;
	len = strlen(in);
	if (len == 12) {
		if (in[4] != ':' || hexfield(in, 4, 0xffff, &dom))
			return -EINVAL;
		in += 5;
		len -= 5;
	}
	/* "bb:dd.f": device is 5 bits, function 3 bits (PCI spec 3.0, 3.2.2.3.1) */
	if (len != 7 || in[2] != ':' || in[5] != '.' ||
	    hexfield(in, 2, 0xff, &bus) || hexfield(in + 3, 2, 0x1f, &dev) ||
	    hexfield(in + 6, 1, 7, &fn))
		return -EINVAL;
	snprintf(out, XL_BDF_LEN, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	return 0;
}

static int spath(char *buf, size_t len, const char *fmt, const char *a)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), fmt, a);
	if ((size_t)snprintf(buf, len, "%s%s", xl_sysfs_root(), rel) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int xl_pci_exists(const char *bdf)
{
	char p[PATH_MAX];
	struct stat st;

	if (spath(p, sizeof(p), "/sys/bus/pci/devices/%s", bdf))
		return 0;
	return stat(p, &st) == 0;
}

/* basename of the symlink target, "" when the link does not exist */
static int link_name(const char *path, char *out, size_t len)
{
	char t[PATH_MAX];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	const char *b;

	if (n < 0) {
		out[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	t[n] = '\0';
	b = strrchr(t, '/');
	snprintf(out, len, "%s", b ? b + 1 : t);
	return 0;
}

int xl_pci_driver(const char *bdf, char *drv, size_t len)
{
	char p[PATH_MAX];

	if (spath(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", bdf))
		return -ENAMETOOLONG;
	return link_name(p, drv, len);
}

int xl_pci_override(const char *bdf, char *buf, size_t len)
{
	char p[PATH_MAX];
	int ret;

	if (spath(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdf))
		return -ENAMETOOLONG;
	ret = read_line(p, buf, len);
	/* the kernel shows an unset override as "(null)" */
	if (!ret && !strcmp(buf, "(null)"))
		buf[0] = '\0';
	return ret;
}

static int read_hex(const char *bdf, const char *attr, unsigned int *v)
{
	char p[PATH_MAX], rel[64], buf[32], *end;
	int ret;

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%%s/%s", attr);
	if (spath(p, sizeof(p), rel, bdf))
		return -ENAMETOOLONG;
	ret = read_line(p, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*v = strtoul(buf, &end, 16);
	return errno || end == buf ? -EINVAL : 0;
}

int xl_pci_ids(const char *bdf, unsigned int *vendor, unsigned int *device,
	       unsigned int *class)
{
	int ret;

	ret = read_hex(bdf, "vendor", vendor);
	if (!ret)
		ret = read_hex(bdf, "device", device);
	if (!ret)
		ret = read_hex(bdf, "class", class);
	return ret;
}

int xl_pci_iommu_group(const char *bdf)
{
	char p[PATH_MAX], name[32], *end;
	long g;
	int ret;

	if (spath(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group", bdf))
		return -ENAMETOOLONG;
	ret = link_name(p, name, sizeof(name));
	if (ret)
		return ret;
	if (!name[0])
		return -ENOENT;
	g = strtol(name, &end, 10);
	return *end || g < 0 || g > INT_MAX ? -EINVAL : (int)g;
}

int xl_iommu_enabled(void)
{
	char p[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int found = 0;

	if (spath(p, sizeof(p), "%s", "/sys/kernel/iommu_groups"))
		return 0;
	d = opendir(p);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			found = 1;
			break;
		}
	closedir(d);
	return found;
}

int xl_group_viable(int group, const char *bdf, char *who, size_t wlen,
		    char *drv, size_t dlen)
{
	char p[PATH_MAX], num[16], d[XL_DRV_LEN];
	unsigned int ven, dev, class;
	struct dirent *e;
	DIR *dir;
	int ret = 0;

	snprintf(num, sizeof(num), "%d", group);
	if (spath(p, sizeof(p), "/sys/kernel/iommu_groups/%s/devices", num))
		return -ENAMETOOLONG;
	dir = opendir(p);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, bdf))
			continue;
		if (xl_pci_driver(e->d_name, d, sizeof(d)))
			continue;
		if (!d[0] || !strcmp(d, "vfio-pci") || !strcmp(d, "pci-stub"))
			continue;
		/*
		 * Bridges (class 06 04/09: PCI-to-PCI, semi-transparent) only
		 * forward: the kernel lets them keep pcieport in a VFIO group.
		 */
		if (!xl_pci_ids(e->d_name, &ven, &dev, &class) &&
		    ((class >> 8) == 0x0604 || (class >> 8) == 0x0609))
			continue;
		snprintf(who, wlen, "%s", e->d_name);
		snprintf(drv, dlen, "%s", d);
		ret = -EBUSY;
		break;
	}
	closedir(dir);
	return ret;
}

int xl_sysfs_write(const char *rel, const char *text)
{
	char p[PATH_MAX];
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	if (spath(p, sizeof(p), "%s", rel))
		return -ENAMETOOLONG;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes one write(); its errno is the kernel's answer */
	n = write(fd, text, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

int xl_pci_set_override(const char *bdf, const char *drv)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	/* a lone "\n" clears the override (drivers/base/driver.c) */
	return xl_sysfs_write(rel, drv && drv[0] ? drv : "\n");
}

int xl_pci_unbind(const char *bdf)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf);
	return xl_sysfs_write(rel, bdf);
}

int xl_pci_probe(const char *bdf)
{
	return xl_sysfs_write("/sys/bus/pci/drivers_probe", bdf);
}

int xl_pci_bind(const char *bdf, const char *drv)
{
	char rel[160];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/%s/bind", drv);
	return xl_sysfs_write(rel, bdf);
}

int xl_vfio_group_user(int group, char *comm, size_t len)
{
	char want[32], p[PATH_MAX], t[PATH_MAX];
	struct dirent *pe, *fe;
	DIR *pd, *fd;
	int pid = 0;
	ssize_t n;

	snprintf(want, sizeof(want), "/dev/vfio/%d", group);
	pd = opendir("/proc");
	if (!pd)
		return 0;
	while (!pid && (pe = readdir(pd))) {
		if (!isdigit((unsigned char)pe->d_name[0]) ||
		    atoi(pe->d_name) == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%s/fd", pe->d_name);
		fd = opendir(p);
		if (!fd)
			continue;
		while ((fe = readdir(fd))) {
			snprintf(p, sizeof(p), "/proc/%s/fd/%s", pe->d_name,
				 fe->d_name);
			n = readlink(p, t, sizeof(t) - 1);
			if (n <= 0)
				continue;
			t[n] = '\0';
			if (!strcmp(t, want)) {
				pid = atoi(pe->d_name);
				break;
			}
		}
		closedir(fd);
	}
	closedir(pd);
	if (pid) {
		snprintf(p, sizeof(p), "/proc/%d/comm", pid);
		if (read_line(p, comm, len))
			snprintf(comm, len, "?");
	}
	return pid;
}
