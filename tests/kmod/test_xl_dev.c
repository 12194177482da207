// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/xl_dev.c on the build host: mode names, run-file
 * paths, the message when exitless.ko is not loaded, and finding another
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
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <cmocka.h>

#include "../../userspace/xl_dev.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_run_path),
		cmocka_unit_test(test_parse_num),
		cmocka_unit_test(test_open_without_module),
		cmocka_unit_test(test_no_vm_fd),
		cmocka_unit_test(test_vm_fd_of_child),
		cmocka_unit_test(test_two_vms_need_hint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
