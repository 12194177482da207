// SPDX-License-Identifier: GPL-2.0
/*
 * exitless assign / release: hand a PCI device to vfio-pci for device
 * assignment (QEMU, DPDK) and give it back to its own driver afterwards.
 *
 * assign: checks the IOMMU and the group's viability, remembers the bound
 * driver and driver_override in /run/exitless/assign-BDF, loads vfio-pci
 * and vfio_iommu_type1, sets driver_override=vfio-pci, unbinds, reprobes.
 * With --test it then drives the device through the VFIO uAPI and proves
 * an interrupt arrives (vfio/probe.c).
 * release: unbinds vfio-pci, restores driver_override and binds the
 * recorded driver again, exactly (not whatever the kernel would pick).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "command.h"
#include "vfio/pci.h"
#include "vfio/probe.h"

#define STATE_DIR	"/run/exitless"
#define VFIO_DRV	"vfio-pci"

extern char **environ;

struct state {
	char driver[XL_DRV_LEN];	/* "" = was unbound */
	char override[XL_DRV_LEN];
};

static void state_path(char *buf, size_t len, const char *bdf)
{
	snprintf(buf, len, "%s%s/assign-%s", xl_sysfs_root(), STATE_DIR, bdf);
}

static int state_read(const char *bdf, struct state *st)
{
	char path[256], line[128];
	FILE *f;

	state_path(path, sizeof(path), bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	memset(st, 0, sizeof(*st));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "driver=", 7))
			snprintf(st->driver, sizeof(st->driver), "%.*s",
				 (int)sizeof(st->driver) - 1, line + 7);
		else if (!strncmp(line, "override=", 9))
			snprintf(st->override, sizeof(st->override), "%.*s",
				 (int)sizeof(st->override) - 1, line + 9);
	}
	fclose(f);
	return 0;
}

static int state_write(const char *bdf, const struct state *st)
{
	char path[256], dir[200];
	FILE *f;
	int ret = 0;

	snprintf(dir, sizeof(dir), "%s%s", xl_sysfs_root(), STATE_DIR);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	state_path(path, sizeof(path), bdf);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "bdf=%s\ndriver=%s\noverride=%s\n", bdf, st->driver,
		    st->override) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

static void state_remove(const char *bdf)
{
	char path[256];

	state_path(path, sizeof(path), bdf);
	unlink(path);
}

static int run_modprobe(const char *mod)
{
	char *argv[] = { "modprobe", (char *)mod, NULL };
	int status;
	pid_t pid;

	/* a fake sysfs tree (tests) must never load modules into this kernel */
	if (getenv("XL_SYSFS_ROOT"))
		return -EPERM;
	if (posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ))
		return -ENOENT;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

static int path_exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", xl_sysfs_root(), rel);
	return !stat(p, &st);
}

/*
 * vfio-pci, and vfio_iommu_type1 explicitly: vfio-pci only names it as a
 * softdep, which busybox modprobe ignores; without it VFIO_SET_IOMMU
 * fails with ENODEV.
 */
static int load_vfio(void)
{
	if (!path_exists("/sys/bus/pci/drivers/" VFIO_DRV))
		run_modprobe("vfio-pci");
	if (!path_exists("/sys/module/vfio_iommu_type1"))
		run_modprobe("vfio_iommu_type1");
	if (!path_exists("/sys/bus/pci/drivers/" VFIO_DRV)) {
		fprintf(stderr, "exitless assign: the vfio-pci driver is not available (modprobe vfio-pci failed)\n");
		return -ENOENT;
	}
	if (!path_exists("/sys/module/vfio_iommu_type1")) {
		fprintf(stderr, "exitless assign: vfio_iommu_type1 is not available (modprobe vfio_iommu_type1 failed)\n");
		return -ENOENT;
	}
	return 0;
}

static int wait_group_node(int group)
{
	char p[32];
	int i;

	snprintf(p, sizeof(p), "/dev/vfio/%d", group);
	for (i = 0; i < 200; i++) {
		if (!access(p, F_OK))
			return 0;
		usleep(10 * 1000);
	}
	return -ENOENT;
}

