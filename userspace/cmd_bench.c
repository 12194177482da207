// SPDX-License-Identifier: GPL-2.0
/*
 * `exitless bench`: how many VM exits does one interrupt cost on this host,
 * and how long does its delivery take? Runs the embedded micro-VM and, for
 * each injection path (IOAPIC pin via KVM_IRQ_LINE, KVM_SIGNAL_MSI, irqfd
 * on an MSI route), sends N interrupts from this thread while the vCPU
 * thread runs the guest, halting or computing. Exits come from the KVM
 * binary stats of the vCPU and the VM, looked up by name.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "command.h"
#include "kvm/kvm.h"

#define MAX_COUNT	1000000
#define WARMUP		100
#define MAX_LOST_RUN	10	/* this many in a row: stop, it is broken */

enum path { P_IRQLINE, P_MSI, P_IRQFD, NR_PATHS };

static const char *const path_names[NR_PATHS] = { "irqline", "msi", "irqfd" };
static const char *const path_desc[NR_PATHS] = {
	"IOAPIC pin (KVM_IRQ_LINE)", "KVM_SIGNAL_MSI", "irqfd -> MSI route",
};
static const uint32_t path_vec[NR_PATHS] = {
	XL_MV_VEC_IOAPIC, XL_MV_VEC_MSI, XL_MV_VEC_IRQFD,
};

/* Columns of the table, in this order, when the kernel has them. */
static const char *const cols[] = {
	"exits", "irq_exits", "halt_exits", "irq_window_exits",
	"irq_injections", "halt_wakeup", "insn_emulation",
};
static const char *const col_short[] = {
	"exits", "irq_ex", "halt_ex", "irqwin", "inj", "wakeup", "emul",
};
#define NR_COLS (sizeof(cols) / sizeof(cols[0]))

struct opts {
	unsigned long count;
	unsigned int paths;		/* bit per enum path */
	bool halt, compute;
	enum xl_irqchip irqchip;
	uint32_t apic;
	bool json, save, pin, list_stats;
	double timeout;
	unsigned long delay_us;
	double linger;
	const char *dev;
	const char *outdir;
	long hang_after;		/* test hook, -1 = off */
	long extra_caps[8];
};

struct result {
	const char *guest;
	enum path path;
	bool skipped;
	const char *skip_why;
	unsigned long sent, handled, lost, coalesced;
	uint64_t min, p50, p99, max;
	double mean;
	uint64_t *cpu_a, *cpu_b, *vm_a, *vm_b;
	double wall_s;
};

struct bench {
	struct opts o;
	struct xl_platform plat;
	struct xl_vm vm;
	struct xl_stats cpu, vms;
	bool have_cpu, have_vm;
	struct result res[2 * NR_PATHS];
	unsigned int nres;
	uint64_t *final_cpu, *final_vm;
	char err[512];
	long sent_total;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: exitless bench [OPTIONS]\n"
"\n"
"Run the built-in micro-VM on /dev/kvm and measure, per interrupt injection\n"
"path, interrupts sent/handled/lost, VM exits per interrupt (KVM binary stats)\n"
"and delivery latency p50/p99/max. The first line says whether KVM runs on\n"
"hardware VT-x/SVM or on a software backend.\n"
"\n"
"  -n, --count N        interrupts per path and guest mode (1..%d, default 10000)\n"
"  -p, --paths LIST     comma list of irqline,msi,irqfd (default all)\n"
"  -g, --guest MODE     halt, compute or both (default both)\n"
"      --irqchip KIND   kernel (IOAPIC+LAPIC in KVM, default) or split\n"
"                       (LAPIC only; the irqline path is then skipped)\n"
"      --apic MODE      auto (x2APIC if offered, default), x2apic, xapic\n"
"  -t, --timeout S      wait this long for one interrupt or a guest reply\n"
"                       before declaring it lost / the guest dead (default 2)\n"
"  -d, --delay US       pause between interrupts, lets a halting guest\n"
"                       re-enter hlt (default 50)\n"
"      --dev PATH       KVM device (default /dev/kvm)\n"
"  -j, --json           JSON on stdout instead of the table\n"
"      --out DIR        save the JSON result here (default bench/results)\n"
"      --no-save        do not save a result file\n"
"      --no-pin         do not pin the vCPU to CPU 1 and injector to CPU 0\n"
"      --linger S       keep the VM alive S seconds after measuring (for\n"
"                       `exitless stat --pid`), guest halted\n"
"      --list-stats     list the KVM stats descriptors and exit\n"
"  -h, --help           this text\n"
"\n"
"testing only:\n"
"      --test-hang-after K   guest stops answering after K interrupts\n"
"      --test-require-cap N  also require KVM capability number N\n"
"\n"
"exit codes: 0 ok, 1 interrupts lost or run failed, 2 usage, 3 no KVM device\n"
"or capability, 4 guest stopped answering.\n", MAX_COUNT);
}

