// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/vfio/pci.c: BDF parsing, and the sysfs logic of
 * `exitless assign` (driver, IOMMU group, group viability, bind/override
 * writes) against a fake sysfs tree selected with XL_SYSFS_ROOT.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../userspace/vfio/pci.h"

static void test_bdf_valid(void **state)
{
	char out[XL_BDF_LEN];

	assert_int_equal(xl_bdf_parse("0000:00:03.0", out), 0);
	assert_string_equal(out, "0000:00:03.0");
	assert_int_equal(xl_bdf_parse("00:03.0", out), 0);
	assert_string_equal(out, "0000:00:03.0");
	assert_int_equal(xl_bdf_parse("ABCD:EF:1F.7", out), 0);
	assert_string_equal(out, "abcd:ef:1f.7");
	assert_int_equal(xl_bdf_parse("ff:00.1", out), 0);
	assert_string_equal(out, "0000:ff:00.1");
}

static void test_bdf_invalid(void **state)
{
	static const char *const bad[] = {
		"", "0", "00:03", "00:03.", "0000:00:03", "0000:00:20.0",
		"0000:00:03.8", "0000-00:03.0", "0000:00:03.0x", "g000:00:03.0",
		" 00:03.0", "00:03.0 ", "0000:00:03:0", "00.03.0", "+0:03.0",
		"000:00:03.0", "00000:00:03.0", "0000:0:003.0", "-1:03.0",
		"0000:00:3.00",
	};
	char out[XL_BDF_LEN];
	size_t i;

	assert_int_equal(xl_bdf_parse(NULL, out), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (xl_bdf_parse(bad[i], out) != -EINVAL)
			fail_msg("'%s' accepted as %s", bad[i], out);
	}
}

/* ---- fake sysfs ---- */
static char root[PATH_MAX];

static void mk(const char *fmt, const char *a)
{
	char p[PATH_MAX * 2], rel[PATH_MAX], cmd[PATH_MAX * 2 + 16];

	snprintf(rel, sizeof(rel), fmt, a);
	snprintf(p, sizeof(p), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *target, const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	unlink(p);
	assert_int_equal(symlink(target, p), 0);
}

static void get(const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX * 2];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "r");
	assert_non_null(f);
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
}

/* A PCI function in IOMMU group 7, class `class`, optionally bound. */
static void add_dev(const char *bdf, const char *class, const char *drv)
{
	char rel[256];

	mk("/sys/devices/%s", bdf);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", bdf);
	mk("%s", "/sys/bus/pci/devices");
	snprintf(rel, sizeof(rel), "../../../devices/%s", bdf);
	{
		char l[256];

		snprintf(l, sizeof(l), "/sys/bus/pci/devices/%s", bdf);
		link_to(rel, l);
		snprintf(l, sizeof(l), "/sys/devices/%s/iommu_group", bdf);
		link_to("../../kernel/iommu_groups/7", l);
		snprintf(l, sizeof(l), "/sys/kernel/iommu_groups/7/devices/%s", bdf);
		snprintf(rel, sizeof(rel), "../../../../devices/%s", bdf);
		link_to(rel, l);
		snprintf(l, sizeof(l), "/sys/devices/%s/vendor", bdf);
		put(l, "0x8086\n");
		snprintf(l, sizeof(l), "/sys/devices/%s/device", bdf);
		put(l, "0x10d3\n");
		snprintf(l, sizeof(l), "/sys/devices/%s/class", bdf);
		put(l, class);
		snprintf(l, sizeof(l), "/sys/devices/%s/driver_override", bdf);
		put(l, "(null)\n");
		if (drv) {
			snprintf(l, sizeof(l), "/sys/devices/%s/driver", bdf);
			snprintf(rel, sizeof(rel), "../../bus/pci/drivers/%s", drv);
			link_to(rel, l);
		}
	}
}

static int setup_tree(void **state)
{
	char cmd[PATH_MAX + 32];

	snprintf(root, sizeof(root), "/tmp/xl-vfio-test.XXXXXX");
	assert_non_null(mkdtemp(root));
	setenv("XL_SYSFS_ROOT", root, 1);
	mk("%s", "/sys/kernel/iommu_groups/7/devices");
	mk("%s", "/sys/bus/pci/drivers/e1000e");
	mk("%s", "/sys/bus/pci/drivers/pcieport");
	put("/sys/bus/pci/drivers/e1000e/bind", "");
	put("/sys/bus/pci/drivers_probe", "");
	add_dev("0000:01:00.0", "0x020000\n", "e1000e");
	(void)cmd;
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	unsetenv("XL_SYSFS_ROOT");
	return 0;
}

