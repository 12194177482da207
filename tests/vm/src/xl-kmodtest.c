// SPDX-License-Identifier: GPL-2.0
/*
 * xl-kmodtest: exercises exitless.ko's ioctl ABI from inside the test VM
 * (tests/vm/guest/kmod.sh). Built static into the initramfs.
 *
 *   xl-kmodtest abi            ABI checks that need no KVM VM
 *   xl-kmodtest attach         attach/detach/mode/irqs against a KVM VM fd
 *   xl-kmodtest fuzz SEED N [P [PID:FD]]
 *                              N random ioctls, valid and invalid, in P
 *                              processes at once; with PID:FD, the VM
 *                              that fd of process PID is (one with a
 *                              running vCPU: xl-elitest fuzzhold) is
 *                              the second VM the sessions attach
 *   xl-kmodtest hold           attach a VM and wait (rmmod-while-open test)
 *   xl-kmodtest vm             create a KVM VM and wait (exitless attach --pid)
 *
 * Each fact is one line "XLTEST PASS|FAIL|SKIP name[: why]" (report.h);
 * the exit status is report_summary()'s (1 if any fact failed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "uapi/exitless.h"
#include "report.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ioctl returning 0 or -errno */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* One fact: the call returned @want (0 or -errno). */
static void expect(const char *name, int got, int want)
{
	if (got == want)
		report(1, "%s", name);
	else
		report(0, "%s: got %d (%s), want %d (%s)", name, got,
		       strerror(-got), want, strerror(-want));
}

static int dev_open(void)
{
	int fd = open(XL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		report(false, "open: %s: %s", XL_DEVICE_PATH, strerror(errno));
		exit(1);
	}
	return fd;
}

static int kvm_vm_create(int *kvm_fd)
{
	int kfd, vfd;

	kfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kfd < 0)
		return -errno;
	vfd = ioctl(kfd, KVM_CREATE_VM, 0);
	if (vfd < 0) {
		vfd = -errno;
		close(kfd);
		return vfd;
	}
	*kvm_fd = kfd;
	return vfd;
}

static struct xl_version version_in(void)
{
	struct xl_version v = { .size = sizeof(v) };

	return v;
}

static int attach(int dev, int vm_fd, uint64_t *id)
{
	struct xl_attach a = { .size = sizeof(a), .vm_fd = vm_fd };
	int ret = xioctl(dev, XL_IOC_ATTACH, &a);

	if (!ret && id)
		*id = a.vm_id;
	return ret;
}

static int set_mode(int dev, uint32_t mode)
{
	struct xl_set_mode m = { .size = sizeof(m), .mode = mode };

	return xioctl(dev, XL_IOC_SET_MODE, &m);
}

static int irqs_op(int dev, unsigned long cmd, const uint32_t *irqs,
		   uint32_t n)
{
	struct xl_irqs r = { .size = sizeof(r), .count = n };

	memcpy(r.irqs, irqs, n * sizeof(irqs[0]));
	return xioctl(dev, cmd, &r);
}

static int counters(int dev, uint32_t flags, struct xl_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->flags = flags;
	return xioctl(dev, XL_IOC_COUNTERS, c);
}

static struct xl_ioc_why why_in(void)
{
	struct xl_ioc_why w = { .size = sizeof(w) };

	return w;
}

/*
 * XL_IOC_WHY into @w: 0, -errno, or -EPROTO when what came back is not
 * well formed (size and flags as sent, text NUL-terminated, reserved 0);
 * @w->text is then "".
 */
static int why(int dev, struct xl_ioc_why *w)
{
	int ret;

	*w = why_in();
	ret = xioctl(dev, XL_IOC_WHY, w);
	if (!ret && (w->size != sizeof(*w) || w->flags ||
		     !memchr(w->text, 0, sizeof(w->text)) ||
		     w->reserved[0] || w->reserved[1] || w->reserved[2] ||
		     w->reserved[3]))
		ret = -EPROTO;
	if (ret)
		w->text[0] = '\0';
	return ret;
}

