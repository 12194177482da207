// SPDX-License-Identifier: GPL-2.0
/* The host IRQs VFIO requested for a device, from /proc/interrupts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irqs.h"

/* "vfio-msix[K](BDF)" or "vfio-msi[K](BDF)" anywhere in @line. */
static int is_vfio_msi_of(const char *line, const char *bdf)
{
	static const char *const names[] = { "vfio-msix[", "vfio-msi[" };
	const char *p, *close;
	size_t i, n = strlen(bdf);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = strstr(line, names[i]);
		if (!p)
			continue;
		close = strchr(p, ']');
		if (close && close[1] == '(' && !strncmp(close + 2, bdf, n) &&
		    close[2 + n] == ')')
			return 1;
	}
	return 0;
}

int xl_vfio_irqs_parse(FILE *f, const char *bdf, uint32_t *irqs,
		       unsigned int max)
{
	char line[8192], *end;
	unsigned long irq;
	unsigned int n = 0;
	int first = 1;

	while (fgets(line, sizeof(line), f)) {
		/* the header names the CPUs */
		if (first && strstr(line, "CPU")) {
			first = 0;
			continue;
		}
		first = 0;
		irq = strtoul(line, &end, 10);
		/* NMI:, LOC:, ... are not IRQ numbers */
		if (end == line) {
			if (!strchr(line, ':'))
				return -EINVAL;
			continue;
		}
		if (*end != ':')
			return -EINVAL;
		if (!is_vfio_msi_of(end, bdf))
			continue;
		if (n == max)
			return -E2BIG;
		irqs[n++] = irq;
	}
	return n;
}

int xl_vfio_irqs(const char *bdf, uint32_t *irqs, unsigned int max)
{
	const char *path = getenv("XL_PROC_INTERRUPTS");
	FILE *f = fopen(path ? path : "/proc/interrupts", "r");
	int ret;

	if (!f)
		return -errno;
	ret = xl_vfio_irqs_parse(f, bdf, irqs, max);
	fclose(f);
	return ret;
}
