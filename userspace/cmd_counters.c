// SPDX-License-Identifier: GPL-2.0
/*
 * exitless counters: module-wide counters of exitless.ko (XL_IOC_COUNTERS
 * with XL_COUNTERS_GLOBAL); per-VM lines are in
 * /sys/kernel/debug/exitless/vms.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "command.h"
#include "xl_dev.h"

static int cmd_counters(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct xl_counters c;
	struct xl_version v;
	int opt, json = 0, dev, ret;
	unsigned int i;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'h':
			printf("usage: exitless counters [--json]\n\n"
			       "Module-wide counters of exitless.ko. Per-VM state: /sys/kernel/debug/exitless/vms.\n");
			return XL_EXIT_OK;
		default:
			fprintf(stderr, "usage: exitless counters [--json]\n");
			return XL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: exitless counters [--json]\n");
		return XL_EXIT_USAGE;
	}
	dev = xl_dev_open(&v);
	if (dev < 0)
		return XL_EXIT_UNAVAILABLE;
	ret = xl_dev_counters(dev, 1, &c);
	close(dev);
	if (ret) {
		fprintf(stderr, "exitless counters: %s\n", strerror(-ret));
		return XL_EXIT_FAIL;
	}
	{
		const struct { const char *name; unsigned long long val; } f[] = {
			{ "abi_version", v.abi_version },
			{ "attached", c.attached },
			{ "attaches", c.attaches },
			{ "detaches", c.detaches },
			{ "irqs_registered_now", c.nr_irqs },
			{ "irq_registers", c.irq_registers },
			{ "irq_unregisters", c.irq_unregisters },
			{ "mode_changes", c.mode_changes },
			{ "mode_rejected", c.mode_rejected },
			{ "ioctl_errors", c.ioctl_errors },
		};
		struct json_object *o = json_object_new_object();

		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			if (json)
				json_object_object_add(o, f[i].name,
					json_object_new_int64(f[i].val));
			else
				printf("%-20s %llu\n", f[i].name, f[i].val);
		}
		if (json)
			printf("%s\n", json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	}
	return XL_EXIT_OK;
}

XL_COMMAND(counters, "exitless.ko's module-wide counters", cmd_counters);