/* Strict unsigned parse: digits only, no sign, within [lo, hi]. */
static int parse_ulong(const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_paths(const char *s, unsigned int *out)
{
	char buf[128], *tok, *save;
	unsigned int m = 0, i;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_PATHS; i++)
			if (!strcmp(tok, path_names[i]))
				break;
		if (i == NR_PATHS)
			return -EINVAL;
		m |= 1u << i;
	}
	if (!m)
		return -EINVAL;
	*out = m;
	return 0;
}

enum {
	O_IRQCHIP = 256, O_APIC, O_DEV, O_OUT, O_NOSAVE, O_NOPIN, O_LINGER,
	O_LIST, O_HANG, O_CAP,
};

static int parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "paths", required_argument, NULL, 'p' },
		{ "guest", required_argument, NULL, 'g' },
		{ "irqchip", required_argument, NULL, O_IRQCHIP },
		{ "apic", required_argument, NULL, O_APIC },
		{ "timeout", required_argument, NULL, 't' },
		{ "delay", required_argument, NULL, 'd' },
		{ "dev", required_argument, NULL, O_DEV },
		{ "json", no_argument, NULL, 'j' },
		{ "out", required_argument, NULL, O_OUT },
		{ "no-save", no_argument, NULL, O_NOSAVE },
		{ "no-pin", no_argument, NULL, O_NOPIN },
		{ "linger", required_argument, NULL, O_LINGER },
		{ "list-stats", no_argument, NULL, O_LIST },
		{ "test-hang-after", required_argument, NULL, O_HANG },
		{ "test-require-cap", required_argument, NULL, O_CAP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int ncaps = 0;
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 10000;
	o->paths = (1u << NR_PATHS) - 1;
	o->halt = o->compute = true;
	o->irqchip = XL_IRQCHIP_KERNEL;
	o->apic = XL_MV_APIC_AUTO;
	o->save = o->pin = true;
	o->timeout = 2;
	o->delay_us = 50;
	o->dev = "/dev/kvm";
	o->outdir = "bench/results";
	o->hang_after = -1;
	o->extra_caps[0] = -1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:p:g:t:d:jh", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_ulong(optarg, 1, MAX_COUNT, &o->count)) {
				fprintf(stderr, "exitless bench: invalid --count '%s': need an integer 1..%d\n",
					optarg, MAX_COUNT);
				return XL_EXIT_USAGE;
			}
			break;
		case 'p':
			if (parse_paths(optarg, &o->paths)) {
				fprintf(stderr, "exitless bench: invalid --paths '%s': comma list of irqline,msi,irqfd\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case 'g':
			o->halt = !strcmp(optarg, "halt") ||
				  !strcmp(optarg, "both");
			o->compute = !strcmp(optarg, "compute") ||
				     !strcmp(optarg, "both");
			if (!o->halt && !o->compute) {
				fprintf(stderr, "exitless bench: invalid --guest '%s': halt, compute or both\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case O_IRQCHIP:
			if (!strcmp(optarg, "kernel")) {
				o->irqchip = XL_IRQCHIP_KERNEL;
			} else if (!strcmp(optarg, "split")) {
				o->irqchip = XL_IRQCHIP_SPLIT;
			} else {
				fprintf(stderr, "exitless bench: invalid --irqchip '%s': kernel or split\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case O_APIC:
			if (!strcmp(optarg, "auto")) {
				o->apic = XL_MV_APIC_AUTO;
			} else if (!strcmp(optarg, "x2apic")) {
				o->apic = XL_MV_APIC_X2APIC;
			} else if (!strcmp(optarg, "xapic")) {
				o->apic = XL_MV_APIC_XAPIC;
			} else {
				fprintf(stderr, "exitless bench: invalid --apic '%s': auto, x2apic or xapic\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_seconds(optarg, 0.01, 3600, &o->timeout)) {
				fprintf(stderr, "exitless bench: invalid --timeout '%s': seconds, 0.01..3600\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case 'd':
			if (parse_ulong(optarg, 0, 1000000, &o->delay_us)) {
				fprintf(stderr, "exitless bench: invalid --delay '%s': microseconds, 0..1000000\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case O_LINGER:
			if (parse_seconds(optarg, 0, 3600, &o->linger)) {
				fprintf(stderr, "exitless bench: invalid --linger '%s': seconds, 0..3600\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case O_HANG:
			if (parse_ulong(optarg, 0, MAX_COUNT, &v)) {
				fprintf(stderr, "exitless bench: invalid --test-hang-after '%s'\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			o->hang_after = v;
			break;
		case O_CAP:
			if (parse_ulong(optarg, 0, INT_MAX, &v) || ncaps >= 7) {
				fprintf(stderr, "exitless bench: invalid --test-require-cap '%s'\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			o->extra_caps[ncaps++] = v;
			o->extra_caps[ncaps] = -1;
			break;
		case O_DEV:
			o->dev = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case O_OUT:
			o->outdir = optarg;
			break;
		case O_NOSAVE:
			o->save = false;
			break;
		case O_NOPIN:
			o->pin = false;
			break;
		case O_LIST:
			o->list_stats = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			fprintf(stderr, "exitless bench: option '%s' needs a value\n",
				argv[optind - 1]);
			return XL_EXIT_USAGE;
		default:
			fprintf(stderr, "exitless bench: unknown option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return XL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "exitless bench: unexpected argument '%s'\n",
			argv[optind]);
		return XL_EXIT_USAGE;
	}
	return 0;
}

/* ---- resource accounting for the teardown check ---------------------- */

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* opendir's own fd (for /proc/self/fd) or nothing */
}

static int count_fds(void)
{
	return count_dir("/proc/self/fd");
}

static int count_threads(void)
{
	return count_dir("/proc/self/task") + 1;
}

/* ---- measurement ------------------------------------------------------ */

static uint32_t vcount(struct bench *b, uint32_t vec)
{
	return __atomic_load_n(&b->vm.sh->count[vec], __ATOMIC_SEQ_CST);
}

static void spin_us(unsigned long us)
{
	uint64_t end = xl_now_ns() + us * 1000ull;

	while (xl_now_ns() < end)
		__builtin_ia32_pause();
}

static int inject(struct bench *b, enum path p, bool *coalesced)
{
	*coalesced = false;
	if (p == P_IRQLINE) {
		struct kvm_irq_level l = { .irq = XL_GSI_IOAPIC_PIN, .level = 1 };

		if (ioctl(b->vm.vm_fd, KVM_IRQ_LINE_STATUS, &l) < 0)
			return -errno;
		*coalesced = l.status == 0;
		/*
		 * edge: pulse the pin. irq and status share a union, so the
		 * status just written back clobbered the pin number.
		 */
		l.irq = XL_GSI_IOAPIC_PIN;
		l.level = 0;
		if (ioctl(b->vm.vm_fd, KVM_IRQ_LINE, &l) < 0)
			return -errno;
	} else if (p == P_MSI) {
		int r = xl_vm_signal_msi(&b->vm, XL_MV_VEC_MSI);

		if (r < 0)
			return r;
		/* api.rst: 0 = delivery blocked/coalesced, >0 = delivered */
		*coalesced = r == 0;
	} else {
		uint64_t one = 1;

		if (write(b->vm.irqfd, &one, sizeof(one)) != sizeof(one))
			return -errno;
	}
	return 0;
}

/* Wait until count[vec] moves past @before. 0, -ETIMEDOUT or -EIO. */
static int wait_count(struct bench *b, uint32_t vec, uint32_t before,
		      double timeout_s)
{
	uint64_t end = xl_now_ns() + (uint64_t)(timeout_s * 1e9);
	unsigned int spins = 0;

	while (vcount(b, vec) == before) {
		if (b->vm.dead)
			return -EIO;
		if (++spins % 256 == 0 && xl_now_ns() > end)
			return -ETIMEDOUT;
		__builtin_ia32_pause();
	}
	return 0;
}

/* Is the guest still taking interrupts? Ring the doorbell and look. */
static bool guest_alive(struct bench *b)
{
	uint32_t before = vcount(b, XL_MV_VEC_DOORBELL);

	if (xl_vm_signal_msi(&b->vm, XL_MV_VEC_DOORBELL) < 0)
		return false;
	return wait_count(b, XL_MV_VEC_DOORBELL, before, b->o.timeout) == 0;
}

static uint64_t *snap(struct xl_stats *s, bool have)
{
	uint64_t *buf;

	if (!have)
		return NULL;
	buf = calloc(s->data_words, sizeof(*buf));
	if (buf && xl_stats_read(s, buf)) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t pct(const uint64_t *v, unsigned long n, unsigned int p)
{
	unsigned long k = (n * p + 99) / 100;

	return v[k ? k - 1 : 0];
}

static int run_path(struct bench *b, struct result *r, enum path p,
		    const char *guest)
{
	uint32_t vec = path_vec[p], c0, before;
	unsigned long i, lost_run = 0, nlat = 0;
	uint64_t *lat, t0, T0;
	double sum = 0;
	bool co;
	int e;

	memset(r, 0, sizeof(*r));
	r->guest = guest;
	r->path = p;
	if (p == P_IRQLINE && b->o.irqchip == XL_IRQCHIP_SPLIT) {
		r->skipped = true;
		r->skip_why = "split irqchip: no in-kernel IOAPIC for KVM_IRQ_LINE";
		return 0;
	}
	lat = calloc(b->o.count, sizeof(*lat));
	if (!lat) {
		snprintf(b->err, sizeof(b->err), "out of memory");
		return XL_EXIT_FAIL;
	}
	/* warm-up: page in, settle halt polling; not measured */
	for (i = 0; i < WARMUP; i++) {
		before = vcount(b, vec);
		e = inject(b, p, &co);
		if (!e)
			e = wait_count(b, vec, before, b->o.timeout);
		if (e)
			break;
		spin_us(b->o.delay_us);
	}
	r->cpu_a = snap(&b->cpu, b->have_cpu);
	r->vm_a = snap(&b->vms, b->have_vm);
	c0 = vcount(b, vec);
	T0 = xl_now_ns();
	for (i = 0; i < b->o.count; i++) {
		if (b->o.hang_after >= 0 && b->sent_total == b->o.hang_after) {
			char err[256];

			/* test hook: the guest stops answering from here */
			if (xl_vm_command(&b->vm, XL_MV_CMD_HANG, b->o.timeout,
					  err, sizeof(err)))
				break;
		}
		before = vcount(b, vec);
		t0 = xl_now_ns();
		e = inject(b, p, &co);
		if (e) {
			snprintf(b->err, sizeof(b->err), "%s: inject: %s",
				 path_desc[p], strerror(-e));
			free(lat);
			return XL_EXIT_FAIL;
		}
		r->sent++;
		b->sent_total++;
		r->coalesced += co;
		e = wait_count(b, vec, before, b->o.timeout);
		if (e == -EIO) {
			snprintf(b->err, sizeof(b->err), "guest died: %s",
				 b->vm.why);
			free(lat);
			return XL_EXIT_FAIL;
		}
		if (e == -ETIMEDOUT) {
			if (!guest_alive(b)) {
				snprintf(b->err, sizeof(b->err),
					 "guest stopped answering: interrupt %lu of path %s (guest %s) not handled within %.2f s, doorbell unanswered, heartbeat %llu",
					 i + 1, path_names[p], guest,
					 b->o.timeout,
					 (unsigned long long)b->vm.sh->heartbeat);
				free(lat);
				return XL_EXIT_TIMEOUT;
			}
			if (++lost_run >= MAX_LOST_RUN) {
				snprintf(b->err, sizeof(b->err),
					 "%lu interrupts in a row lost on path %s; guest answers its doorbell",
					 lost_run, path_names[p]);
				free(lat);
				return XL_EXIT_FAIL;
			}
			continue;
		}
		lost_run = 0;
		lat[nlat] = xl_now_ns() - t0;
		sum += lat[nlat++];
		if (b->o.delay_us)
			spin_us(b->o.delay_us);
	}
	r->wall_s = (xl_now_ns() - T0) / 1e9;
	spin_us(b->o.delay_us > 1000 ? b->o.delay_us : 1000);
	r->cpu_b = snap(&b->cpu, b->have_cpu);
	r->vm_b = snap(&b->vms, b->have_vm);
	r->handled = vcount(b, vec) - c0;
	r->lost = r->sent > r->handled ? r->sent - r->handled : 0;
	if (nlat) {
		qsort(lat, nlat, sizeof(*lat), cmp_u64);
		r->min = lat[0];
		r->p50 = pct(lat, nlat, 50);
		r->p99 = pct(lat, nlat, 99);
		r->max = lat[nlat - 1];
		r->mean = sum / nlat;
	}
	free(lat);
	return 0;
}

/* Delta per interrupt of scalar stat @name, NAN when absent. */
static double per_irq(const struct xl_stats *s, bool have, const uint64_t *a,
		      const uint64_t *b, const char *name, unsigned long n)
{
	int i;

	if (!have || !a || !b || !n)
		return NAN;
	i = xl_stats_find(s, name);
	if (i < 0)
		return NAN;
	return (double)(xl_stats_value(s, b, i) - xl_stats_value(s, a, i)) / n;
}

static double col_value(struct bench *b, const struct result *r,
			unsigned int c)
{
	double v = per_irq(&b->cpu, b->have_cpu, r->cpu_a, r->cpu_b, cols[c],
			   r->sent);

	/* a few counters (e.g. remote TLB flushes) live in the VM stats */
	if (isnan(v))
		v = per_irq(&b->vms, b->have_vm, r->vm_a, r->vm_b, cols[c],
			    r->sent);
	return v;
}

/* ---- output ----------------------------------------------------------- */

static const char *apic_name(uint32_t m)
{
	return m == XL_MV_APIC_X2APIC ? "x2apic" :
	       m == XL_MV_APIC_XAPIC ? "xapic" : "auto";
}

static void print_table(struct bench *b, FILE *f)
{
	unsigned int i, c;

	fprintf(f, "%s\n", b->plat.line);
	fprintf(f, "kernel %s, CPU %s, host %s\n", b->plat.kernel,
		b->plat.cpu_model, b->plat.host);
	fprintf(f, "irqchip %s, guest APIC %s (requested %s), N=%lu per row, delay %lu us, 1 vCPU%s\n",
		b->o.irqchip == XL_IRQCHIP_SPLIT ? "split" : "kernel",
		apic_name(b->vm.sh ? b->vm.sh->apic_mode : 0),
		apic_name(b->o.apic), b->o.count, b->o.delay_us,
		b->o.pin ? " pinned to CPU 1, injector on CPU 0" : "");
	fprintf(f, "per-interrupt columns: deltas of the vCPU's KVM binary stats / interrupts sent; latency = injection call to guest ISR count\n\n");
	fprintf(f, "%-8s %-8s %7s %7s %5s", "guest", "path", "sent",
		"handled", "lost");
	for (c = 0; c < NR_COLS; c++)
		fprintf(f, " %7s", col_short[c]);
	fprintf(f, " %8s %8s %8s\n", "p50 us", "p99 us", "max us");
	for (i = 0; i < b->nres; i++) {
		const struct result *r = &b->res[i];

		fprintf(f, "%-8s %-8s", r->guest, path_names[r->path]);
		if (r->skipped) {
			fprintf(f, " skipped: %s\n", r->skip_why);
			continue;
		}
		fprintf(f, " %7lu %7lu %5lu", r->sent, r->handled, r->lost);
		for (c = 0; c < NR_COLS; c++) {
			double v = col_value(b, r, c);

			if (isnan(v))
				fprintf(f, " %7s", "-");
			else
				fprintf(f, " %7.3f", v);
		}
		fprintf(f, " %8.1f %8.1f %8.1f\n", r->p50 / 1e3, r->p99 / 1e3,
			r->max / 1e3);
	}
	if (b->plat.mod_pvm)
		fprintf(f, "\nNOTE: kvm-pvm runs guest CPL-0 code (here: the ISR and the halt loop, column emul) through\nKVM's instruction emulator, so latencies measure the emulator, not interrupt delivery on VT-x/SVM.\nExit and injection counts are KVM's own.\n");
	else if (b->plat.emulator[0])
		fprintf(f, "\nNOTE: VT-x emulated by %s: exit counts are KVM's own, latencies are the emulator's.\n",
			b->plat.emulator);
	else if (!b->plat.representative)
		fprintf(f, "\nNOTE: no hardware virtualization detected: latencies are not representative of VT-x/SVM.\n");
}

static json_object *stats_obj(const struct xl_stats *s, const uint64_t *a,
			      const uint64_t *bb, bool cumulative_only)
{
	json_object *o = json_object_new_object();
	unsigned int i;

	for (i = 0; i < s->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = xl_stats_desc(s, i);
		char name[256];
		uint64_t v;

		if (!xl_stats_is_scalar(d))
			continue;
		if (cumulative_only && !xl_stats_is_cumulative(d))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)s->hdr.name_size,
			 d->name);
		v = xl_stats_value(s, bb, i) - (a ? xl_stats_value(s, a, i) : 0);
		if (a && !v)
			continue;
		json_object_object_add(o, name, json_object_new_int64(v));
	}
	return o;
}

static json_object *platform_obj(const struct xl_platform *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "summary", json_object_new_string(p->line));
	json_object_object_add(o, "kernel", json_object_new_string(p->kernel));
	json_object_object_add(o, "host", json_object_new_string(p->host));
	json_object_object_add(o, "cpu_model",
			       json_object_new_string(p->cpu_model));
	json_object_object_add(o, "kvm_backend",
			       json_object_new_string(p->backend));
	json_object_object_add(o, "hardware_virt",
			       json_object_new_boolean(p->hardware));
	json_object_object_add(o, "timings_representative",
			       json_object_new_boolean(p->representative));
	json_object_object_add(o, "emulated_by",
			       p->emulator[0] ? json_object_new_string(p->emulator) :
			       NULL);
	json_object_object_add(o, "cpu_flag_vmx",
			       json_object_new_boolean(p->flag_vmx));
	json_object_object_add(o, "cpu_flag_svm",
			       json_object_new_boolean(p->flag_svm));
	json_object_object_add(o, "cpu_flag_hypervisor",
			       json_object_new_boolean(p->flag_hypervisor));
	return o;
}

static json_object *build_json(struct bench *b)
{
	json_object *root = json_object_new_object(), *cfg, *runs, *fin;
	char ts[32];
	time_t now = time(NULL);
	unsigned int i, c;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_object_add(root, "tool", json_object_new_string("exitless bench"));
	json_object_object_add(root, "date", json_object_new_string(ts));
	json_object_object_add(root, "platform", platform_obj(&b->plat));
	cfg = json_object_new_object();
	json_object_object_add(cfg, "count", json_object_new_int64(b->o.count));
	json_object_object_add(cfg, "irqchip", json_object_new_string(
		b->o.irqchip == XL_IRQCHIP_SPLIT ? "split" : "kernel"));
	json_object_object_add(cfg, "apic_requested",
			       json_object_new_string(apic_name(b->o.apic)));
	json_object_object_add(cfg, "apic_used", json_object_new_string(
		apic_name(b->vm.sh ? b->vm.sh->apic_mode : 0)));
	json_object_object_add(cfg, "delay_us",
			       json_object_new_int64(b->o.delay_us));
	json_object_object_add(cfg, "pinned", json_object_new_boolean(b->o.pin));
	json_object_object_add(cfg, "pid", json_object_new_int(getpid()));
	json_object_object_add(root, "config", cfg);

	runs = json_object_new_array();
	for (i = 0; i < b->nres; i++) {
		const struct result *r = &b->res[i];
		json_object *o = json_object_new_object(), *l, *pi;

		json_object_object_add(o, "guest", json_object_new_string(r->guest));
		json_object_object_add(o, "path",
				       json_object_new_string(path_names[r->path]));
		json_object_object_add(o, "path_desc",
				       json_object_new_string(path_desc[r->path]));
		json_object_object_add(o, "vector",
				       json_object_new_int(path_vec[r->path]));
		if (r->skipped) {
			json_object_object_add(o, "skipped",
					       json_object_new_string(r->skip_why));
			json_object_array_add(runs, o);
			continue;
		}
		json_object_object_add(o, "sent", json_object_new_int64(r->sent));
		json_object_object_add(o, "handled", json_object_new_int64(r->handled));
		json_object_object_add(o, "lost", json_object_new_int64(r->lost));
		json_object_object_add(o, "coalesced",
				       json_object_new_int64(r->coalesced));
		json_object_object_add(o, "wall_s", json_object_new_double(r->wall_s));
		l = json_object_new_object();
		json_object_object_add(l, "min", json_object_new_int64(r->min));
		json_object_object_add(l, "p50", json_object_new_int64(r->p50));
		json_object_object_add(l, "p99", json_object_new_int64(r->p99));
		json_object_object_add(l, "max", json_object_new_int64(r->max));
		json_object_object_add(l, "mean", json_object_new_double(r->mean));
		json_object_object_add(o, "latency_ns", l);
		pi = json_object_new_object();
		for (c = 0; c < NR_COLS; c++) {
			double v = col_value(b, r, c);

			if (!isnan(v))
				json_object_object_add(pi, cols[c],
						       json_object_new_double(v));
		}
		json_object_object_add(o, "per_irq", pi);
		if (r->cpu_a && r->cpu_b)
			json_object_object_add(o, "vcpu_delta",
					       stats_obj(&b->cpu, r->cpu_a, r->cpu_b, true));
		if (r->vm_a && r->vm_b)
			json_object_object_add(o, "vm_delta",
					       stats_obj(&b->vms, r->vm_a, r->vm_b, true));
		json_object_array_add(runs, o);
	}
	json_object_object_add(root, "runs", runs);

	/* what `exitless stat --pid` of this process should see */
	fin = json_object_new_object();
	if (b->final_cpu)
		json_object_object_add(fin, "vcpu0",
				       stats_obj(&b->cpu, NULL, b->final_cpu, false));
	if (b->final_vm)
		json_object_object_add(fin, "vm",
				       stats_obj(&b->vms, NULL, b->final_vm, false));
	json_object_object_add(root, "final_stats", fin);
	return root;
}

static void save_result(struct bench *b, json_object *root)
{
	char path[PATH_MAX], ts[32], host[sizeof(b->plat.host)];
	time_t now = time(NULL);
	const char *mode;
	unsigned int i;
	FILE *f;

	if (mkdir(b->o.outdir, 0755) && errno != EEXIST) {
		fprintf(stderr, "exitless bench: cannot create %s: %s (result not saved)\n",
			b->o.outdir, strerror(errno));
		return;
	}
	snprintf(host, sizeof(host), "%s", b->plat.host);
	for (i = 0; host[i]; i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-')
			host[i] = '_';
	mode = b->o.halt && b->o.compute ? "both" : b->o.halt ? "halt" :
	       "compute";
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(path, sizeof(path), "%s/%s-%s-%s-%s.json", b->o.outdir, ts,
		 host, b->o.irqchip == XL_IRQCHIP_SPLIT ? "split" : "kernel",
		 mode);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "exitless bench: cannot write %s: %s\n", path,
			strerror(errno));
		return;
	}
	fprintf(f, "%s\n", json_object_to_json_string_ext(root,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	fclose(f);
	fprintf(stderr, "exitless bench: result saved to %s\n", path);
}

static void list_stats(const struct xl_stats *s, const char *what)
{
	unsigned int i;

	printf("%s stats (%u descriptors):\n", what, s->hdr.num_desc);
	for (i = 0; i < s->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = xl_stats_desc(s, i);
		static const char *const types[] = {
			"cumulative", "instant", "peak", "linear-hist",
			"log-hist",
		};
		unsigned int t = (d->flags & KVM_STATS_TYPE_MASK) >>
				 KVM_STATS_TYPE_SHIFT;

		printf("  %-32.*s %-11s size %u\n", (int)s->hdr.name_size,
		       d->name, t < 5 ? types[t] : "?", d->size);
	}
}

/* ---- the run ---------------------------------------------------------- */

static int classify(int err)
{
	switch (err) {
	case -ENOENT: case -EACCES: case -EPERM: case -ENODEV:
	case -EOPNOTSUPP: case -ENOTTY:
		return XL_EXIT_UNAVAILABLE;
	case -ETIMEDOUT:
		return XL_EXIT_TIMEOUT;
	default:
		return XL_EXIT_FAIL;
	}
}

static int bench_body(struct bench *b)
{
	const struct opts *o = &b->o;
	struct xl_vm_opts vo = {
		.dev = o->dev, .irqchip = o->irqchip, .apic = o->apic,
		.pin_cpus = o->pin, .extra_caps = o->extra_caps,
	};
	const char *modes[2];
	unsigned int nmodes = 0, m, p;
	json_object *root;
	int r;

	r = xl_vm_create(&b->vm, &vo, b->err, sizeof(b->err));
	if (r)
		return classify(r);
	r = xl_stats_open(&b->cpu, b->vm.vcpu_fd);
	b->have_cpu = !r;
	if (r && !o->json)
		fprintf(stderr, "exitless bench: no vCPU stats (KVM_GET_STATS_FD: %s); exit columns will be '-'\n",
			strerror(-r));
	b->have_vm = !xl_stats_open(&b->vms, b->vm.vm_fd);
	if (o->list_stats) {
		if (b->have_vm)
			list_stats(&b->vms, "VM");
		if (b->have_cpu)
			list_stats(&b->cpu, "vCPU");
		return XL_EXIT_OK;
	}
	r = xl_vm_start(&b->vm, o->timeout < 5 ? 5 : o->timeout, b->err,
			sizeof(b->err));
	if (r)
		return classify(r);

	if (o->halt)
		modes[nmodes++] = "halt";
	if (o->compute)
		modes[nmodes++] = "compute";
	for (m = 0; m < nmodes; m++) {
		uint32_t cmd = !strcmp(modes[m], "halt") ? XL_MV_CMD_HALT :
			       XL_MV_CMD_COMPUTE;

		r = xl_vm_command(&b->vm, cmd, o->timeout, b->err,
				  sizeof(b->err));
		if (r)
			return classify(r);
		usleep(2000);
		for (p = 0; p < NR_PATHS; p++) {
			if (!(o->paths & (1u << p)))
				continue;
			r = run_path(b, &b->res[b->nres], p, modes[m]);
			b->nres++;
			if (r)
				return r;
		}
	}
	/* quiesce: halted guest, no injections; then the final counters */
	r = xl_vm_command(&b->vm, XL_MV_CMD_HALT, o->timeout, b->err,
			  sizeof(b->err));
	if (r)
		return classify(r);
	usleep(20000);
	b->final_cpu = snap(&b->cpu, b->have_cpu);
	b->final_vm = snap(&b->vms, b->have_vm);

	root = build_json(b);
	if (o->json)
		printf("%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_table(b, stdout);
	fflush(stdout);
	if (o->save)
		save_result(b, root);
	json_object_put(root);

	if (o->linger > 0) {
		uint64_t end = xl_now_ns() + (uint64_t)(o->linger * 1e9);

		while (xl_now_ns() < end && !b->vm.dead)
			usleep(10000);
	}
	for (m = 0; m < b->nres; m++)
		if (b->res[m].lost) {
			snprintf(b->err, sizeof(b->err),
				 "%lu of %lu interrupts lost on path %s (guest %s)",
				 b->res[m].lost, b->res[m].sent,
				 path_names[b->res[m].path], b->res[m].guest);
			return XL_EXIT_FAIL;
		}
	return XL_EXIT_OK;
}

static void bench_free(struct bench *b)
{
	unsigned int i;

	for (i = 0; i < b->nres; i++) {
		free(b->res[i].cpu_a);
		free(b->res[i].cpu_b);
		free(b->res[i].vm_a);
		free(b->res[i].vm_b);
	}
	free(b->final_cpu);
	free(b->final_vm);
	if (b->have_cpu)
		xl_stats_close(&b->cpu);
	if (b->have_vm)
		xl_stats_close(&b->vms);
	xl_vm_destroy(&b->vm);
}

static int cmd_bench(int argc, char **argv)
{
	struct bench *b = calloc(1, sizeof(*b));
	int fds0, thr0, fds1, thr1, rc;
	cpu_set_t saved, cpu0;
	bool pinned = false;

	if (!b) {
		fprintf(stderr, "exitless bench: out of memory\n");
		return XL_EXIT_FAIL;
	}
	rc = parse_opts(&b->o, argc, argv);
	if (rc) {
		free(b);
		return rc < 0 ? XL_EXIT_OK : rc;
	}
	xl_platform_detect(&b->plat);
	if (b->o.pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2 &&
	    !sched_getaffinity(0, sizeof(saved), &saved) &&
	    CPU_ISSET(0, &saved) && CPU_ISSET(1, &saved)) {
		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		pinned = !sched_setaffinity(0, sizeof(cpu0), &cpu0);
	}
	b->o.pin = pinned;

	fds0 = count_fds();
	thr0 = count_threads();
	rc = bench_body(b);
	bench_free(b);
	fds1 = count_fds();
	thr1 = count_threads();
	if (pinned)
		sched_setaffinity(0, sizeof(saved), &saved);

	if (rc != XL_EXIT_OK) {
		/* the platform first: it says why /dev/kvm may be missing */
		if (rc == XL_EXIT_UNAVAILABLE)
			fprintf(stderr, "exitless bench: %s\n", b->plat.line);
		fprintf(stderr, "exitless bench: %s\n", b->err);
		if (rc == XL_EXIT_TIMEOUT || b->vm.dead || b->nres)
			fprintf(stderr, "exitless bench: VM torn down: fds %d -> %d, threads %d -> %d%s\n",
				fds0, fds1, thr0, thr1,
				fds0 == fds1 && thr0 == thr1 ? " (nothing leaked)" :
				" (LEAK)");
	} else if (fds0 != fds1 || thr0 != thr1) {
		fprintf(stderr, "exitless bench: teardown leaked: fds %d -> %d, threads %d -> %d\n",
			fds0, fds1, thr0, thr1);
		rc = XL_EXIT_FAIL;
	}
	free(b);
	return rc;
}

XL_COMMAND(bench, "micro-VM interrupt benchmark: exits and latency per injection path",
	   cmd_bench);
