// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/xl_dev.c on the build host: mode names, run-file
 * paths, the message when exitless.ko is not loaded, the reason of a
 * refusal (XL_IOC_WHY answered by this file's ioctl), and finding another
 * process's KVM VM fd with pidfd_getfd (needs /dev/kvm; skipped without).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <cmocka.h>

#include "../../userspace/xl_dev.h"

/*
 * No module is loaded here: XL_IOC_WHY on FAKE_DEV is answered from the
 * queue of will_return() (an errno, then for 0 the text), after checking
 * that the caller sent a well-formed structure. Every other ioctl, and
 * XL_IOC_WHY on a real fd, goes to the kernel.
 */
#define FAKE_DEV	1000000

int ioctl(int fd, unsigned long req, ...)
{
	struct xl_ioc_why *w;
	va_list ap;
	void *arg;
	int err;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_DEV || req != XL_IOC_WHY)
		return syscall(SYS_ioctl, fd, req, arg);
	w = arg;
	check_expected(w->size);
	/* flags, text and reserved: zero on input (include/uapi/exitless.h) */
	assert_int_equal(w->flags, 0);
	assert_true(!memcmp(w->text, (char[sizeof(w->text)]){ 0 },
			    sizeof(w->text)));
	assert_true(!memcmp(w->reserved, (uint64_t[4]){ 0 },
			    sizeof(w->reserved)));
	err = mock_type(int);
	if (err) {
		errno = err;
		return -1;
	}
	/* the module always terminates it; the tool must not rely on that */
	memset(w->text, 'x', sizeof(w->text));
	strncpy(w->text, mock_ptr_type(const char *), sizeof(w->text));
	return 0;
}

static void why_answer(int err, const char *text)
{
	expect_value(ioctl, w->size, sizeof(struct xl_ioc_why));
	will_return(ioctl, err);
	if (!err)
		will_return(ioctl, text);
}

static void test_mode_names(void **state)
{
	int m;

	for (m = 0; m < XL_IOC_NR_MODES; m++)
		assert_int_equal(xl_dev_mode_parse(xl_dev_mode_name(m)), m);
	assert_int_equal(xl_dev_mode_parse("baseline"), XL_IOC_MODE_BASELINE);
	assert_int_equal(xl_dev_mode_parse("did"), XL_IOC_MODE_DID);
	assert_int_equal(xl_dev_mode_parse("ELI"), -EINVAL);
	assert_int_equal(xl_dev_mode_parse(""), -EINVAL);
	assert_string_equal(xl_dev_mode_name(XL_IOC_NR_MODES), "invalid");
	assert_string_equal(xl_dev_mode_name(0xffffffffu), "invalid");
}

