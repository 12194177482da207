// SPDX-License-Identifier: GPL-2.0
/*
 * exitless counters: module-wide counters of exitless.ko (XL_IOC_COUNTERS
 * with XL_COUNTERS_GLOBAL), then, per hooked VM, whether its guest
 * registered the shadow-IDT page eli and did need, and from which vCPUs
 * (the guest_registered lines of /sys/kernel/debug/exitless/hooks; per-VM
 * modes and IRQs are in /sys/kernel/debug/exitless/vms).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "command.h"
#include "xl_dev.h"

#define XL_HOOKS_FILE	"/sys/kernel/debug/exitless/hooks"

/*
 * "vm N ..." then "  guest_registered yes|no vcpus 0:1 1:0" in debugfs
 * hooks: one line per VM, or a JSON array. Nothing when the file cannot
 * be read (no debugfs, not root, no hooks).
 */
static void guest_lines(int json, struct json_object *o)
{
	struct json_object *arr = NULL, *g, *v;
	char line[4096], *p, *end;
	unsigned long long vm = 0;
	FILE *f = fopen(XL_HOOKS_FILE, "r");
	unsigned long idx, on;

	if (!f)
		return;
	if (json)
		arr = json_object_new_array();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "vm %llu ", &vm) == 1)
			continue;
		p = strstr(line, "  guest_registered ");
		if (p != line)
			continue;
		p += strlen("  guest_registered ");
		if (!json) {
			line[strcspn(line, "\n")] = '\0';
			printf("vm %-16llu guest_registered %s%s\n", vm, p,
			       strncmp(p, "no", 2) ? "" :
			       " (eli/did refused: load exitless_guest.ko in the guest)");
			continue;
		}
		g = json_object_new_object();
		json_object_object_add(g, "vm_id", json_object_new_int64(vm));
		json_object_object_add(g, "registered",
				       json_object_new_boolean(!strncmp(p, "yes", 3)));
		v = json_object_new_array();
		p = strstr(p, "vcpus");
		while (p && (p = strchr(p, ' '))) {
			idx = strtoul(p + 1, &end, 10);
			if (end == p + 1 || *end != ':')
				break;
			on = strtoul(end + 1, &p, 10);
			if (on)
				json_object_array_add(v, json_object_new_int(idx));
		}
		json_object_object_add(g, "vcpus_registered", v);
		json_object_array_add(arr, g);
	}
	fclose(f);
	if (json)
		json_object_object_add(o, "guests", arr);
}

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
			       "Module-wide counters of exitless.ko, then per VM whether its guest registered\n"
			       "the shadow-IDT page eli and did need (read from " XL_HOOKS_FILE ",\n"
			       "root). Per-VM modes and IRQs: /sys/kernel/debug/exitless/vms.\n");
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
		guest_lines(json, o);
		if (json)
			printf("%s\n", json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	}
	return XL_EXIT_OK;
}

XL_COMMAND(counters, "exitless.ko's module-wide counters", cmd_counters);
