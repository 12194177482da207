// SPDX-License-Identifier: GPL-2.0
/*
 * exitless caps: what this host has for posted interrupts, as exitless.ko
 * detected it (/sys/kernel/debug/exitless/caps, kmod/caps.c), and the
 * `pi` state of attached VMs (/sys/kernel/debug/exitless/pi, kmod/pi.c):
 * posted IRTEs, counters and the last refusal with its reason.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "command.h"

#define XL_DEBUGFS	"/sys/kernel/debug/exitless"
#define USAGE		"usage: exitless caps [--json] [--check pi]\n"

/* "key value..." lines of @file into @o (values as strings). */
static int read_kv(const char *file, struct json_object *o, int print)
{
	char path[256], line[1024], *sp, *nl;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", XL_DEBUGFS, file);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (print)
			printf("%s\n", line);
		sp = strchr(line, ' ');
		if (!sp || !o)
			continue;
		*sp = '\0';
		/* per-VM lines of "pi" repeat "vm": keep them as an array */
		if (!strcmp(line, "vm")) {
			struct json_object *a;

			*sp = ' ';
			if (!json_object_object_get_ex(o, "vms", &a)) {
				a = json_object_new_array();
				json_object_object_add(o, "vms", a);
			}
			json_object_array_add(a, json_object_new_string(line));
			continue;
		}
		json_object_object_add(o, line, json_object_new_string(sp + 1));
	}
	fclose(f);
	return 0;
}

/* "NAME: yes" or "NAME: no: " and the NAME_missing line of debugfs caps. */
static void check_line(struct json_object *o, const char *name)
{
	struct json_object *v;
	char key[32];
	const char *can, *why;

	can = json_object_object_get_ex(o, name, &v) ?
		json_object_get_string(v) : "no";
	snprintf(key, sizeof(key), "%s_missing", name);
	why = json_object_object_get_ex(o, key, &v) ?
		json_object_get_string(v) : "unknown";
	printf("%s: %s%s\n", name, strcmp(can, "yes") ? "no: " : "yes",
	       strcmp(can, "yes") ? why : "");
}

static int cmd_caps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "check", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct json_object *o, *pi, *v;
	int opt, json = 0, check = 0, ret;
	const char *can;

	while ((opt = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'c':
			if (strcmp(optarg, "pi")) {
				fprintf(stderr, "exitless caps: --check knows 'pi' only\n");
				return XL_EXIT_USAGE;
			}
			check = 1;
			break;
		case 'h':
			printf(USAGE "\n"
			       "Posted-interrupt capabilities of this host as exitless.ko sees them:\n"
			       "CPU posted interrupts (VMX pin-based control bit 7), kvm_intel's\n"
			       "enable_apicv, IOMMU posting (irq_remapping_cap(IRQ_POSTING_CAP)),\n"
			       "x2APIC; the line 'pi_missing' names what `pi` lacks for virtual\n"
			       "interrupts, 'pi_irte_missing' what posting an assigned device's IRQs\n"
			       "lacks besides (VT-d posted interrupts). Then the `pi`\n"
			       "counters and, per attached VM, its posted IRTEs and last refusal.\n"
			       "Reads /sys/kernel/debug/exitless/{caps,pi} (root, module loaded).\n\n"
			       "  --json      one JSON object\n"
			       "  --check pi  exit 0 when `pi` can be entered on this host, 3 otherwise,\n"
			       "              and say whether it can post a device's IRQs too\n"
			       "              (per-VM conditions are checked when the mode is set)\n");
			return XL_EXIT_OK;
		default:
			fprintf(stderr, USAGE);
			return XL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, USAGE);
		return XL_EXIT_USAGE;
	}
	o = json_object_new_object();
	pi = json_object_new_object();
	ret = read_kv("caps", o, !json && !check);
	if (ret) {
		fprintf(stderr, "exitless caps: %s/caps: %s (exitless.ko loaded? debugfs mounted? root?)\n",
			XL_DEBUGFS, strerror(-ret));
		json_object_put(o);
		json_object_put(pi);
		return XL_EXIT_UNAVAILABLE;
	}
	if (!check) {
		if (!json)
			printf("-- pi mode (/sys/kernel/debug/exitless/pi)\n");
		if (!read_kv("pi", pi, !json))
			json_object_object_add(o, "pi_state", pi);
		else
			json_object_put(pi);
	} else {
		json_object_put(pi);
	}
	can = json_object_object_get_ex(o, "pi", &v) ?
		json_object_get_string(v) : "no";
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PRETTY));
	} else if (check) {
		check_line(o, "pi");
		check_line(o, "pi_irte");
	}
	ret = check && strcmp(can, "yes") ? XL_EXIT_UNAVAILABLE : XL_EXIT_OK;
	json_object_put(o);
	return ret;
}

XL_COMMAND(caps, "posted-interrupt capabilities of this host, pi mode state",
	   cmd_caps);
