// SPDX-License-Identifier: GPL-2.0
/*
 * exitless attach: attach exitless.ko to a running VM (QEMU's KVM VM fd,
 * taken with pidfd_getfd) and hold the attachment.
 *
 * The module ties an attachment to the open /dev/exitless file, so that a
 * crashed tool never leaves a VM half-switched. This command therefore
 * stays in the foreground, like `perf record`, until Ctrl-C/SIGTERM,
 * `exitless detach --pid PID`, the VM process exiting, or --for SECONDS.
 * `exitless mode --pid PID MODE` reaches it through SIGUSR1 and the files
 * in /run/exitless/ (attach-PID.pid, .mode, .result).
 *
 * --device BDF: the device's VFIO MSI/MSI-X IRQs are registered (eli and
 * did deliver them through the shadow IDT, pi posts them). They exist only
 * while the guest has MSI/MSI-X enabled, so they are looked up again
 * before every mode change and the registration follows them.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <json-c/json.h>

#include "command.h"
#include "xl_dev.h"
#include "vfio/irqs.h"
#include "vfio/pci.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static void attach_usage(FILE *f)
{
	fprintf(f,
		"usage: exitless attach --pid PID [--fd N] [--mode MODE] [--irq IRQ]...\n"
		"                       [--device BDF]... [--for SECONDS] [--json]\n\n"
		"Attach exitless.ko to the KVM VM of process PID (e.g. QEMU) and hold it\n"
		"until Ctrl-C, SIGTERM, `exitless detach --pid PID`, the VM process\n"
		"exiting, or --for SECONDS. Closing detaches: nothing outlives this command.\n\n"
		"  --pid PID      process owning the VM fd (/proc/PID/fd -> anon_inode:kvm-vm)\n"
		"  --fd N         which VM fd of PID, when it has several\n"
		"  --mode MODE    baseline (default) | eli | pi | did\n"
		"  --irq IRQ      register a host IRQ of the VM's assigned device (repeat)\n"
		"  --device BDF   register the assigned device's VFIO MSI/MSI-X IRQs\n"
		"                 (/proc/interrupts vfio-msix[K](BDF)); looked up again at\n"
		"                 every `exitless mode`, as the guest enables or drops them\n"
		"  --for SECONDS  detach after this long\n"
		"  --json         print the VM's counters as JSON at the end\n\n"
		"A refused mode or IRQ registration prints exitless.ko's reason\n"
		"(\"refused by exitless.ko: ...\"), the line it also logs.\n"
		"Needs /dev/exitless (modprobe exitless) and ptrace rights over PID.\n");
}

/*
 * Write to PATH.tmp and rename: `exitless mode` polls for the result file
 * and must never open it empty, between our fopen and fputs.
 */
static int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;
	int ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

#define XL_MAX_DEVICES	8

/* What this session registers: --irq numbers and --device IRQs. */
struct held_irqs {
	uint32_t fixed[XL_MAX_IRQS];	/* --irq */
	unsigned int nfixed;
	char bdf[XL_MAX_DEVICES][XL_BDF_LEN];	/* --device */
	unsigned int ndev;
	uint32_t reg[XL_MAX_IRQS];	/* registered in the module now */
	unsigned int nreg;
};

static int irq_in(const uint32_t *set, unsigned int n, uint32_t irq)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i] == irq)
			return 1;
	return 0;
}

/* @buf: XL_REFUSAL_LEN bytes, for the module's reason of a refusal. */
static const char *irqs_errstr(int dev, int ret, char *buf)
{
	return ret == -ENOENT ? "no such IRQ on this host" :
	       ret == -EEXIST ? "IRQ given twice" :
	       ret == -E2BIG ? "more IRQs than exitless.ko's max_irqs" :
	       ret == -EOPNOTSUPP ?
	       xl_dev_refusal(dev, buf, XL_REFUSAL_LEN,
			      "refused in the VM's mode (dmesg says why)") :
	       strerror(-ret);
}

/*
 * Register what --irq and --device name now, unregister what they no
 * longer name. 0, or a negative errno with a message on stderr.
 */
