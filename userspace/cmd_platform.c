// SPDX-License-Identifier: GPL-2.0
/*
 * exitless platform: which KVM this machine has (none, software,
 * hardware VT-x/SVM, or VT-x emulated by Bochs) and whether exitless.ko
 * is loaded. `make run` reads it to choose where the modes are compared;
 * every other command that measures prints the same first line.
 */
#include <getopt.h>
#include <stdio.h>

#include <json-c/json.h>

#include "command.h"
#include "kvm/kvm.h"

#define USAGE	"usage: exitless platform [--json] [--root DIR]\n"

static void print_json(const struct xl_platform *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(
		xl_platform_kind_name(p->kind)));
	json_object_object_add(o, "line", json_object_new_string(p->line));
	json_object_object_add(o, "kernel", json_object_new_string(p->kernel));
	json_object_object_add(o, "host", json_object_new_string(p->host));
	json_object_object_add(o, "cpu", json_object_new_string(p->cpu_model));
	json_object_object_add(o, "backend", json_object_new_string(p->backend));
	json_object_object_add(o, "emulator", json_object_new_string(p->emulator));
	json_object_object_add(o, "dev_kvm", json_object_new_boolean(p->kvm_dev));
	json_object_object_add(o, "exitless_loaded",
			       json_object_new_boolean(p->exitless_dev));
	json_object_object_add(o, "flag_vmx", json_object_new_boolean(p->flag_vmx));
	json_object_object_add(o, "flag_svm", json_object_new_boolean(p->flag_svm));
	json_object_object_add(o, "flag_hypervisor",
			       json_object_new_boolean(p->flag_hypervisor));
	json_object_object_add(o, "timings_representative",
			       json_object_new_boolean(p->representative));
	printf("%s\n", json_object_to_json_string_ext(o,
	       JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int cmd_platform(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *root = "";
	struct xl_platform p;
	int opt, json = 0;

	while ((opt = getopt_long(argc, argv, "jr:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			printf(USAGE "\n"
			       "Which KVM this machine has, from /dev/kvm, /proc/cpuinfo's vmx/svm and\n"
			       "hypervisor flags, /sys/module (kvm_intel, kvm_amd, kvm_pvm) and the\n"
			       "firmware's DMI strings (Bochs), and whether exitless.ko is loaded\n"
			       "(/dev/exitless). The first line names the platform:\n"
			       "  no KVM          /dev/kvm does not exist\n"
			       "  SOFTWARE KVM    /dev/kvm without VT-x/SVM (kvm-pvm): timings mean nothing\n"
			       "  hardware KVM    kvm_intel on VT-x (or kvm_amd on SVM)\n"
			       "  EMULATED        KVM on the VT-x of an emulator (Bochs)\n\n"
			       "  --json      one JSON object; \"kind\" is none, software, hardware\n"
			       "              or emulated\n"
			       "  --root DIR  read /proc, /sys and /dev below DIR (for tests)\n");
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
	xl_platform_detect_at(&p, root);
	if (json) {
		print_json(&p);
		return XL_EXIT_OK;
	}
	printf("%s\n", p.line);
	printf("kernel %s, CPU %s, host %s\n", p.kernel, p.cpu_model, p.host);
	return XL_EXIT_OK;
}

XL_COMMAND(platform, "which KVM this machine has (none, software, hardware, emulated VT-x)",
	   cmd_platform);