/* Common checks: root, BDF syntax, the device exists. */
static int prologue(const char *cmd, const char *arg, char bdf[XL_BDF_LEN])
{
	if (xl_bdf_parse(arg, bdf)) {
		fprintf(stderr, "exitless %s: bad PCI address '%s': expected DDDD:BB:DD.F or BB:DD.F (hex)\n",
			cmd, arg);
		return XL_EXIT_USAGE;
	}
	if (geteuid() && !getenv("XL_SYSFS_ROOT")) {
		fprintf(stderr, "exitless %s: must run as root (it rebinds PCI drivers through sysfs)\n",
			cmd);
		return XL_EXIT_UNAVAILABLE;
	}
	if (!xl_pci_exists(bdf)) {
		fprintf(stderr, "exitless %s: no such PCI device %s (see lspci -D)\n",
			cmd, bdf);
		return XL_EXIT_UNAVAILABLE;
	}
	return XL_EXIT_OK;
}

static const char *drv_or_none(const char *d)
{
	return d[0] ? d : "(none)";
}

/* Progress for people; with --json it goes into the "message" member. */
static struct json_object *msg_json;

__attribute__((format(printf, 1, 2)))
static void info(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (msg_json)
		json_object_object_add(msg_json, "message",
				       json_object_new_string(buf));
	else
		printf("%s\n", buf);
}

/* Bind bdf to vfio-pci. *group gets its IOMMU group. */
static int do_assign(const char *bdf, int *group, struct json_object *jo)
{
	char drv[XL_DRV_LEN], who[XL_BDF_LEN + 64], wdrv[XL_DRV_LEN];
	struct state st, old;
	int ret;

	if (!xl_iommu_enabled()) {
		fprintf(stderr, "exitless assign: no IOMMU: /sys/kernel/iommu_groups is empty (enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on)\n");
		return XL_EXIT_UNAVAILABLE;
	}
	*group = xl_pci_iommu_group(bdf);
	if (*group < 0) {
		fprintf(stderr, "exitless assign: %s has no IOMMU group (is it behind the IOMMU?)\n",
			bdf);
		return XL_EXIT_UNAVAILABLE;
	}
	if (xl_pci_driver(bdf, drv, sizeof(drv)))
		return XL_EXIT_FAIL;
	if (jo) {
		json_object_object_add(jo, "iommu_group", json_object_new_int(*group));
		json_object_object_add(jo, "driver_before", json_object_new_string(drv));
	}
	if (!strcmp(drv, VFIO_DRV)) {
		if (!state_read(bdf, &old))
			info("exitless assign: %s is already assigned (vfio-pci, IOMMU group %d, original driver %s)",
			       bdf, *group, drv_or_none(old.driver));
		else
			info("exitless assign: %s is already bound to vfio-pci (IOMMU group %d), not by exitless: `exitless release` will let the kernel pick its driver",
			       bdf, *group);
		return XL_EXIT_OK;
	}
	ret = xl_group_viable(*group, bdf, who, sizeof(who), wdrv,
			      sizeof(wdrv));
	if (ret == -EBUSY) {
		fprintf(stderr, "exitless assign: IOMMU group %d is not viable: %s is bound to %s; assign it too, or unbind it (every device of a group must be unbound, vfio-pci or pci-stub)\n",
			*group, who, wdrv);
		return XL_EXIT_UNAVAILABLE;
	} else if (ret) {
		fprintf(stderr, "exitless assign: IOMMU group %d: %s\n", *group,
			strerror(-ret));
		return XL_EXIT_FAIL;
	}
	if (load_vfio())
		return XL_EXIT_UNAVAILABLE;

	memset(&st, 0, sizeof(st));
	snprintf(st.driver, sizeof(st.driver), "%s", drv);
	if (xl_pci_override(bdf, st.override, sizeof(st.override)))
		st.override[0] = '\0';
	ret = state_write(bdf, &st);
	if (ret) {
		fprintf(stderr, "exitless assign: cannot record the original driver in %s: %s\n",
			STATE_DIR, strerror(-ret));
		return XL_EXIT_FAIL;
	}
	ret = xl_pci_set_override(bdf, VFIO_DRV);
	if (!ret && drv[0])
		ret = xl_pci_unbind(bdf);
	if (!ret)
		ret = xl_pci_probe(bdf);
	if (!ret && xl_pci_driver(bdf, drv, sizeof(drv)) == 0 &&
	    strcmp(drv, VFIO_DRV))
		ret = -ENODEV;
	if (!ret)
		ret = wait_group_node(*group);
	if (ret) {
		fprintf(stderr, "exitless assign: binding %s to vfio-pci failed: %s; restoring %s\n",
			bdf, strerror(-ret), drv_or_none(st.driver));
		xl_pci_set_override(bdf, st.override);
		if (xl_pci_driver(bdf, drv, sizeof(drv)) == 0 && drv[0] &&
		    strcmp(drv, st.driver))
			xl_pci_unbind(bdf);
		if (st.driver[0] && !drv[0])
			xl_pci_bind(bdf, st.driver);
		state_remove(bdf);
		return XL_EXIT_FAIL;
	}
	info("exitless assign: %s: %s -> vfio-pci, /dev/vfio/%d", bdf,
	       drv_or_none(st.driver), *group);
	return XL_EXIT_OK;
}

