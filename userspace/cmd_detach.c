// SPDX-License-Identifier: GPL-2.0
/*
 * exitless detach / exitless mode: talk to the `exitless attach` process
 * that holds a VM (cmd_attach.c): SIGTERM to detach, SIGUSR1 plus
 * /run/exitless/attach-PID.mode to change the delivery mode.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "xl_dev.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* The attach process holding VM @vm_pid, checked to be an exitless. */
static pid_t holder_of(long vm_pid)
{
	char path[128], buf[64];
	FILE *f;
	long h = 0;

	if (xl_run_path(path, sizeof(path), vm_pid, "pid"))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%ld", &h) != 1)
		h = 0;
	fclose(f);
	if (h <= 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%ld/comm", h);
	f = fopen(path, "r");
	if (!f)
		return -ESRCH;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strncmp(buf, "exitless", 8) ? -ESRCH : (pid_t)h;
}

static long parse_pid_opt(int argc, char **argv, void (*usage)(FILE *))
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long long pid = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (xl_parse_opt(argv[0], "pid", optarg, 1, INT_MAX,
					 &pid))
				return -2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return -1;
		}
	}
	return pid ? (long)pid : -1;
}

static void no_holder(long vm_pid, pid_t err)
{
	fprintf(stderr, "exitless: no `exitless attach` holds the VM of pid %ld (%s)\n",
		vm_pid, err == -ESRCH ? "its holder is gone" :
		"no " XL_RUN_DIR "/attach-PID.pid");
}

static void detach_usage(FILE *f)
{
	fprintf(f, "usage: exitless detach --pid PID\n\n"
		"Stop the `exitless attach --pid PID` that holds PID's VM: it detaches\n"
		"(the VM goes back to KVM's own paths) and exits.\n");
}

static int cmd_detach(int argc, char **argv)
{
	long vm_pid = parse_pid_opt(argc, argv, detach_usage);
	struct pollfd p;
	pid_t h;
	int pidfd;

	if (!vm_pid)
		return XL_EXIT_OK;
	if (vm_pid == -2)
		return XL_EXIT_USAGE;	/* the number's message is out */
	if (vm_pid < 0 || optind != argc) {
		detach_usage(stderr);
		return XL_EXIT_USAGE;
	}
	h = holder_of(vm_pid);
	if (h < 0) {
		no_holder(vm_pid, h);
		return XL_EXIT_FAIL;
	}
	pidfd = syscall(SYS_pidfd_open, h, 0);
	if (kill(h, SIGTERM)) {
		fprintf(stderr, "exitless detach: kill %d: %s\n", (int)h,
			strerror(errno));
		return XL_EXIT_FAIL;
	}
	if (pidfd >= 0) {
		p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (poll(&p, 1, 10000) != 1) {
			fprintf(stderr, "exitless detach: holder %d still running after 10 s\n",
				(int)h);
			return XL_EXIT_TIMEOUT;
		}
		close(pidfd);
	}
	printf("exitless detach: VM of pid %ld detached (holder %d exited)\n",
	       vm_pid, (int)h);
	return XL_EXIT_OK;
}

XL_COMMAND(detach, "detach exitless.ko from a VM held by `exitless attach`", cmd_detach);

static void mode_usage(FILE *f)
{
	fprintf(f, "usage: exitless mode --pid PID MODE\n\n"
		"Switch the VM of PID, held by `exitless attach --pid PID`, to MODE:\n"
		"baseline | eli | pi | did (pi needs posted-interrupt hardware; eli\n"
		"and did need kvm_intel and exitless.ko experimental=1). When the\n"
		"attach has --device, the device's VFIO IRQs are looked up again and\n"
		"registered first, so the mode maps (eli, did) or posts (pi) them;\n"
		"the same MODE again only does that. A refusal prints exitless.ko's\n"
		"reason (\"refused by exitless.ko: ...\"), the line it also logs.\n");
}

static int cmd_mode(int argc, char **argv)
{
	long vm_pid = parse_pid_opt(argc, argv, mode_usage);
	char path[128], buf[64], why[XL_REFUSAL_LEN];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i, mode, ret;
	FILE *f;
	pid_t h;

	if (!vm_pid)
		return XL_EXIT_OK;
	if (vm_pid == -2)
		return XL_EXIT_USAGE;
	if (vm_pid < 0 || optind != argc - 1) {
		mode_usage(stderr);
		return XL_EXIT_USAGE;
	}
	mode = xl_dev_mode_parse(argv[optind]);
	if (mode < 0) {
		fprintf(stderr, "exitless mode: unknown mode '%s' (baseline, eli, pi, did)\n",
			argv[optind]);
		return XL_EXIT_USAGE;
	}
	h = holder_of(vm_pid);
	if (h < 0) {
		no_holder(vm_pid, h);
		return XL_EXIT_FAIL;
	}
	if (xl_run_path(path, sizeof(path), vm_pid, "result"))
		return XL_EXIT_FAIL;
	unlink(path);
	if (xl_run_path(path, sizeof(path), vm_pid, "mode"))
		return XL_EXIT_FAIL;
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", xl_dev_mode_name(mode)) < 0 || fclose(f)) {
		fprintf(stderr, "exitless mode: %s: %s\n", path, strerror(errno));
		return XL_EXIT_FAIL;
	}
	kill(h, SIGUSR1);
	xl_run_path(path, sizeof(path), vm_pid, "result");
	for (i = 0; i < 250; i++) {
		f = fopen(path, "r");
		if (f) {
			ret = fgets(buf, sizeof(buf), f) ? atoi(buf) : -EIO;
			/* the module's reason of a refusal, when it gave one */
			if (!fgets(why, sizeof(why), f))
				why[0] = '\0';
			why[strcspn(why, "\n")] = '\0';
			fclose(f);
			unlink(path);
			if (!ret) {
				printf("exitless mode: VM of pid %ld: %s\n",
				       vm_pid, xl_dev_mode_name(mode));
				return XL_EXIT_OK;
			}
			fprintf(stderr, "exitless mode: %s: %s\n",
				xl_dev_mode_name(mode),
				ret == -EOPNOTSUPP && why[0] ? why :
				ret == -EOPNOTSUPP ?
				xl_dev_mode_unavailable(mode) :
				strerror(-ret));
			return ret == -EOPNOTSUPP ? XL_EXIT_UNAVAILABLE :
						     XL_EXIT_FAIL;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "exitless mode: no answer from holder %d in 5 s\n", (int)h);
	return XL_EXIT_TIMEOUT;
}

XL_COMMAND(mode, "change the delivery mode of a VM held by `exitless attach`", cmd_mode);