static int sync_irqs(int dev, struct held_irqs *h)
{
	uint32_t want[XL_MAX_IRQS], add[XL_MAX_IRQS], del[XL_MAX_IRQS];
	unsigned int nwant = 0, nadd = 0, ndel = 0, i, j;
	int n, ret;

	for (i = 0; i < h->nfixed; i++)
		want[nwant++] = h->fixed[i];
	for (i = 0; i < h->ndev; i++) {
		uint32_t got[XL_MAX_IRQS];

		n = xl_vfio_irqs(h->bdf[i], got, XL_MAX_IRQS);
		if (n < 0) {
			fprintf(stderr, "exitless attach: --device %s: /proc/interrupts: %s\n",
				h->bdf[i], n == -E2BIG ? "too many IRQs" :
				strerror(-n));
			return n;
		}
		if (!n)
			printf("exitless attach: --device %s: no VFIO MSI/MSI-X IRQs now (the guest has not enabled them)\n",
			       h->bdf[i]);
		for (j = 0; j < (unsigned int)n; j++) {
			if (irq_in(want, nwant, got[j]))
				continue;
			if (nwant == XL_MAX_IRQS) {
				fprintf(stderr, "exitless attach: more than %d IRQs\n",
					XL_MAX_IRQS);
				return -E2BIG;
			}
			want[nwant++] = got[j];
		}
	}
	for (i = 0; i < h->nreg; i++)
		if (!irq_in(want, nwant, h->reg[i]))
			del[ndel++] = h->reg[i];
	for (i = 0; i < nwant; i++)
		if (!irq_in(h->reg, h->nreg, want[i]))
			add[nadd++] = want[i];
	if (ndel) {
		ret = xl_dev_irqs(dev, 0, del, ndel);
		if (ret) {
			fprintf(stderr, "exitless attach: unregistering IRQs: %s\n",
				strerror(-ret));
			return ret;
		}
		for (i = 0, j = 0; i < h->nreg; i++)
			if (!irq_in(del, ndel, h->reg[i]))
				h->reg[j++] = h->reg[i];
		h->nreg = j;
	}
	if (nadd) {
		ret = xl_dev_irqs(dev, 1, add, nadd);
		if (ret) {
			char why[XL_REFUSAL_LEN];

			fprintf(stderr, "exitless attach: registering IRQ%s",
				nadd > 1 ? "s" : "");
			for (i = 0; i < nadd; i++)
				fprintf(stderr, "%c%u", i ? ',' : ' ', add[i]);
			fprintf(stderr, ": %s\n", irqs_errstr(dev, ret, why));
			return ret;
		}
		memcpy(h->reg + h->nreg, add, nadd * sizeof(*add));
		h->nreg += nadd;
	}
	if (nadd || ndel) {
		printf("exitless attach: IRQs registered:");
		for (i = 0; i < h->nreg; i++)
			printf("%c%u", i ? ',' : ' ', h->reg[i]);
		printf("%s\n", h->nreg ? "" : " none");
		fflush(stdout);
	}
	return 0;
}

/*
 * SIGUSR1 from `exitless mode`: apply attach-PID.mode, answer in .result:
 * the errno, and on EOPNOTSUPP a second line with the module's reason.
 */
static void apply_mode_request(int dev, pid_t vm_pid, struct held_irqs *h)
{
	char path[128], res[XL_REFUSAL_LEN + 16], why[XL_REFUSAL_LEN], buf[32];
	const char *msg;
	int mode, ret;

	if (xl_run_path(path, sizeof(path), vm_pid, "mode") ||
	    read_file(path, buf, sizeof(buf)))
		return;
	buf[strcspn(buf, "\n")] = '\0';
	mode = xl_dev_mode_parse(buf);
	/* the devices' IRQs as they are now, then the mode maps them */
	ret = mode < 0 ? mode : h->ndev ? sync_irqs(dev, h) : 0;
	ret = ret ?: xl_dev_set_mode(dev, mode);
	msg = ret == -EOPNOTSUPP ?
	      xl_dev_refusal(dev, why, sizeof(why), strerror(-ret)) :
	      ret ? strerror(-ret) : "ok";
	printf("exitless attach: mode %s: %s\n", buf, msg);
	fflush(stdout);
	/* the reason only when the module gave one: `mode` has the fallback */
	snprintf(res, sizeof(res), "%d\n%s\n", ret,
		 ret == -EOPNOTSUPP && msg == why ? why : "");
	if (!xl_run_path(path, sizeof(path), vm_pid, "result"))
		write_file(path, res);
}