/* The guest's registration line of `exitless attach` from the counters. */
static void test_guest_str(void **state)
{
	struct xl_counters c = { .size = sizeof(c) };
	char buf[256];

	(void)state;
	assert_int_equal(xl_dev_guest_str(&c, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "no VMX hooks"));
	c.guest_nr_vcpus = 2;
	assert_int_equal(xl_dev_guest_str(&c, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "not registered"));
	assert_non_null(strstr(buf, "exitless_guest.ko"));
	c.guest_shadow_gva = 0xffff888001234000ULL;
	c.guest_vcpus = 0x3;
	assert_int_equal(xl_dev_guest_str(&c, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "registered by vCPUs 0,1 of 2 (page 0xffff888001234000)");
	c.guest_vcpus = 0;
	xl_dev_guest_str(&c, buf, sizeof(buf));
	assert_string_equal(buf, "registered by vCPUs none of 2 (page 0xffff888001234000)");
	/* cut, never overrun */
	xl_dev_guest_str(&c, buf, 12);
	assert_int_equal(strlen(buf), 11);
}

static void test_run_path(void **state)
{
	char buf[64], tiny[8];

	assert_int_equal(xl_run_path(buf, sizeof(buf), 42, "pid"), 0);
	assert_string_equal(buf, XL_RUN_DIR "/attach-42.pid");
	assert_int_equal(xl_run_path(tiny, sizeof(tiny), 42, "pid"),
			 -ENAMETOOLONG);
}

static void test_parse_num(void **state)
{
	unsigned long long v = 7;

	assert_int_equal(xl_parse_num("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(xl_parse_num("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	/* the wraps strtoul into a narrower type would make */
	assert_int_equal(xl_parse_num("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	assert_int_equal(xl_parse_num("99999999999999999999", 0, ULLONG_MAX, &v),
			 -ERANGE);
	assert_int_equal(xl_parse_num("0", 1, 10, &v), -ERANGE);
	assert_int_equal(xl_parse_num("-1", 0, UINT32_MAX, &v), -EINVAL);
	assert_int_equal(xl_parse_num("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(xl_parse_num(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(xl_parse_num("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(xl_parse_num("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(xl_parse_num("", 0, 10, &v), -EINVAL);
	assert_int_equal(xl_parse_num(NULL, 0, 10, &v), -EINVAL);
	/* nothing written on failure */
	assert_int_equal(v, UINT32_MAX);
}

static void test_open_without_module(void **state)
{
	struct stat st;

	/* modules never load on the build machines: the node is absent */
	if (!stat(XL_DEVICE_PATH, &st)) {
		print_message("skipped: exitless.ko is loaded on this machine\n");
		skip();
	}
	assert_int_equal(xl_dev_open(NULL), -ENOENT);
}

static void test_no_vm_fd(void **state)
{
	assert_int_equal(xl_vm_fd_of_pid(getpid(), -1), -ENOENT);
	/* pid_max is at most 4194304 */
	assert_int_equal(xl_vm_fd_of_pid(4194305, -1), -ENOENT);
}

/*
 * A child that creates @nvms VMs, reports their fd numbers on @pfd and
 * waits to be killed. Returns its pid, or -1 when KVM cannot make a VM.
 */
static pid_t vm_child(int nvms, int fds[2])
{
	int p[2], kfd, i, v;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		kfd = open("/dev/kvm", O_RDWR);
		for (i = 0; i < nvms; i++) {
			v = kfd < 0 ? -1 : ioctl(kfd, KVM_CREATE_VM, 0);
			if (write(p[1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
		}
		for (;;)
			pause();
	}
	close(p[1]);
	for (i = 0; i < nvms; i++) {
		if (read(p[0], &fds[i], sizeof(fds[i])) != sizeof(fds[i]) ||
		    fds[i] < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(p[0]);
			return -1;
		}
	}
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void assert_is_vm_fd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "anon_inode:kvm-vm");
}

static void test_vm_fd_of_child(void **state)
{
	int fds[2], fd;
	pid_t pid = vm_child(1, fds);

	if (pid < 0) {
		print_message("skipped: needs /dev/kvm and KVM_CREATE_VM\n");
		skip();
	}
	fd = xl_vm_fd_of_pid(pid, -1);
	reap(pid);
	assert_true(fd >= 0);
	/* our duplicate outlives the child */
	assert_is_vm_fd(fd);
	close(fd);
}

static void test_two_vms_need_hint(void **state)
{
	int fds[2], fd, other;
	pid_t pid = vm_child(2, fds);

	if (pid < 0) {
		print_message("skipped: needs /dev/kvm and KVM_CREATE_VM\n");
		skip();
	}
	assert_int_equal(xl_vm_fd_of_pid(pid, -1), -EEXIST);
	fd = xl_vm_fd_of_pid(pid, fds[1]);
	other = xl_vm_fd_of_pid(pid, fds[1] + 100);
	reap(pid);
	assert_true(fd >= 0);
	assert_is_vm_fd(fd);
	close(fd);
	assert_int_equal(other, -ENOENT);
}

static void test_why(void **state)
{
	char buf[64], small[8], msg[XL_REFUSAL_LEN];
	char full[sizeof(((struct xl_ioc_why *)0)->text) + 1];
	const char *fb = "fallback";
	int fd;

	/* an older module has no XL_IOC_WHY */
	why_answer(ENOTTY, NULL);
	strcpy(buf, "stale");
	assert_int_equal(xl_dev_why(FAKE_DEV, buf, sizeof(buf)), -ENOTTY);
	assert_string_equal(buf, "");
	why_answer(ENOTTY, NULL);
	assert_ptr_equal(xl_dev_refusal(FAKE_DEV, msg, sizeof(msg), fb), fb);

	/* nothing refused since attach */
	why_answer(0, "");
	assert_int_equal(xl_dev_why(FAKE_DEV, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	why_answer(0, "");
	assert_ptr_equal(xl_dev_refusal(FAKE_DEV, msg, sizeof(msg), fb), fb);

	/* a reason: returned as is, and printed as the module's */
	why_answer(0, "mode 'eli' is not available: kvm_intel runs with APICv");
	assert_int_equal(xl_dev_why(FAKE_DEV, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "mode 'eli' is not available: kvm_intel runs with APICv");
	why_answer(0, "mode 'eli' is not available: kvm_intel runs with APICv");
	assert_ptr_equal(xl_dev_refusal(FAKE_DEV, msg, sizeof(msg), fb), msg);
	assert_string_equal(msg, "refused by exitless.ko: mode 'eli' is not available: kvm_intel runs with APICv");

	/* cut to the caller's buffer, always terminated */
	why_answer(0, "0123456789");
	assert_int_equal(xl_dev_why(FAKE_DEV, small, sizeof(small)), 0);
	assert_string_equal(small, "0123456");

	/* a full text[] without its NUL: the tool ends it itself */
	memset(full, 'y', sizeof(full) - 1);
	full[sizeof(full) - 1] = '\0';
	why_answer(0, full);
	assert_ptr_equal(xl_dev_refusal(FAKE_DEV, msg, sizeof(msg), fb), msg);
	assert_int_equal(strlen(msg), strlen("refused by exitless.ko: ") +
			 sizeof(full) - 2);

	/* the longest reason fits XL_REFUSAL_LEN */
	assert_true(strlen("refused by exitless.ko: ") + sizeof(full) - 1 <=
		    XL_REFUSAL_LEN);

	/* through the kernel: a device without ioctls answers ENOTTY too */
	fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(xl_dev_why(fd, buf, sizeof(buf)), -ENOTTY);
	assert_ptr_equal(xl_dev_refusal(fd, msg, sizeof(msg), fb), fb);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_guest_str),
		cmocka_unit_test(test_run_path),
		cmocka_unit_test(test_parse_num),
		cmocka_unit_test(test_open_without_module),
		cmocka_unit_test(test_no_vm_fd),
		cmocka_unit_test(test_vm_fd_of_child),
		cmocka_unit_test(test_two_vms_need_hint),
		cmocka_unit_test(test_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