/* One fact: the last refusal's reason contains every one of @needles. */
static void expect_why(int dev, const char *name, const char *const *needles)
{
	struct xl_ioc_why w;
	int ret = why(dev, &w), ok = !ret && w.text[0];

	for (; ok && *needles; needles++)
		ok = strstr(w.text, *needles) != NULL;
	report(ok, "%s: %s", name, ret ? strerror(-ret) : w.text);
}

/* ---- abi: no VM needed ---- */

static void test_abi(void)
{
	struct xl_version v;
	struct xl_counters c;
	struct xl_set_mode m;
	struct xl_irqs r;
	int dev = dev_open();
	int i, ret;

	report_prefix("abi-");
	v = version_in();
	ret = xioctl(dev, XL_IOC_VERSION, &v);
	expect("version", ret, 0);
	report(v.abi_version == XL_ABI_VERSION, "version-abi: %u",
	       v.abi_version);
	/* the QEMU rig has no VMX: baseline is all this host can enter */
	report(v.modes == (1u << XL_IOC_MODE_BASELINE),
	       "version-modes-baseline-only-without-vmx: 0x%x", v.modes);
	report(v.max_irqs >= 1 && v.max_irqs <= XL_MAX_IRQS &&
	       v.max_vms >= 1, "version-limits: irqs %u vms %u",
	       v.max_irqs, v.max_vms);

	v = version_in();
	v.size = sizeof(v) - 8;
	expect("version-short-size", xioctl(dev, XL_IOC_VERSION, &v), -EINVAL);
	v = version_in();
	v.size = 0;
	expect("version-zero-size", xioctl(dev, XL_IOC_VERSION, &v), -EINVAL);
	v = version_in();
	v.flags = 1;
	expect("version-flags", xioctl(dev, XL_IOC_VERSION, &v), -EINVAL);
	for (i = 0; i < 4; i++) {
		v = version_in();
		v.reserved[i] = 1ULL << (i * 13);
		ret = xioctl(dev, XL_IOC_VERSION, &v);
		if (ret != -EINVAL)
			break;
	}
	expect("version-reserved", ret, -EINVAL);
	v = version_in();
	v.abi_version = 7;
	expect("version-output-field-nonzero",
	       xioctl(dev, XL_IOC_VERSION, &v), -EINVAL);
	expect("version-null", xioctl(dev, XL_IOC_VERSION, NULL), -EFAULT);
	expect("version-bad-pointer",
	       xioctl(dev, XL_IOC_VERSION, (void *)16), -EFAULT);
	expect("unknown-nr", xioctl(dev, _IOWR(XL_IOCTL_MAGIC, 0x7f,
					       struct xl_version), &v), -ENOTTY);
	expect("wrong-magic", xioctl(dev, _IOWR('K', 0x00,
						struct xl_version), &v),
	       -ENOTTY);
	/* same number, wrong size encoded in the command */
	expect("wrong-size-in-cmd",
	       xioctl(dev, _IOWR(XL_IOCTL_MAGIC, 0x00, uint64_t), &v),
	       -ENOTTY);
	expect("tcgets", xioctl(dev, TCGETS, &v), -ENOTTY);
	expect("detach-not-attached", xioctl(dev, XL_IOC_DETACH, NULL),
	       -ENOTCONN);
	expect("detach-arg", ioctl(dev, XL_IOC_DETACH, 1UL) ? -errno : 0,
	       -EINVAL);
	expect("mode-not-attached", set_mode(dev, XL_IOC_MODE_BASELINE),
	       -ENOTCONN);
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.mode = XL_IOC_NR_MODES;
	expect("mode-out-of-range", xioctl(dev, XL_IOC_SET_MODE, &m), -EINVAL);
	m.mode = 0;
	m.reserved0 = 1;
	expect("mode-reserved0", xioctl(dev, XL_IOC_SET_MODE, &m), -EINVAL);
	expect("irqs-not-attached",
	       irqs_op(dev, XL_IOC_REGISTER_IRQS, (uint32_t[]){ 4 }, 1),
	       -ENOTCONN);
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	expect("irqs-count-zero", xioctl(dev, XL_IOC_REGISTER_IRQS, &r),
	       -EINVAL);
	r.count = XL_MAX_IRQS + 1;
	expect("irqs-count-huge", xioctl(dev, XL_IOC_REGISTER_IRQS, &r),
	       -E2BIG);
	r.count = 1;
	r.irqs[5] = 9;
	expect("irqs-unused-entry-nonzero",
	       xioctl(dev, XL_IOC_REGISTER_IRQS, &r), -EINVAL);
	{
		struct xl_ioc_why w;

		expect("why-not-attached", why(dev, &w), -ENOTCONN);
		w = why_in();
		w.size = sizeof(w) - 8;
		expect("why-short-size", xioctl(dev, XL_IOC_WHY, &w), -EINVAL);
		w = why_in();
		w.size = sizeof(w) + 8;
		expect("why-long-size", xioctl(dev, XL_IOC_WHY, &w), -EINVAL);
		w = why_in();
		w.flags = 1;
		expect("why-flags", xioctl(dev, XL_IOC_WHY, &w), -EINVAL);
		w = why_in();
		w.reserved[3] = 1;
		expect("why-reserved", xioctl(dev, XL_IOC_WHY, &w), -EINVAL);
		w = why_in();
		w.text[255] = 'x';
		expect("why-output-field-nonzero",
		       xioctl(dev, XL_IOC_WHY, &w), -EINVAL);
		expect("why-null", xioctl(dev, XL_IOC_WHY, NULL), -EFAULT);
		/* same number, wrong size encoded in the command */
		expect("why-wrong-size-in-cmd",
		       xioctl(dev, _IOWR(XL_IOCTL_MAGIC, 0x07, uint64_t), &w),
		       -ENOTTY);
	}
	expect("counters-not-attached", counters(dev, 0, &c), -ENOTCONN);
	expect("counters-global", counters(dev, XL_COUNTERS_GLOBAL, &c), 0);
	report(c.vm_id == 0 && c.size == sizeof(c), "counters-global-fields");
	expect("counters-bad-flags", counters(dev, 2, &c), -EINVAL);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = XL_COUNTERS_GLOBAL;
	c.attaches = 1;
	expect("counters-output-field-nonzero",
	       xioctl(dev, XL_IOC_COUNTERS, &c), -EINVAL);
	expect("attach-bad-fd", attach(dev, -1, NULL), -EBADF);
	expect("attach-closed-fd", attach(dev, 1000, NULL), -EBADF);
	expect("attach-non-kvm-fd", attach(dev, dev, NULL), -EINVAL);
	{
		struct xl_attach a = { .size = sizeof(a), .vm_fd = 0,
				       .reserved0 = 1 };

		expect("attach-reserved", xioctl(dev, XL_IOC_ATTACH, &a),
		       -EINVAL);
	}
	expect("read-not-supported", read(dev, &v, 8) < 0 ? -errno : 0,
	       -EINVAL);
	close(dev);
}