static void test_sysfs_reads(void **state)
{
	char drv[XL_DRV_LEN], ov[XL_DRV_LEN];
	unsigned int v, d, c;

	assert_int_equal(xl_iommu_enabled(), 1);
	assert_true(xl_pci_exists("0000:01:00.0"));
	assert_false(xl_pci_exists("0000:02:00.0"));
	assert_int_equal(xl_pci_iommu_group("0000:01:00.0"), 7);
	assert_int_equal(xl_pci_iommu_group("0000:02:00.0"), -ENOENT);
	assert_int_equal(xl_pci_driver("0000:01:00.0", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "e1000e");
	assert_int_equal(xl_pci_override("0000:01:00.0", ov, sizeof(ov)), 0);
	assert_string_equal(ov, "");	/* "(null)" */
	assert_int_equal(xl_pci_ids("0000:01:00.0", &v, &d, &c), 0);
	assert_int_equal(v, 0x8086);
	assert_int_equal(d, 0x10d3);
	assert_int_equal(c, 0x020000);
}

static void test_no_iommu(void **state)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/kernel/iommu_groups/7'", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(xl_iommu_enabled(), 0);
	/* the device's iommu_group link now dangles: no group */
	assert_true(xl_pci_iommu_group("0000:01:00.0") < 0 ||
		    xl_pci_iommu_group("0000:01:00.0") == 7);
}

static void test_viability(void **state)
{
	char who[64], drv[XL_DRV_LEN];

	/* alone in its group: viable whatever its own driver */
	assert_int_equal(xl_group_viable(7, "0000:01:00.0", who, sizeof(who),
					 drv, sizeof(drv)), 0);
	/* an unbound sibling, a pci-stub one and a vfio-pci one are fine */
	add_dev("0000:01:00.1", "0x020000\n", NULL);
	add_dev("0000:01:00.2", "0x020000\n", "pci-stub");
	add_dev("0000:01:00.3", "0x020000\n", "vfio-pci");
	/* a bridge keeps pcieport */
	add_dev("0000:00:1c.0", "0x060400\n", "pcieport");
	assert_int_equal(xl_group_viable(7, "0000:01:00.0", who, sizeof(who),
					 drv, sizeof(drv)), 0);
	/* a sibling function on a host driver breaks it, and is named */
	add_dev("0000:01:00.4", "0x020000\n", "e1000e");
	assert_int_equal(xl_group_viable(7, "0000:01:00.0", who, sizeof(who),
					 drv, sizeof(drv)), -EBUSY);
	assert_string_equal(who, "0000:01:00.4");
	assert_string_equal(drv, "e1000e");
	/* pcieport on something that is not a bridge is not exempt */
	add_dev("0000:01:00.4", "0x088000\n", "pcieport");
	assert_int_equal(xl_group_viable(7, "0000:01:00.0", who, sizeof(who),
					 drv, sizeof(drv)), -EBUSY);
	assert_string_equal(drv, "pcieport");
	assert_int_equal(xl_group_viable(8, "0000:01:00.0", who, sizeof(who),
					 drv, sizeof(drv)), -ENOENT);
}

static void test_writes(void **state)
{
	char buf[64];

	assert_int_equal(xl_pci_set_override("0000:01:00.0", "vfio-pci"), 0);
	get("/sys/devices/0000:01:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci");
	assert_int_equal(xl_pci_set_override("0000:01:00.0", ""), 0);
	get("/sys/devices/0000:01:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "\n");
	assert_int_equal(xl_pci_probe("0000:01:00.0"), 0);
	get("/sys/bus/pci/drivers_probe", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:00.0");
	assert_int_equal(xl_pci_bind("0000:01:00.0", "e1000e"), 0);
	get("/sys/bus/pci/drivers/e1000e/bind", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:00.0");
	/* a driver that is not there */
	assert_int_equal(xl_pci_bind("0000:01:00.0", "nosuchdrv"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf_valid),
		cmocka_unit_test(test_bdf_invalid),
		cmocka_unit_test_setup_teardown(test_sysfs_reads, setup_tree,
						teardown_tree),
		cmocka_unit_test_setup_teardown(test_no_iommu, setup_tree,
						teardown_tree),
		cmocka_unit_test_setup_teardown(test_viability, setup_tree,
						teardown_tree),
		cmocka_unit_test_setup_teardown(test_writes, setup_tree,
						teardown_tree),
	};

	return cmocka_run_group_tests_name("vfio_pci", tests, NULL, NULL);
}
