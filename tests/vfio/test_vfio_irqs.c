// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/vfio/irqs.c: a device's VFIO MSI/MSI-X IRQs
 * from /proc/interrupts text, as `exitless attach --device` finds them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../userspace/vfio/irqs.h"

/* Debian 6.1, 2 CPUs, an 82574L (e1000e) with VFIO MSI-X, interrupt remapping. */
static const char proc_interrupts[] =
	"           CPU0       CPU1       \n"
	"   0:         44          0  IR-IO-APIC    2-edge      timer\n"
	"  24:          0          0  DMAR-MSI    0-edge      dmar0\n"
	"  25:       1203          0  IR-PCI-MSIX-0000:00:03.0    0-edge      vfio-msix[0](0000:00:03.0)\n"
	"  26:          7          0  IR-PCI-MSIX-0000:00:03.0    1-edge      vfio-msix[1](0000:00:03.0)\n"
	"  27:          0          3  IR-PCI-MSIX-0000:00:03.0    2-edge      vfio-msix[2](0000:00:03.0)\n"
	"  28:          1          0  IR-PCI-MSI-0000:00:04.0    0-edge      vfio-msi[0](0000:00:04.0)\n"
	"  29:          9          0  IR-IO-APIC   11-fasteoi   vfio-intx(0000:00:05.0)\n"
	"  30:          2          0  IR-PCI-MSIX-0000:00:13.0    0-edge      vfio-msix[0](0000:00:13.0)\n"
	"  31:          0          0  IR-PCI-MSIX-0000:00:03.1    0-edge      virtio0-config\n"
	" NMI:          0          0   Non-maskable interrupts\n"
	" LOC:      12345      23456   Local timer interrupts\n"
	" ERR:          0\n"
	" MIS:          0\n";

static int parse(const char *text, const char *bdf, uint32_t *irqs,
		 unsigned int max)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int n;

	assert_non_null(f);
	n = xl_vfio_irqs_parse(f, bdf, irqs, max);
	fclose(f);
	return n;
}

static void test_msix_vectors_in_order(void **state)
{
	uint32_t irqs[8];

	assert_int_equal(parse(proc_interrupts, "0000:00:03.0", irqs, 8), 3);
	assert_int_equal(irqs[0], 25);
	assert_int_equal(irqs[1], 26);
	assert_int_equal(irqs[2], 27);
}

static void test_msi_and_not_intx(void **state)
{
	uint32_t irqs[8];

	assert_int_equal(parse(proc_interrupts, "0000:00:04.0", irqs, 8), 1);
	assert_int_equal(irqs[0], 28);
	/* INTx is not an MSI: never delivered directly */
	assert_int_equal(parse(proc_interrupts, "0000:00:05.0", irqs, 8), 0);
}

static void test_bdf_matches_exactly(void **state)
{
	uint32_t irqs[8];

	/* 0000:00:13.0 must not match 0000:00:1, nor 00:03.1 the chip name */
	assert_int_equal(parse(proc_interrupts, "0000:00:13.0", irqs, 8), 1);
	assert_int_equal(irqs[0], 30);
	assert_int_equal(parse(proc_interrupts, "0000:00:03.1", irqs, 8), 0);
	assert_int_equal(parse(proc_interrupts, "0000:00:1", irqs, 8), 0);
}

static void test_too_many_and_bad_text(void **state)
{
	uint32_t irqs[8];

	assert_int_equal(parse(proc_interrupts, "0000:00:03.0", irqs, 2),
			 -E2BIG);
	assert_int_equal(parse("           CPU0\nhello world\n", "0000:00:03.0",
			       irqs, 8), -EINVAL);
	assert_int_equal(parse("           CPU0\n  25 x\n", "0000:00:03.0",
			       irqs, 8), -EINVAL);
	assert_int_equal(parse("", "0000:00:03.0", irqs, 8), 0);
}

static void test_env_path(void **state)
{
	uint32_t irqs[8];

	setenv("XL_PROC_INTERRUPTS", "/nonexistent/interrupts", 1);
	assert_int_equal(xl_vfio_irqs("0000:00:03.0", irqs, 8), -ENOENT);
	unsetenv("XL_PROC_INTERRUPTS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msix_vectors_in_order),
		cmocka_unit_test(test_msi_and_not_intx),
		cmocka_unit_test(test_bdf_matches_exactly),
		cmocka_unit_test(test_too_many_and_bad_text),
		cmocka_unit_test(test_env_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