static void print_counters(const struct xl_counters *c, int json)
{
	struct json_object *o, *v;
	char guest[256];
	int reg = xl_dev_guest_str(c, guest, sizeof(guest));
	unsigned int i;

	if (!json) {
		printf("vm %llu: mode %s, %u irqs, %llu mode changes, %llu rejected, %llu irq registers, %llu unregisters\n",
		       (unsigned long long)c->vm_id, xl_dev_mode_name(c->mode),
		       c->nr_irqs, (unsigned long long)c->mode_changes,
		       (unsigned long long)c->mode_rejected,
		       (unsigned long long)c->irq_registers,
		       (unsigned long long)c->irq_unregisters);
		printf("vm %llu: guest shadow-IDT page %s\n",
		       (unsigned long long)c->vm_id, guest);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "vm_id", json_object_new_int64(c->vm_id));
	json_object_object_add(o, "mode",
			       json_object_new_string(xl_dev_mode_name(c->mode)));
	json_object_object_add(o, "irqs", json_object_new_int(c->nr_irqs));
	json_object_object_add(o, "mode_changes",
			       json_object_new_int64(c->mode_changes));
	json_object_object_add(o, "mode_rejected",
			       json_object_new_int64(c->mode_rejected));
	json_object_object_add(o, "irq_registers",
			       json_object_new_int64(c->irq_registers));
	json_object_object_add(o, "irq_unregisters",
			       json_object_new_int64(c->irq_unregisters));
	json_object_object_add(o, "guest_registered",
			       json_object_new_boolean(reg));
	v = json_object_new_array();
	for (i = 0; i < c->guest_nr_vcpus && i < 64; i++)
		if (c->guest_vcpus & (1ULL << i))
			json_object_array_add(v, json_object_new_int(i));
	json_object_object_add(o, "guest_vcpus_registered", v);
	json_object_object_add(o, "guest_nr_vcpus",
			       json_object_new_int(c->guest_nr_vcpus));
	printf("%s\n", json_object_to_json_string_ext(o,
						      JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static int hold(int dev, pid_t vm_pid, long seconds, struct held_irqs *h)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	sigset_t set;
	int sfd, pidfd, n;
	long waited = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	pidfd = syscall(SYS_pidfd_open, vm_pid, 0);
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	for (;;) {
		n = poll(pfd, pidfd >= 0 ? 2 : 1, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			printf("exitless attach: VM process %d exited\n",
			       (int)vm_pid);
			break;
		}
		if (n > 0 && (pfd[0].revents & POLLIN) &&
		    read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGUSR1) {
				apply_mode_request(dev, vm_pid, h);
				continue;
			}
			printf("exitless attach: signal %u, detaching\n",
			       si.ssi_signo);
			break;
		}
		if (n == 0 && seconds > 0 && ++waited >= seconds)
			break;
	}
	close(sfd);
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

static int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "fd", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "irq", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'd' },
		{ "for", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct held_irqs held;
	struct xl_counters c;
	char path[128], buf[32];
	int opt, dev, vmfd, ret, mode = XL_IOC_MODE_BASELINE, fd_hint = -1;
	int json = 0, rc = XL_EXIT_OK;
	long pid = 0, seconds = 0;
	unsigned long long num;
	uint64_t id;

	while ((opt = getopt_long(argc, argv, "p:f:m:i:d:t:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (xl_parse_opt("attach", "pid", optarg, 1, INT_MAX, &num))
				return XL_EXIT_USAGE;
			pid = num;
			break;
		case 'f':
			if (xl_parse_opt("attach", "fd", optarg, 0, INT_MAX, &num))
				return XL_EXIT_USAGE;
			fd_hint = num;
			break;
		case 'm':
			mode = xl_dev_mode_parse(optarg);
			if (mode < 0) {
				fprintf(stderr, "exitless attach: unknown mode '%s' (baseline, eli, pi, did)\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case 'i':
			if (held.nfixed == XL_MAX_IRQS) {
				fprintf(stderr, "exitless attach: at most %d --irq\n",
					XL_MAX_IRQS);
				return XL_EXIT_USAGE;
			}
			/* struct xl_irqs carries u32 Linux IRQ numbers */
			if (xl_parse_opt("attach", "irq", optarg, 0, UINT32_MAX,
					 &num))
				return XL_EXIT_USAGE;
			held.fixed[held.nfixed++] = num;
			break;
		case 'd':
			if (held.ndev == XL_MAX_DEVICES) {
				fprintf(stderr, "exitless attach: at most %d --device\n",
					XL_MAX_DEVICES);
				return XL_EXIT_USAGE;
			}
			if (xl_bdf_parse(optarg, held.bdf[held.ndev])) {
				fprintf(stderr, "exitless attach: --device '%s' is not a PCI address (DDDD:BB:DD.F)\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			held.ndev++;
			break;
		case 't':
			if (xl_parse_opt("attach", "for", optarg, 1, INT_MAX,
					 &num))
				return XL_EXIT_USAGE;
			seconds = num;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			attach_usage(stdout);
			return XL_EXIT_OK;
		default:
			goto bad;
		}
	}
	if (!pid || optind != argc)
		goto bad;

	dev = xl_dev_open(NULL);
	if (dev < 0)
		return XL_EXIT_UNAVAILABLE;
	vmfd = xl_vm_fd_of_pid(pid, fd_hint);
	if (vmfd < 0) {
		fprintf(stderr, "exitless attach: VM fd of pid %ld: %s\n", pid,
			vmfd == -ENOENT ? "no anon_inode:kvm-vm fd (not a KVM VM process?)" :
			vmfd == -EEXIST ? "several VM fds, pick one with --fd" :
			vmfd == -EPERM ? "pidfd_getfd not permitted (needs ptrace rights over it)" :
			strerror(-vmfd));
		return XL_EXIT_UNAVAILABLE;
	}
	ret = xl_dev_attach(dev, vmfd, &id);
	/* the module holds its own VM reference now */
	close(vmfd);
	if (ret) {
		fprintf(stderr, "exitless attach: %s\n", ret == -EBUSY ?
			"this VM is already attached by another exitless session" :
			strerror(-ret));
		return ret == -EBUSY ? XL_EXIT_FAIL : XL_EXIT_UNAVAILABLE;
	}
	/* the IRQs first: eli/did map them and pi posts them at the switch */
	ret = sync_irqs(dev, &held);
	if (ret)
		return ret == -ENOENT || ret == -EEXIST || ret == -E2BIG ?
		       XL_EXIT_FAIL : XL_EXIT_UNAVAILABLE;
	if (mode != XL_IOC_MODE_BASELINE) {
		ret = xl_dev_set_mode(dev, mode);
		if (ret) {
			char why[XL_REFUSAL_LEN];

			fprintf(stderr, "exitless attach: mode %s: %s\n",
				xl_dev_mode_name(mode), ret == -EOPNOTSUPP ?
				xl_dev_refusal(dev, why, sizeof(why),
					       xl_dev_mode_unavailable(mode)) :
				strerror(-ret));
			return XL_EXIT_UNAVAILABLE;
		}
	}
	mkdir(XL_RUN_DIR, 0700);
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (xl_run_path(path, sizeof(path), pid, "pid") ||
	    write_file(path, buf))
		fprintf(stderr, "exitless attach: cannot write %s: `exitless detach/mode` will not find this session\n",
			path);
	printf("exitless attach: vm %llu (pid %ld) attached, mode %s, %u irqs; holding (Ctrl-C or `exitless detach --pid %ld`)\n",
	       (unsigned long long)id, pid, xl_dev_mode_name(mode), held.nreg,
	       pid);
	fflush(stdout);

	hold(dev, pid, seconds, &held);

	if (!xl_dev_counters(dev, 0, &c))
		print_counters(&c, json);
	ret = xl_dev_detach(dev);
	if (ret) {
		fprintf(stderr, "exitless attach: detach: %s\n", strerror(-ret));
		rc = XL_EXIT_FAIL;
	}
	close(dev);
	if (!xl_run_path(path, sizeof(path), pid, "pid"))
		unlink(path);
	if (!xl_run_path(path, sizeof(path), pid, "mode"))
		unlink(path);
	printf("exitless attach: vm %llu detached\n", (unsigned long long)id);
	return rc;
bad:
	attach_usage(stderr);
	return XL_EXIT_USAGE;
}

XL_COMMAND(attach, "attach exitless.ko to a running KVM VM and hold it", cmd_attach);