static void assign_usage(FILE *f)
{
	fprintf(f,
		"usage: exitless assign [--test] [--json] BDF\n\n"
		"Bind the PCI device BDF (DDDD:BB:DD.F or BB:DD.F) to vfio-pci for\n"
		"assignment to a VM or to DPDK. Checks that the IOMMU is on and that the\n"
		"device's IOMMU group is viable (every other member unbound, vfio-pci or\n"
		"pci-stub; bridges exempt), records the current driver in\n"
		"/run/exitless/assign-BDF, loads vfio-pci and vfio_iommu_type1, then sets\n"
		"driver_override and rebinds. Running it again is harmless.\n"
		"`exitless release BDF` gives the device back to its original driver.\n\n"
		"  --test   then open the group and a type1v2 container (and /dev/iommu when\n"
		"           the kernel has iommufd), map 2 MiB of DMA, open the device, read\n"
		"           regions and IRQs, bind MSI-X and MSI vector 0 to an eventfd and,\n"
		"           on an e1000e, make the device interrupt; one line per step\n"
		"  --json   machine-readable result\n\n"
		"exit: 0 ok, 1 failed, 2 usage, 3 not root / no device / no IOMMU /\n"
		"      group not viable / vfio unavailable\n");
}

static int cmd_assign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "test", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct json_object *jo = NULL, *jt = NULL;
	char bdf[XL_BDF_LEN], drv[XL_DRV_LEN];
	int opt, test = 0, json = 0, group = -1, rc;

	while ((opt = getopt_long(argc, argv, "tjh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			test = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			assign_usage(stdout);
			return XL_EXIT_OK;
		default:
			assign_usage(stderr);
			return XL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		assign_usage(stderr);
		return XL_EXIT_USAGE;
	}
	rc = prologue("assign", argv[optind], bdf);
	if (rc)
		return rc;
	if (json) {
		jo = json_object_new_object();
		json_object_object_add(jo, "bdf", json_object_new_string(bdf));
		/* keep stdout pure JSON: messages go into the object */
		msg_json = jo;
	}
	rc = do_assign(bdf, &group, jo);
	if (!rc && test) {
		if (!json)
			printf("exitless assign --test %s (IOMMU group %d):\n",
			       bdf, group);
		if (jo) {
			jt = json_object_new_object();
			json_object_object_add(jo, "test", jt);
		}
		rc = xl_vfio_probe(bdf, group, jt);
		if (!json)
			printf("exitless assign --test %s: %s\n", bdf,
			       rc ? "FAIL" : "PASS");
	}
	if (jo) {
		if (!xl_pci_driver(bdf, drv, sizeof(drv)))
			json_object_object_add(jo, "driver", json_object_new_string(drv));
		json_object_object_add(jo, "verdict",
				       json_object_new_string(rc ? "fail" : "pass"));
		json_object_object_add(jo, "exit", json_object_new_int(rc));
		printf("%s\n", json_object_to_json_string_ext(jo,
						JSON_C_TO_STRING_PRETTY));
		json_object_put(jo);
	}
	return rc;
}

static void release_usage(FILE *f)
{
	fprintf(f,
		"usage: exitless release BDF\n\n"
		"Undo `exitless assign BDF`: unbind vfio-pci, restore driver_override and\n"
		"bind the driver recorded in /run/exitless/assign-BDF (exactly that one).\n"
		"Refuses while a process holds the device's /dev/vfio group open.\n\n"
		"exit: 0 ok, 1 not assigned / in use / rebind failed, 2 usage,\n"
		"      3 not root / no such device\n");
}

static int cmd_release(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char bdf[XL_BDF_LEN], drv[XL_DRV_LEN], comm[64];
	struct state st;
	int opt, rc, known, group, pid, ret;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			release_usage(stdout);
			return XL_EXIT_OK;
		}
		release_usage(stderr);
		return XL_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		release_usage(stderr);
		return XL_EXIT_USAGE;
	}
	rc = prologue("release", argv[optind], bdf);
	if (rc)
		return rc;
	if (xl_pci_driver(bdf, drv, sizeof(drv)))
		return XL_EXIT_FAIL;
	known = !state_read(bdf, &st);
	if (!known && strcmp(drv, VFIO_DRV)) {
		fprintf(stderr, "exitless release: %s is not assigned (driver %s); nothing to release\n",
			bdf, drv_or_none(drv));
		return XL_EXIT_FAIL;
	}
	if (known && strcmp(drv, VFIO_DRV) && drv[0]) {
		if (!strcmp(drv, st.driver)) {
			state_remove(bdf);
			printf("exitless release: %s is already back on %s\n",
			       bdf, drv);
			return XL_EXIT_OK;
		}
		fprintf(stderr, "exitless release: %s is bound to %s, neither vfio-pci nor its original %s: leaving it alone\n",
			bdf, drv, drv_or_none(st.driver));
		return XL_EXIT_FAIL;
	}
	if (!strcmp(drv, VFIO_DRV)) {
		/* vfio-pci's remove() waits for the user to let go: never block */
		group = xl_pci_iommu_group(bdf);
		pid = group >= 0 ? xl_vfio_group_user(group, comm, sizeof(comm)) : 0;
		if (pid) {
			fprintf(stderr, "exitless release: %s is in use: pid %d (%s) holds /dev/vfio/%d; stop it first\n",
				bdf, pid, comm, group);
			return XL_EXIT_FAIL;
		}
		ret = xl_pci_unbind(bdf);
		if (ret) {
			fprintf(stderr, "exitless release: unbinding vfio-pci: %s\n",
				strerror(-ret));
			return XL_EXIT_FAIL;
		}
	}
	ret = xl_pci_set_override(bdf, known ? st.override : "");
	if (ret)
		fprintf(stderr, "exitless release: restoring driver_override: %s\n",
			strerror(-ret));
	if (!known) {
		fprintf(stderr, "exitless release: no record of %s's original driver (not assigned by exitless); letting the kernel choose\n",
			bdf);
		xl_pci_probe(bdf);
	} else if (st.driver[0]) {
		ret = xl_pci_bind(bdf, st.driver);
		if (ret == -ENOENT) {
			/* the driver module was unloaded meanwhile */
			run_modprobe(st.driver);
			ret = xl_pci_bind(bdf, st.driver);
		}
		if (ret)
			fprintf(stderr, "exitless release: binding %s to %s: %s\n",
				bdf, st.driver, strerror(-ret));
	}
	xl_pci_driver(bdf, drv, sizeof(drv));
	if (known && strcmp(drv, st.driver)) {
		fprintf(stderr, "exitless release: %s is on %s, expected %s; state kept in %s/assign-%s\n",
			bdf, drv_or_none(drv), drv_or_none(st.driver),
			STATE_DIR, bdf);
		return XL_EXIT_FAIL;
	}
	state_remove(bdf);
	printf("exitless release: %s: vfio-pci -> %s\n", bdf, drv_or_none(drv));
	return XL_EXIT_OK;
}

XL_COMMAND(assign, "bind a PCI device to vfio-pci (and --test it)", cmd_assign);
XL_COMMAND(release, "give an assigned PCI device back to its driver", cmd_release);
