// SPDX-License-Identifier: GPL-2.0
/*
 * exitless model: N interrupts through each delivery mode in the reference
 * model (model/) with the exitless engine attached, as a table of exits
 * per interrupt by reason. Every number here is MODELLED: it counts what
 * the model's VMX rules make exit, not what a CPU measured.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "command.h"
#include "xl_err.h"
#include "model_nodes.h"
#include "../model/nodes.h"
#include "../model/scenario.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	enum xl_scn_kind kind;
} kinds[] = {
	{ "device", XL_SCN_DEVICE },
	{ "virtual", XL_SCN_VIRTUAL },
	{ "host", XL_SCN_HOST },
};

static const struct {
	const char *name;
	u32 reason;
} cols[] = {
	{ "ext_intr", EXIT_REASON_EXTERNAL_INTERRUPT },
	{ "eoi_msr", EXIT_REASON_MSR_WRITE },
	{ "np_exc", EXIT_REASON_EXCEPTION_NMI },
	{ "hlt", EXIT_REASON_HLT },
	{ "irq_window", EXIT_REASON_INTERRUPT_WINDOW },
	{ "ptimer", EXIT_REASON_PREEMPTION_TIMER },
};

json_object *xl_model_json_top(const char *source)
{
	json_object *top = json_object_new_object();

	json_object_object_add(top, "origin",
			       json_object_new_string("modelled"));
	json_object_object_add(top, "source", json_object_new_string(source));
	return top;
}

void xl_model_json_put(json_object *top, json_object *rows)
{
	json_object_object_add(top, "rows", rows);
	printf("%s\n", json_object_to_json_string_ext(top,
			JSON_C_TO_STRING_PRETTY));
	json_object_put(top);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: exitless model [--count N] [--guest compute|halt] [--mode M] [--json]\n"
		"       exitless model --nodes N [--link-us X] [--count N] [--json]\n"
		"\n"
		"Sends N interrupts (default 10000) of each kind through each delivery\n"
		"mode of the exitless engine running on the reference model (model/):\n"
		"  device   passthrough MSIs of an assigned device (host vector 0x40 ->\n"
		"           guest vector 0x51)\n"
		"  virtual  virtual-device interrupts for the vCPU (vector 0x61)\n"
		"  host     the host's own interrupts on the vCPU's pCPU (vector 0xec)\n"
		"and prints sent / handled / lost and VM exits per interrupt by reason.\n"
		"Modes: baseline, eli, pi, did (did on a CPU with posted interrupts)\n"
		"and did-ipi (did without them: the guest vector as a physical IPI).\n"
		"The numbers are MODELLED, not measured: the model applies the SDM's\n"
		"rules to each interrupt and counts the exits they imply.\n"
		"\n"
		"--nodes N (1..%d) models one VM over N nodes, one vCPU each, the\n"
		"master controller on node 0 (GiantVM), and prints per interrupt class\n"
		"(device MSI, IPI, the vCPU's timer, a level-triggered pin with its EOI)\n"
		"the link messages, hops, VM exits on each node and latency, for:\n"
		"  master      GiantVM's routing: every signal to the master, which picks\n"
		"              the vCPU and sends it to the vCPU's node; KVM injects there\n"
		"  direct      straight to the vCPU's node; KVM injects there\n"
		"  direct-did  straight to the vCPU's node; did delivers it there\n"
		"  direct-pi   straight to the vCPU's node; pi delivers it there\n"
		"The exits of the delivery on the vCPU's node are the ones this model\n"
		"counts for a virtual interrupt in that mode. --link-us X is the link's\n"
		"cost per message in microseconds (0..%g, default %g: an assumption,\n"
		"papers/giantvm.md has no published GiantVM figure); an exit costs\n"
		"%.3f us (SplitX: 2,000 cycles at 2.93 GHz). --mode and --guest do not\n"
		"apply with --nodes. MODELLED, like the rest.\n"
		"Exit status: 0 when nothing was lost, 1 otherwise, 2 bad usage.\n",
		XL_NODES_MAX, XL_NODES_MAX_LINK_US, XL_NODES_LINK_US,
		XL_NODES_EXIT_US);
}

/*
 * The engine's modes under their own names (xl_modes.h), and DID once
 * more without posting hardware, which the model tells apart by name.
 */