/* A host IRQ that exists: the first number in /proc/interrupts. */
static int some_irq(uint32_t *irq, int which)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long v = strtoul(line, &end, 10);

		if (end != line && *end == ':' && n++ == which) {
			*irq = v;
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/*
 * KVM's debugfs directories of the VMs created by process @pid
 * ("PID-FD" in /sys/kernel/debug/kvm/): one exists from KVM_CREATE_VM
 * until the VM is destroyed, i.e. until its last reference is dropped.
 * -1 when KVM's debugfs is not there.
 */
static int kvm_vm_dirs(pid_t pid)
{
	char pfx[32];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/sys/kernel/debug/kvm");

	if (!d)
		return -1;
	snprintf(pfx, sizeof(pfx), "%d-", (int)pid);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, pfx, strlen(pfx)))
			n++;
	closedir(d);
	return n;
}

/* ---- attach: needs /dev/kvm ---- */

static void test_attach(void)
{
	struct xl_counters c, g0, g;
	uint32_t irq0, irq1, many[XL_MAX_IRQS + 1];
	uint64_t id = 0, id2 = 0;
	int dev, dev2, kfd, vfd, vfd2, ret, status;
	pid_t pid;
	uint32_t i;

	report_prefix("attach-");
	vfd = kvm_vm_create(&kfd);
	if (vfd < 0) {
		report_skip("all", vfd == -ENOENT ?
		     "/dev/kvm absent (no kvm_intel/kvm_amd in this VM)" :
		     strerror(-vfd));
		return;
	}
	dev = dev_open();
	dev2 = dev_open();
	counters(dev, XL_COUNTERS_GLOBAL, &g0);

	expect("kvm-dev-fd-refused", attach(dev, kfd, NULL), -EINVAL);
	expect("ok", attach(dev, vfd, &id), 0);
	report(id > 0, "id-nonzero: %llu", (unsigned long long)id);
	expect("twice-same-session", attach(dev, vfd, NULL), -EBUSY);
	expect("same-vm-other-session", attach(dev2, vfd, NULL), -EBUSY);
	{
		struct xl_ioc_why w;

		ret = why(dev, &w);
		report(!ret && !w.text[0], "why-empty-after-attach: %d '%s'",
		       ret, w.text);
	}
	expect("mode-baseline", set_mode(dev, XL_IOC_MODE_BASELINE), 0);
	/*
	 * The reasons of the QEMU rig: no VT-x under TCG, so no kvm_intel
	 * and no VMX hooks for eli/did, and pi names what the CPU lacks.
	 */
	expect("mode-eli-unsupported", set_mode(dev, XL_IOC_MODE_ELI), -EOPNOTSUPP);
	expect_why(dev, "why-eli-names-hooks", (const char *[]){
		   "mode 'eli' is not available",
		   "VMX entry/exit hooks", "not active", NULL });
	expect("mode-pi-unsupported", set_mode(dev, XL_IOC_MODE_PI), -EOPNOTSUPP);
	expect_why(dev, "why-pi-names-missing", (const char *[]){
		   "mode 'pi' refused", "VM stays in 'baseline'",
		   "CPU has no Intel VT-x (VMX)", NULL });
	expect("mode-did-unsupported", set_mode(dev, XL_IOC_MODE_DID), -EOPNOTSUPP);
	expect_why(dev, "why-did-names-hooks", (const char *[]){
		   "mode 'did' is not available",
		   "VMX entry/exit hooks", NULL });
	expect("mode-invalid", set_mode(dev, 0xffffffffu), -EINVAL);
	/* an invalid call is not a refusal: the reason stays */
	expect_why(dev, "why-kept-after-einval", (const char *[]){
		   "mode 'did'", NULL });

	if (some_irq(&irq0, 0) || some_irq(&irq1, 1)) {
		report(0, "irqs: no IRQ numbers in /proc/interrupts");
		return;
	}
	expect("irq-nonexistent",
	       irqs_op(dev, XL_IOC_REGISTER_IRQS, (uint32_t[]){ 1000000 }, 1),
	       -ENOENT);
	expect("irq-duplicate-in-list",
	       irqs_op(dev, XL_IOC_REGISTER_IRQS,
		       (uint32_t[]){ irq0, irq0 }, 2), -EEXIST);
	expect("irq-register", irqs_op(dev, XL_IOC_REGISTER_IRQS,
				       (uint32_t[]){ irq0, irq1 }, 2), 0);
	expect("irq-register-again",
	       irqs_op(dev, XL_IOC_REGISTER_IRQS, (uint32_t[]){ irq1 }, 1),
	       -EEXIST);
	for (i = 0; i < XL_MAX_IRQS + 1; i++)
		many[i] = irq0;
	expect("irq-too-many", irqs_op(dev, XL_IOC_REGISTER_IRQS, many,
				       XL_MAX_IRQS), -E2BIG);
	expect("counters", counters(dev, 0, &c), 0);
	report(c.vm_id == id && c.mode == XL_IOC_MODE_BASELINE && c.nr_irqs == 2 &&
	       c.mode_changes == 1 && c.mode_rejected == 3 &&
	       c.irq_registers == 2,
	       "counters-values: id %llu mode %u irqs %u changes %llu rejected %llu",
	       (unsigned long long)c.vm_id, c.mode, c.nr_irqs,
	       (unsigned long long)c.mode_changes,
	       (unsigned long long)c.mode_rejected);
	expect("irq-unregister-unknown",
	       irqs_op(dev, XL_IOC_UNREGISTER_IRQS, (uint32_t[]){ 1000000 },
		       1), -ENOENT);
	expect("irq-unregister", irqs_op(dev, XL_IOC_UNREGISTER_IRQS,
					 (uint32_t[]){ irq0 }, 1), 0);
	counters(dev, 0, &c);
	report(c.nr_irqs == 1 && c.irq_unregisters == 1,
	       "irq-unregister-counted: %u", c.nr_irqs);
	expect("detach", xioctl(dev, XL_IOC_DETACH, NULL), 0);
	expect("detach-twice", xioctl(dev, XL_IOC_DETACH, NULL), -ENOTCONN);
	{
		struct xl_ioc_why w;

		expect("why-after-detach", why(dev, &w), -ENOTCONN);
	}
	expect("other-session-after-detach", attach(dev2, vfd, &id2), 0);
	report(id2 > id, "ids-increase");
	{
		struct xl_ioc_why w;

		/* the refusals were the previous attachment's */
		ret = why(dev2, &w);
		report(!ret && !w.text[0], "why-empty-after-reattach: %d '%s'",
		       ret, w.text);
	}
	close(dev2);	/* close while attached: detaches */
	expect("reattach-after-close", attach(dev, vfd, NULL), 0);

	/* The VM's own fd goes away while attached: our reference keeps it. */
	close(vfd);
	expect("vm-fd-closed-counters", counters(dev, 0, &c), 0);
	expect("vm-fd-closed-mode", set_mode(dev, XL_IOC_MODE_BASELINE), 0);
	ret = kvm_vm_dirs(getpid());
	if (ret < 0)
		report_skip("vm-kept-alive", "no /sys/kernel/debug/kvm");
	else
		report(ret == 1, "vm-kept-alive-by-attachment: %d VM dirs", ret);
	expect("vm-fd-closed-detach", xioctl(dev, XL_IOC_DETACH, NULL), 0);
	/* our kvm_put_kvm was the last reference: KVM destroyed the VM */
	if (ret >= 0)
		report(kvm_vm_dirs(getpid()) == 0,
		       "vm-destroyed-at-detach: %d VM dirs", kvm_vm_dirs(getpid()));

	/* A tool that dies while attached: close on exit detaches. */
	vfd2 = ioctl(kfd, KVM_CREATE_VM, 0);
	pid = fork();
	if (pid == 0) {
		int d = open(XL_DEVICE_PATH, O_RDWR);

		if (d < 0 || attach(d, vfd2, NULL) ||
		    irqs_op(d, XL_IOC_REGISTER_IRQS, (uint32_t[]){ irq0 }, 1))
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	waitpid(pid, &status, 0);
	report(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "crashed-tool-killed: status 0x%x", status);
	counters(dev, XL_COUNTERS_GLOBAL, &g);
	report(g.attached == g0.attached && g.nr_irqs == g0.nr_irqs,
	       "crashed-tool-detached: attached %llu irqs %u",
	       (unsigned long long)g.attached, g.nr_irqs);
	report(g.detaches - g0.detaches == 4 && g.attaches - g0.attaches == 4,
	       "global-counters: attaches +%llu detaches +%llu",
	       (unsigned long long)(g.attaches - g0.attaches),
	       (unsigned long long)(g.detaches - g0.detaches));
	ret = attach(dev, vfd2, NULL);
	expect("vm-free-after-crash", ret, 0);
	close(vfd2);
	ret = kvm_vm_dirs(getpid());
	close(dev);
	if (ret >= 0)
		report(ret == 1 && kvm_vm_dirs(getpid()) == 0,
		       "close-drops-last-vm-reference: %d then %d VM dirs", ret,
		       kvm_vm_dirs(getpid()));
	close(kfd);
}

/* ---- fuzz ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, same sequence on every run */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static const unsigned long cmds[] = {
	XL_IOC_VERSION, XL_IOC_ATTACH, XL_IOC_DETACH, XL_IOC_SET_MODE,
	XL_IOC_REGISTER_IRQS, XL_IOC_UNREGISTER_IRQS, XL_IOC_COUNTERS,
	XL_IOC_WHY,
};

/* successes are counted per ioctl number, _IOC_NR(cmd) & 7 */
_Static_assert(ARRAY_SIZE(cmds) <= 8, "ok_cmd[] has 8 counters");

static int allowed(int e)
{
	switch (e) {
	case EINVAL: case EBADF: case EFAULT: case ENOTTY: case EBUSY:
	case ENOTCONN: case EOPNOTSUPP: case E2BIG: case ENOENT: case EEXIST:
	case ENOSPC:
		return 1;
	}
	return 0;
}

static int kfd = -1, vfd[2] = { -1, -1 };
static uint32_t irq_pool[8];
static unsigned int irq_pool_n;

/*
 * One fuzzing process: @n calls on its own sessions. Returns the number of
 * calls that failed with an errno outside the ABI's list, plus one when
 * @strict and attach/register/unregister never succeeded (a fuzzer that
 * never gets past validation tests nothing). Only the single-process run
 * is strict: with several, the interleaving is not reproducible.
 */
static long fuzz_loop(uint64_t seed, long n, int strict)
{
	enum { NSESS = 3 };
	int sess[NSESS];
	long i, ok = 0, errs = 0, bad = 0, reopen = 0, ok_cmd[8] = { 0 };
	unsigned char *page, *buf;
	long pagesz = sysconf(_SC_PAGESIZE);

	rng = seed ? seed : 1;
	for (i = 0; i < NSESS; i++)
		sess[i] = dev_open();
	/* Two pages, the second inaccessible: structures that straddle it. */
	page = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || mprotect(page + pagesz, pagesz, PROT_NONE)) {
		printf("fuzz: mmap failed\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		unsigned long cmd = cmds[r % ARRAY_SIZE(cmds)];
		size_t size, k;
		uint32_t *w;
		void *arg;
		int s = (r >> 8) % NSESS, ret;

		switch ((r >> 12) % 16) {
		case 0: /* anything with our magic */
			cmd = _IOC((r >> 20) & 3, XL_IOCTL_MAGIC,
				   (r >> 24) & 15, (r >> 28) & 511);
			break;
		case 1: /* anything at all */
			cmd = (uint32_t)(r >> 32);
			break;
		}
		size = _IOC_SIZE(cmd);
		if (size > (size_t)pagesz)
			size = pagesz;
		/*
		 * Place the structure inside the page or across its end, on a
		 * 4-byte boundary.
		 */
		if ((r >> 36) % 8 == 0)
			buf = page + pagesz - (((r >> 44) % (size + 1)) & ~3UL);
		else
			buf = page + ((r >> 40) % 64) * 8;
		if (buf > page + pagesz - size)
			buf = page + pagesz - size;
		for (k = 0; k + 8 <= size && buf + k + 8 <= page + pagesz;
		     k += 8) {
			uint64_t v = rnd();

			/* mostly zero words: reach past the reserved checks */
			v = (v % 8) ? 0 : rnd() >> (v % 64);
			memcpy(buf + k, &v, 8);
		}
		w = (uint32_t *)buf;
		if (buf + 16 <= page + pagesz && (r >> 48) % 4) {
			/* a well-formed call most of the time: reserved = 0 */
			if (rnd() % 4)
				memset(buf, 0, buf + size <= page + pagesz ?
				       size : (size_t)(page + pagesz - buf));
			w[0] = (r >> 50) % 8 ? size : rnd() % 512; /* size */
			w[1] = (r >> 53) % 8 ? 0 : rnd();	    /* flags */
			if (cmd == XL_IOC_ATTACH) {
				int pick = rnd() % 6;

				w[2] = pick < 2 ? vfd[pick] :
				       pick == 2 ? sess[0] :
				       pick == 3 ? kfd : (int)(rnd() % 64) - 2;
			} else if (cmd == XL_IOC_SET_MODE) {
				w[2] = rnd() % 6;
			} else if (cmd == XL_IOC_REGISTER_IRQS ||
				   cmd == XL_IOC_UNREGISTER_IRQS) {
				uint32_t c = rnd() % 4, j;

				w[2] = c;
				for (j = 0; j < c && 16 + 4 * (j + 1) <= size &&
				     buf + 16 + 4 * (j + 1) <= page + pagesz; j++)
					w[4 + j] = irq_pool_n && rnd() % 4 ?
						   irq_pool[rnd() % irq_pool_n] :
						   rnd() % 64;
			}
		}
		arg = buf;
		if ((r >> 58) % 32 == 0)
			arg = NULL;
		else if ((r >> 58) % 32 == 1)
			arg = (void *)(uintptr_t)(rnd() | (1ULL << 63));
		ret = ioctl(sess[s], cmd, arg);
		if (ret == 0) {
			ok++;
			ok_cmd[_IOC_NR(cmd) & 7]++;
		} else if (allowed(errno)) {
			errs++;
		} else {
			if (bad++ < 5)
				printf("fuzz: call %ld cmd 0x%lx: unexpected errno %d (%s)\n",
				       i, cmd, errno, strerror(errno));
		}
		if ((r >> 61) == 0 && rnd() % 64 == 0) {
			/* close a session, attached or not */
			close(sess[s]);
			sess[s] = dev_open();
			reopen++;
		}
	}
	printf("fuzz[%d]: seed %llu, %ld calls: %ld ok, %ld errno, %ld unexpected, %ld reopened\n",
	       (int)getpid(), (unsigned long long)seed, n, ok, errs, bad,
	       reopen);
	printf("fuzz[%d]: successes per ioctl nr 0-7: %ld %ld %ld %ld %ld %ld %ld %ld\n",
	       (int)getpid(), ok_cmd[0], ok_cmd[1], ok_cmd[2], ok_cmd[3],
	       ok_cmd[4], ok_cmd[5], ok_cmd[6], ok_cmd[7]);
	fflush(stdout);
	for (i = 0; i < NSESS; i++)
		close(sess[i]);
	munmap(page, 2 * pagesz);
	if (!strict)
		return bad;
	if (ok < n / 100 || errs < n / 2 || !ok_cmd[1] || !ok_cmd[4] ||
	    !ok_cmd[5]) {
		printf("fuzz[%d]: too few successes of attach/register/unregister\n",
		       (int)getpid());
		bad++;
	}
	return bad;
}

/*
 * @procs processes fuzz at the same time; they share the two VM fds (made
 * before fork), so their sessions race to attach the same VMs.
 */
/* Another process's fd "PID:FD" (pidfd_getfd, Linux 5.6), or -errno. */
static int foreign_fd(const char *spec)
{
	int pid, fd, pfd, ret;

	if (sscanf(spec, "%d:%d", &pid, &fd) != 2)
		return -EINVAL;
	pfd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return -errno;
	ret = syscall(SYS_pidfd_getfd, pfd, fd, 0);
	ret = ret < 0 ? -errno : ret;
	close(pfd);
	return ret;
}

static void test_fuzz(uint64_t seed, long n, int procs, const char *running)
{
	struct xl_counters g;
	int p, status, dev, kids_ok = 1;
	long bad;

	report_prefix("fuzz-");
	vfd[0] = kvm_vm_create(&kfd);
	if (vfd[0] >= 0 && running)
		vfd[1] = foreign_fd(running);
	else if (vfd[0] >= 0)
		vfd[1] = ioctl(kfd, KVM_CREATE_VM, 0);
	else
		report_skip("attach", "no /dev/kvm: the fuzzer runs without VM fds");
	if (running)
		report(vfd[1] >= 0, "running-vm-fd: %s: %s", running,
		       vfd[1] >= 0 ? "ok" : strerror(-vfd[1]));
	while (irq_pool_n < 8 && !some_irq(&irq_pool[irq_pool_n], irq_pool_n))
		irq_pool_n++;
	for (p = 1; p < procs; p++) {
		if (fork() == 0)
			_exit(fuzz_loop(seed + p, n, 0) ? 1 : 0);
	}
	bad = fuzz_loop(seed, n, procs == 1);
	report(bad == 0, "errnos-expected-and-paths-reached: seed %llu",
	       (unsigned long long)seed);
	for (p = 1; p < procs; p++) {
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			kids_ok = 0;
	}
	if (procs > 1)
		report(kids_ok, "parallel-%d-processes", procs);
	dev = dev_open();
	expect("counters-after", counters(dev, XL_COUNTERS_GLOBAL, &g), 0);
	/* the running VM stays attached by its own process */
	report(g.attached == (running ? 1 : 0) && g.nr_irqs == 0,
	       "all-detached-after-close: attached %llu (want %d) irqs %u",
	       (unsigned long long)g.attached, running ? 1 : 0, g.nr_irqs);
	close(dev);
}

static int cmd_hold(void)
{
	int kfd, vfd, dev;

	vfd = kvm_vm_create(&kfd);
	dev = dev_open();
	if (vfd >= 0 && attach(dev, vfd, NULL)) {
		perror("attach");
		return 1;
	}
	printf("hold: %s, waiting\n", vfd >= 0 ? "attached" : "open (no kvm)");
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_vm(void)
{
	int kfd, vfd = kvm_vm_create(&kfd);

	if (vfd < 0) {
		fprintf(stderr, "vm: %s\n", strerror(-vfd));
		return 1;
	}
	printf("vm: fd %d pid %d\n", vfd, getpid());
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "abi"))
		test_abi();
	else if (argc >= 2 && !strcmp(argv[1], "attach"))
		test_attach();
	else if (argc >= 4 && !strcmp(argv[1], "fuzz"))
		test_fuzz(strtoull(argv[2], NULL, 0), strtol(argv[3], NULL, 0),
			  argc >= 5 ? atoi(argv[4]) : 1,
			  argc >= 6 ? argv[5] : NULL);
	else if (argc >= 2 && !strcmp(argv[1], "hold"))
		return cmd_hold();
	else if (argc >= 2 && !strcmp(argv[1], "vm"))
		return cmd_vm();
	else {
		fprintf(stderr, "usage: xl-kmodtest abi|attach|fuzz SEED N [PROCS [PID:FD]]|hold|vm\n");
		return 2;
	}
	return report_summary("xl-kmodtest");
}
