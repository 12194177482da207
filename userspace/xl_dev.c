// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/exitless from userspace: see xl_dev.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "xl_dev.h"
#include "xl_modes.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int xl_dev_mode_parse(const char *name)
{
	return xl_mode_from_str(name);
}

const char *xl_dev_mode_name(uint32_t mode)
{
	return xl_mode_str(mode);
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int xl_dev_open(struct xl_version *v)
{
	struct xl_version tmp;
	int fd, ret;

	fd = open(XL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT || ret == -ENXIO || ret == -ENODEV)
			fprintf(stderr, "exitless: %s: %s: is exitless.ko loaded? (modprobe exitless; see kmod/README.md)\n",
				XL_DEVICE_PATH, strerror(-ret));
		else
			fprintf(stderr, "exitless: %s: %s\n", XL_DEVICE_PATH,
				strerror(-ret));
		return ret;
	}
	if (!v)
		v = &tmp;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	ret = xioctl(fd, XL_IOC_VERSION, v);
	if (ret || v->abi_version != XL_ABI_VERSION) {
		fprintf(stderr, "exitless: %s speaks ABI %u, this tool %d (%s): rebuild one of them\n",
			XL_DEVICE_PATH, ret ? 0 : v->abi_version,
			XL_ABI_VERSION, ret ? strerror(-ret) : "mismatch");
		close(fd);
		return ret ? ret : -EPROTO;
	}
	return fd;
}

int xl_dev_attach(int dev, int vm_fd, uint64_t *vm_id)
{
	struct xl_attach a = { .size = sizeof(a), .vm_fd = vm_fd };
	int ret = xioctl(dev, XL_IOC_ATTACH, &a);

	if (!ret && vm_id)
		*vm_id = a.vm_id;
	return ret;
}

int xl_dev_detach(int dev)
{
	return ioctl(dev, XL_IOC_DETACH, 0) ? -errno : 0;
}

int xl_dev_set_mode(int dev, uint32_t mode)
{
	struct xl_set_mode m = { .size = sizeof(m), .mode = mode };

	return xioctl(dev, XL_IOC_SET_MODE, &m);
}

int xl_dev_irqs(int dev, int reg, const uint32_t *irqs, uint32_t n)
{
	struct xl_irqs r = { .size = sizeof(r), .count = n };

	if (n > XL_MAX_IRQS)
		return -E2BIG;
	memcpy(r.irqs, irqs, n * sizeof(*irqs));
	return xioctl(dev, reg ? XL_IOC_REGISTER_IRQS : XL_IOC_UNREGISTER_IRQS,
		      &r);
}

int xl_dev_counters(int dev, int global, struct xl_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->flags = global ? XL_COUNTERS_GLOBAL : 0;
	return xioctl(dev, XL_IOC_COUNTERS, c);
}

int xl_dev_why(int dev, char *buf, size_t len)
{
	struct xl_ioc_why w;
	int ret;

	if (len)
		buf[0] = '\0';
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	ret = xioctl(dev, XL_IOC_WHY, &w);
	if (ret)
		return ret;
	w.text[sizeof(w.text) - 1] = '\0';
	if (len)
		snprintf(buf, len, "%s", w.text);
	return 0;
}

const char *xl_dev_refusal(int dev, char *buf, size_t len,
			   const char *fallback)
{
	char why[sizeof(((struct xl_ioc_why *)0)->text)];

	if (xl_dev_why(dev, why, sizeof(why)) || !why[0] || !len)
		return fallback;
	snprintf(buf, len, "refused by exitless.ko: %s", why);
	return buf;
}

const char *xl_dev_mode_unavailable(uint32_t mode)
{
	if (mode == XL_IOC_MODE_PI)
		return "refused, the VM keeps its mode; `exitless caps` (pi_missing, last_refusal) and dmesg say what is missing";
	return "not available in this exitless.ko (eli and did need kvm_intel with enable_apicv=N and preemption_timer=N, and exitless.ko experimental=1; dmesg says which)";
}

int xl_vm_fd_of_pid(pid_t pid, int fd_hint)
{
	char path[64], link[128];
	struct dirent *de;
	int found = -1, n = 0, pidfd, fd;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long nr = strtol(de->d_name, &end, 10);
		ssize_t len;

		if (*end || end == de->d_name)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%ld", (int)pid, nr);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strcmp(link, "anon_inode:kvm-vm"))
			continue;
		if (fd_hint >= 0 && nr != fd_hint)
			continue;
		found = nr;
		n++;
	}
	closedir(d);
	if (!n)
		return -ENOENT;
	if (n > 1)
		return -EEXIST;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	fd = syscall(SYS_pidfd_getfd, pidfd, found, 0);
	if (fd < 0)
		fd = -errno;
	close(pidfd);
	return fd;
}

int xl_run_path(char *buf, size_t len, pid_t vm_pid, const char *what)
{
	int n = snprintf(buf, len, "%s/attach-%d.%s", XL_RUN_DIR, (int)vm_pid,
			 what);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xl_parse_num(const char *s, unsigned long long min,
		 unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts leading space and a sign: a number is digits */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int xl_parse_opt(const char *cmd, const char *opt, const char *s,
		 unsigned long long min, unsigned long long max,
		 unsigned long long *out)
{
	int ret = xl_parse_num(s, min, max, out);

	if (ret == -EINVAL)
		fprintf(stderr, "exitless %s: --%s '%s' is not a number\n",
			cmd, opt, s);
	else if (ret)
		fprintf(stderr, "exitless %s: --%s '%s' is out of range (%llu..%llu)\n",
			cmd, opt, s, min, max);
	return ret ? -1 : 0;
}

int xl_dev_guest_str(const struct xl_counters *c, char *buf, size_t len)
{
	const char *sep = " ";
	size_t n;
	uint32_t i;

	if (!c->guest_nr_vcpus) {
		snprintf(buf, len, "unknown (no VMX hooks for this VM: kvm_intel not loaded, or hooks=0)");
		return 0;
	}
	if (!c->guest_shadow_gva) {
		snprintf(buf, len, "not registered: the guest gave no shadow-IDT page (eli and did are refused; load exitless_guest.ko in the guest, kmod/guest/)");
		return 0;
	}
	n = snprintf(buf, len, "registered by vCPUs");
	for (i = 0; i < c->guest_nr_vcpus && i < 64 && n < len; i++) {
		if (!(c->guest_vcpus & (1ULL << i)))
			continue;
		n += snprintf(buf + n, len - n, "%s%u", sep, i);
		sep = ",";
	}
	if (n < len)
		snprintf(buf + n, len - n, "%s of %u (page 0x%llx)",
			 *sep == ' ' ? " none" : "", c->guest_nr_vcpus,
			 (unsigned long long)c->guest_shadow_gva);
	return 1;
}
