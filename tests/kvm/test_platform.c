// SPDX-License-Identifier: GPL-2.0
/*
 * Platform detection (userspace/kvm/platform.c) on made-up machines: a
 * root directory with the /proc/cpuinfo, /sys/module, DMI and /dev entries
 * of each kind of host. The first line every measuring command prints
 * must name the platform truthfully: no KVM is never "software KVM".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../../userspace/kvm/kvm.h"

#define FLAGS_VM	"fpu sse2 hypervisor lm"
#define FLAGS_VMX	"fpu vmx sse2 lm"

struct fake_root {
	char dir[64];
};

static void put(struct fake_root *r, const char *path, const char *text)
{
	char full[256], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", r->dir, path);
	for (slash = full + strlen(r->dir) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		mkdir(full, 0755);
		*slash = '/';
	}
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void cpu(struct fake_root *r, const char *flags)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: %s\n",
		 flags);
	put(r, "/proc/cpuinfo", buf);
}

static int setup(void **state)
{
	struct fake_root *r = calloc(1, sizeof(*r));

	snprintf(r->dir, sizeof(r->dir), "/tmp/xl-plat.XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct fake_root *r = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd))
		return -1;
	free(r);
	return 0;
}

static void detect(struct fake_root *r, struct xl_platform *p)
{
	xl_platform_detect_at(p, r->dir);
}

static void no_kvm_in_a_vm(void **state)
{
	struct fake_root *r = *state;
	struct xl_platform p;

	cpu(r, FLAGS_VM);
	detect(r, &p);
	assert_int_equal(p.kind, XL_PLAT_NONE);
	assert_false(p.hardware);
	assert_false(p.representative);
	assert_string_equal(xl_platform_kind_name(p.kind), "none");
	assert_non_null(strstr(p.line, "platform: no KVM (/dev/kvm does not exist"));
	assert_non_null(strstr(p.line, "host is itself a VM"));
	assert_null(strstr(p.line, "SOFTWARE"));
	assert_string_equal(p.cpu_model, "Test CPU");
}

static void no_kvm_vmx_without_module(void **state)
{
	struct fake_root *r = *state;
	struct xl_platform p;

	cpu(r, FLAGS_VMX);
	detect(r, &p);
	assert_int_equal(p.kind, XL_PLAT_NONE);
	assert_non_null(strstr(p.line, "vmx present, kvm_intel not loaded"));
}

static void software_kvm(void **state)
{
	struct fake_root *r = *state;
	struct xl_platform p;

	cpu(r, FLAGS_VM);
	put(r, "/dev/kvm", "");
	put(r, "/sys/module/kvm_pvm/refcnt", "0\n");
	detect(r, &p);
	assert_int_equal(p.kind, XL_PLAT_SOFTWARE);
	assert_string_equal(xl_platform_kind_name(p.kind), "software");
	assert_non_null(strstr(p.line, "platform: SOFTWARE KVM backend (kvm-pvm module"));
	assert_false(p.representative);
}

static void hardware_vtx(void **state)
{
	struct fake_root *r = *state;
	struct xl_platform p;

	cpu(r, FLAGS_VMX);
	put(r, "/dev/kvm", "");
	put(r, "/sys/module/kvm_intel/refcnt", "0\n");
	detect(r, &p);
	assert_int_equal(p.kind, XL_PLAT_HARDWARE);
	assert_true(p.representative);
	assert_non_null(strstr(p.line, "platform: hardware KVM, kvm_intel (VT-x)"));
	assert_non_null(strstr(p.line, "exitless.ko not loaded"));

	put(r, "/dev/exitless", "");
	detect(r, &p);
	assert_true(p.exitless_dev);
	assert_non_null(strstr(p.line, "exitless.ko loaded"));
}

static void emulated_vtx(void **state)
{
	struct fake_root *r = *state;
	struct xl_platform p;

	cpu(r, FLAGS_VMX);
	put(r, "/dev/kvm", "");
	put(r, "/sys/module/kvm_intel/refcnt", "0\n");
	put(r, "/sys/class/dmi/id/bios_vendor", "The Bochs Project\n");
	detect(r, &p);
	assert_int_equal(p.kind, XL_PLAT_EMULATED);
	assert_false(p.representative);
	assert_string_equal(p.emulator, "Bochs");
	assert_non_null(strstr(p.line, "EMULATED by Bochs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_kvm_in_a_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(no_kvm_vmx_without_module, setup,
						teardown),
		cmocka_unit_test_setup_teardown(software_kvm, setup, teardown),
		cmocka_unit_test_setup_teardown(hardware_vtx, setup, teardown),
		cmocka_unit_test_setup_teardown(emulated_vtx, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