struct row_mode {
	enum xl_mode mode;
	bool posting;
	const char *variant;	/* name of a variant, else the mode's */
};

static const struct row_mode modes[] = {
	{ XL_MODE_BASELINE, false, NULL },
	{ XL_MODE_ELI, false, NULL },
	{ XL_MODE_PI, true, NULL },
	{ XL_MODE_DID, true, NULL },
	{ XL_MODE_DID, false, "did-ipi" },
};

static const char *row_name(unsigned int mi)
{
	return modes[mi].variant ? modes[mi].variant :
				   xl_mode_name(modes[mi].mode);
}

static int cmd_model(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "guest", required_argument, NULL, 'g' },
		{ "mode", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "link-us", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	enum xl_guest_behaviour guest = XL_GUEST_COMPUTE;
	const char *only = NULL;
	json_object *jrows = NULL;
	unsigned long n = 10000, nodes = 0;
	double link_us = XL_NODES_LINK_US;
	bool link_given = false, single_given = false;
	bool json = false, lost_any = false, found = false;
	unsigned int mi, ki, c;
	char *end;
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "n:g:m:jhN:L:", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' ||
			    !n || n > 10000000) {
				fprintf(stderr, "exitless model: --count must be 1..10000000\n");
				return XL_EXIT_USAGE;
			}
			break;
		case 'N':
			errno = 0;
			nodes = strtoul(optarg, &end, 10);
			if (errno || *end || !isdigit((unsigned char)optarg[0]) ||
			    !nodes || nodes > XL_NODES_MAX) {
				fprintf(stderr, "exitless model: --nodes '%s' must be 1..%d\n",
					optarg, XL_NODES_MAX);
				return XL_EXIT_USAGE;
			}
			break;
		case 'L':
			errno = 0;
			link_us = strtod(optarg, &end);
			if (errno || *end || (!isdigit((unsigned char)optarg[0]) &&
					      optarg[0] != '.') ||
			    !isfinite(link_us) || link_us < 0 ||
			    link_us > XL_NODES_MAX_LINK_US) {
				fprintf(stderr, "exitless model: --link-us '%s' must be a number of microseconds, 0..%g\n",
					optarg, XL_NODES_MAX_LINK_US);
				return XL_EXIT_USAGE;
			}
			link_given = true;
			break;
		case 'g':
			single_given = true;
			if (!strcmp(optarg, "compute")) {
				guest = XL_GUEST_COMPUTE;
			} else if (!strcmp(optarg, "halt")) {
				guest = XL_GUEST_HALT;
			} else {
				fprintf(stderr, "exitless model: --guest is compute or halt\n");
				return XL_EXIT_USAGE;
			}
			break;
		case 'm':
			single_given = true;
			only = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return XL_EXIT_OK;
		default:
			usage(stderr);
			return XL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "exitless model: unexpected argument '%s'\n",
			argv[optind]);
		return XL_EXIT_USAGE;
	}
	if (link_given && !nodes) {
		fprintf(stderr, "exitless model: --link-us goes with --nodes\n");
		return XL_EXIT_USAGE;
	}
	if (nodes && single_given) {
		fprintf(stderr, "exitless model: --mode and --guest do not apply with --nodes\n");
		return XL_EXIT_USAGE;
	}
	if (nodes)
		return xl_model_nodes_table(nodes, link_us, n, json);
	for (mi = 0; mi < ARRAY_SIZE(modes); mi++)
		found |= !only || !strcmp(only, row_name(mi));
	if (!found) {
		fprintf(stderr, "exitless model: unknown mode '%s' (baseline, eli, pi, did, did-ipi)\n",
			only);
		return XL_EXIT_USAGE;
	}
	if (json) {
		jrows = json_object_new_array();
	} else {
		printf("MODEL: exits counted by the reference model (model/), not measured on hardware\n");
		printf("guest %s, N=%lu per row, exits per interrupt\n\n",
		       guest == XL_GUEST_HALT ? "halt" : "compute", n);
		printf("%-9s %-8s %8s %8s %5s %7s", "mode", "irq", "sent",
		       "handled", "lost", "exits");
		for (c = 0; c < ARRAY_SIZE(cols); c++)
			printf(" %10s", cols[c].name);
		printf("\n");
	}
	for (mi = 0; mi < ARRAY_SIZE(modes); mi++) {
		if (only && strcmp(only, row_name(mi)))
			continue;
		for (ki = 0; ki < ARRAY_SIZE(kinds); ki++) {
			struct xl_scn_cfg cfg;
			struct xl_scn_result r;
			u64 sent, handled, lost;
			int ret;

			xl_scn_defaults(&cfg, modes[mi].mode, kinds[ki].kind,
					(u32)n);
			cfg.guest = guest;
			cfg.apicv = cfg.posted_intr = cfg.vtd_posting =
				modes[mi].posting;
			ret = xl_scn_run(&cfg, &r);
			if (ret || r.mode_ret) {
				const struct xl_err_site *site = xl_err_take();

				fprintf(stderr, "exitless model: %s/%s: %s%s%s%s%s%s\n",
					row_name(mi), kinds[ki].name,
					ret ? strerror(-ret) :
					xl_why_str(r.why),
					site ? " (failed check: " : "",
					site ? site->func : "",
					site ? ": " : "",
					site ? site->why : "",
					site ? ")" : "");
				json_object_put(jrows);
				return XL_EXIT_FAIL;
			}
			sent = r.sent_device + r.sent_virtual + r.sent_host;
			handled = kinds[ki].kind == XL_SCN_HOST ?
				r.host_handled :
				r.handled_device + r.handled_virtual;
			lost = sent > handled ? sent - handled : 0;
			lost_any |= lost != 0;
			if (json) {
				json_object *o2 = json_object_new_object();
				json_object *ex = json_object_new_object();

				json_object_object_add(o2, "mode",
					json_object_new_string(row_name(mi)));
				json_object_object_add(o2, "irq",
					json_object_new_string(kinds[ki].name));
				json_object_object_add(o2, "sent",
					json_object_new_int64(sent));
				json_object_object_add(o2, "handled",
					json_object_new_int64(handled));
				json_object_object_add(o2, "lost",
					json_object_new_int64(lost));
				json_object_object_add(o2, "exits_per_irq",
					json_object_new_double((double)r.vcpu.exits / sent));
				for (c = 0; c < ARRAY_SIZE(cols); c++)
					json_object_object_add(ex, cols[c].name,
						json_object_new_double(
						(double)r.vcpu.exit_reason[cols[c].reason] / sent));
				json_object_object_add(o2, "by_reason", ex);
				json_object_array_add(jrows, o2);
				continue;
			}
			printf("%-9s %-8s %8llu %8llu %5llu %7.3f",
			       row_name(mi), kinds[ki].name,
			       (unsigned long long)sent,
			       (unsigned long long)handled,
			       (unsigned long long)lost,
			       (double)r.vcpu.exits / sent);
			for (c = 0; c < ARRAY_SIZE(cols); c++)
				printf(" %10.3f", (double)r.vcpu.exit_reason[
					cols[c].reason] / sent);
			printf("\n");
		}
	}
	if (json) {
		json_object *top = xl_model_json_top("exitless model (reference model, model/)");

		json_object_object_add(top, "guest", json_object_new_string(
			guest == XL_GUEST_HALT ? "halt" : "compute"));
		json_object_object_add(top, "count", json_object_new_int64(n));
		xl_model_json_put(top, jrows);
	} else {
		printf("\nirq: device = passthrough MSI, virtual = virtual-device interrupt, host = the host's own.\n"
		       "did = posted flavour (APICv + VT-d PI); did-ipi = guest vector as a physical IPI over eli.\n");
	}
	return lost_any ? XL_EXIT_FAIL : XL_EXIT_OK;
}

XL_COMMAND(model, "interrupts through each mode in the reference model (MODELLED exits)",
	   cmd_model)
