// SPDX-License-Identifier: GPL-2.0
/*
 * `exitless stat --pid PID`: exit and injection counters of another
 * process's KVM VM (QEMU, a second `exitless bench`, ...), per vCPU, as
 * totals or per second. Like kvm_stat, but through the binary stats fd:
 * the target's kvm-vm / kvm-vcpu:N fds are duplicated with pidfd_getfd()
 * (needs ptrace access to the target) and asked for KVM_GET_STATS_FD.
 * Falls back to /sys/kernel/debug/kvm/PID-FD/ when that is not possible.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>

#include "command.h"
#include "kvm/kvm.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define MAX_VCPUS	512
#define NAME_LEN	64
#define DEBUGFS_KVM	"/sys/kernel/debug/kvm"

/* The counters shown by default; --all shows every scalar stat. */
static const char *const shown[] = {
	"exits", "irq_exits", "halt_exits", "irq_window_exits",
	"irq_injections", "halt_wakeup", "io_exits", "mmio_exits",
	"insn_emulation", "nmi_injections", "signal_exits",
	"halt_successful_poll",
};
#define NR_SHOWN (sizeof(shown) / sizeof(shown[0]))

/* A flat set of named scalar counters: one VM or one vCPU. */
struct sset {
	unsigned int n;
	char (*names)[NAME_LEN];
	uint64_t *vals;
};

struct vcpu_src {
	int id;
	int target_fd;		/* fd number in the target */
	struct xl_stats st;	/* pidfd source */
	uint64_t *buf;
	char dir[PATH_MAX];	/* debugfs source */
	struct sset now, prev;
};

struct vm_src {
	int target_fd;
	struct xl_stats st;
	uint64_t *buf;
	char dir[PATH_MAX];
	struct sset now, prev;
	struct vcpu_src *vcpus;
	unsigned int nvcpus;
};

enum source { SRC_AUTO, SRC_PIDFD, SRC_DEBUGFS };

struct stat_ctx {
	pid_t pid;
	char comm[64];
	enum source src;	/* what was asked, then what is used */
	double interval;
	unsigned long count;
	bool json, all;
	struct vm_src *vms;
	unsigned int nvms;
	char err[512];
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: exitless stat --pid PID [OPTIONS]\n"
"\n"
"KVM exit and interrupt-injection counters of another process's VM(s), per\n"
"vCPU: totals, or with --interval the rate per second. Reads the binary stats\n"
"of the target's anon_inode:kvm-vm and kvm-vcpu:N fds (pidfd_getfd, needs\n"
"ptrace access to the target), else /sys/kernel/debug/kvm.\n"
"\n"
"  -p, --pid PID        process to look at (required)\n"
"  -i, --interval S     sample every S seconds, print rates per second\n"
"  -c, --count N        number of samples with --interval (default: until\n"
"                       the target exits)\n"
"  -s, --source SRC     auto (default), pidfd or debugfs\n"
"  -a, --all            every scalar counter, not only exit/injection ones\n"
"  -j, --json           JSON on stdout\n"
"  -h, --help           this text\n"
"\n"
"exit codes: 0 ok, 2 usage, 3 no debugfs (and no other way), 5 no such\n"
"process, 6 process has no KVM VM, 7 permission denied (ptrace access).\n");
}

static bool is_shown(const struct stat_ctx *c, const char *name)
{
	unsigned int i;

	if (c->all)
		return true;
	for (i = 0; i < NR_SHOWN; i++)
		if (!strcmp(name, shown[i]))
			return true;
	return false;
}

static void sset_free(struct sset *s)
{
	free(s->names);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

static int sset_add(struct sset *s, const char *name, uint64_t v)
{
	char (*nn)[NAME_LEN];
	uint64_t *nv;

	nn = realloc(s->names, (s->n + 1) * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	s->names = nn;
	nv = realloc(s->vals, (s->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->vals = nv;
	snprintf(s->names[s->n], NAME_LEN, "%s", name);
	s->vals[s->n++] = v;
	return 0;
}

static int sset_find(const struct sset *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return i;
	return -1;
}

/* ---- discovery: which fds of the target are KVM VMs and vCPUs -------- */

static int read_comm(pid_t pid, char *buf, size_t n)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, n, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return 0;
}

/*
 * KVM names its anon inodes "kvm-vm", "kvm-vcpu:N", "kvm-vm-stats" and
 * "kvm-vcpu-stats:N" (virt/kvm/kvm_main.c).
 */
struct found {
	int *vm, *vm_stats;
	unsigned int nvm, nvm_stats;
	int vcpu[MAX_VCPUS], vcpu_stats[MAX_VCPUS];	/* by id, -1 none */
	unsigned int nvcpu;	/* highest id + 1 */
};

static int push_fd(int **arr, unsigned int *n, int fd)
{
	int *a = realloc(*arr, (*n + 1) * sizeof(int));

	if (!a)
		return -ENOMEM;
	*arr = a;
	a[(*n)++] = fd;
	return 0;
}

static int scan_fds(struct stat_ctx *c, struct found *f)
{
	char path[64], link[128], lpath[PATH_MAX];
	struct dirent *e;
	unsigned int i;
	int r = 0;
	DIR *d;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < MAX_VCPUS; i++)
		f->vcpu[i] = f->vcpu_stats[i] = -1;
	snprintf(path, sizeof(path), "/proc/%d/fd", c->pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && !r) {
		ssize_t len;
		int fd, id = -1;
		char tail;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		fd = atoi(e->d_name);
		snprintf(lpath, sizeof(lpath), "%s/%s", path, e->d_name);
		len = readlink(lpath, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (!strcmp(link, "anon_inode:kvm-vm")) {
			r = push_fd(&f->vm, &f->nvm, fd);
		} else if (!strcmp(link, "anon_inode:kvm-vm-stats")) {
			r = push_fd(&f->vm_stats, &f->nvm_stats, fd);
		} else if (sscanf(link, "anon_inode:kvm-vcpu:%d%c", &id,
				  &tail) == 1 && id >= 0 && id < MAX_VCPUS) {
			f->vcpu[id] = fd;
		} else if (sscanf(link, "anon_inode:kvm-vcpu-stats:%d%c", &id,
				  &tail) == 1 && id >= 0 && id < MAX_VCPUS) {
			f->vcpu_stats[id] = fd;
		} else {
			continue;
		}
		if (id >= 0 && (unsigned int)id + 1 > f->nvcpu &&
		    strstr(link, "vcpu"))
			f->nvcpu = id + 1;
	}
	closedir(d);
	return r;
}

static void found_free(struct found *f)
{
	free(f->vm);
	free(f->vm_stats);
}

/* ---- source 1: pidfd_getfd ------------------------------------------- */

static int stats_to_sset(const struct xl_stats *st, uint64_t *buf,
			 struct sset *out)
{
	unsigned int i;
	int r;

	r = xl_stats_read(st, buf);
	if (r)
		return r;
	sset_free(out);
	for (i = 0; i < st->hdr.num_desc; i++) {
		const struct kvm_stats_desc *d = xl_stats_desc(st, i);
		char name[NAME_LEN];

		if (!xl_stats_is_scalar(d))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)st->hdr.name_size,
			 d->name);
		r = sset_add(out, name, xl_stats_value(st, buf, i));
		if (r)
			return r;
	}
	return 0;
}

/*
 * Borrow the target's stats fd when it has one: reading a stats fd works
 * from any process. Otherwise borrow its VM/vCPU fd and ask for a stats fd,
 * which KVM refuses with EIO to every process but the VM's creator
 * (kvm->mm != current->mm in kvm_vm_ioctl/kvm_vcpu_ioctl).
 */
static int open_stats_of(struct stat_ctx *c, int pidfd, int stats_fd,
			 int kvm_fd, struct xl_stats *st, uint64_t **buf)
{
	int fd, r;

	fd = syscall(SYS_pidfd_getfd, pidfd, stats_fd >= 0 ? stats_fd : kvm_fd,
		     0);
	if (fd < 0) {
		r = -errno;
		snprintf(c->err, sizeof(c->err), "pidfd_getfd: %s",
			 strerror(-r));
		return r;
	}
	if (stats_fd >= 0) {
		r = xl_stats_init(st, fd);
	} else {
		r = xl_stats_open(st, fd);
		close(fd);
		if (r == -EIO) {
			snprintf(c->err, sizeof(c->err),
				 "KVM_GET_STATS_FD on the borrowed VM/vCPU fd: EIO (KVM answers ioctls only from the VM's own process) and the target holds no kvm-vm-stats/kvm-vcpu-stats fd to borrow");
			return -EIO;
		}
	}
	if (r) {
		snprintf(c->err, sizeof(c->err), "stats fd: %s", strerror(-r));
		return r;
	}
	*buf = calloc(st->data_words, sizeof(**buf));
	return *buf ? 0 : -ENOMEM;
}

static int setup_pidfd(struct stat_ctx *c, const struct found *f)
{
	unsigned int i, nvm;
	int pidfd, r = 0;

	pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	if (pidfd < 0)
		return -errno;
	nvm = f->nvm_stats ? f->nvm_stats : f->nvm;
	c->vms = calloc(nvm, sizeof(*c->vms));
	if (!c->vms) {
		close(pidfd);
		return -ENOMEM;
	}
	for (i = 0; i < nvm && !r; i++) {
		struct vm_src *v = &c->vms[c->nvms++];

		v->target_fd = f->nvm_stats ? f->vm_stats[i] : f->vm[i];
		v->st.fd = -1;
		r = open_stats_of(c, pidfd, f->nvm_stats ? f->vm_stats[i] : -1,
				  f->nvm_stats ? -1 : f->vm[i], &v->st,
				  &v->buf);
	}
	/*
	 * A vCPU fd does not name its VM; with one VM (the usual case) they
	 * all belong to it. With several, they are listed under the first.
	 */
	if (!r) {
		struct vm_src *v = &c->vms[0];

		v->vcpus = calloc(f->nvcpu ? f->nvcpu : 1, sizeof(*v->vcpus));
		if (!v->vcpus)
			r = -ENOMEM;
		for (i = 0; i < f->nvcpu && !r; i++) {
			struct vcpu_src *vc;

			if (f->vcpu[i] < 0 && f->vcpu_stats[i] < 0)
				continue;
			vc = &v->vcpus[v->nvcpus++];
			vc->id = i;
			vc->target_fd = f->vcpu_stats[i] >= 0 ?
					f->vcpu_stats[i] : f->vcpu[i];
			vc->st.fd = -1;
			r = open_stats_of(c, pidfd, f->vcpu_stats[i],
					  f->vcpu[i], &vc->st, &vc->buf);
		}
	}
	close(pidfd);
	return r;
}

/* ---- source 2: debugfs ----------------------------------------------- */

static int read_u64_file(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf) - 1);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	close(fd);
	buf[r] = '\0';
	if (!isdigit((unsigned char)buf[0]))
		return -EINVAL;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

/* Every regular file in @dir holding one number is a counter. */
static int debugfs_read_dir(const char *dir, struct sset *out)
{
	char path[PATH_MAX];
	struct dirent *e;
	int r = 0, first_err = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	sset_free(out);
	while ((e = readdir(d))) {
		uint64_t v = 0;

		if (e->d_name[0] == '.' || e->d_type == DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		r = read_u64_file(path, &v);
		if (r) {
			/* kvm-pvm hosts answer EPERM here (see README) */
			if (!first_err && r != -EINVAL)
				first_err = r;
			continue;
		}
		sset_add(out, e->d_name, v);
	}
	closedir(d);
	return out->n ? 0 : (first_err ? first_err : -ENOENT);
}

static int setup_debugfs(struct stat_ctx *c, const int *vmfds,
			 unsigned int nvm)
{
	unsigned int i;
	int r = 0;

	if (access(DEBUGFS_KVM, R_OK | X_OK))
		return -ENOTDIR;
	c->vms = calloc(nvm, sizeof(*c->vms));
	if (!c->vms)
		return -ENOMEM;
	for (i = 0; i < nvm && !r; i++) {
		struct vm_src *v = &c->vms[c->nvms++];
		struct dirent *e;
		DIR *d;

		v->target_fd = vmfds[i];
		v->st.fd = -1;
		snprintf(v->dir, sizeof(v->dir), "%s/%d-%d", DEBUGFS_KVM,
			 c->pid, vmfds[i]);
		d = opendir(v->dir);
		if (!d)
			return -ENOENT;
		while ((e = readdir(d))) {
			struct vcpu_src *n;
			int id;

			if (sscanf(e->d_name, "vcpu%d", &id) != 1)
				continue;
			n = realloc(v->vcpus, (v->nvcpus + 1) * sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				break;
			}
			v->vcpus = n;
			memset(&n[v->nvcpus], 0, sizeof(*n));
			n[v->nvcpus].id = id;
			n[v->nvcpus].target_fd = -1;
			n[v->nvcpus].st.fd = -1;
			if ((size_t)snprintf(n[v->nvcpus].dir, sizeof(n->dir),
					     "%s/%.64s", v->dir, e->d_name) >=
			    sizeof(n->dir))
				continue;
			v->nvcpus++;
		}
		closedir(d);
	}
	return r;
}

/* ---- sampling and output --------------------------------------------- */

static int sample(struct stat_ctx *c)
{
	unsigned int i, j;
	int r;

	for (i = 0; i < c->nvms; i++) {
		struct vm_src *v = &c->vms[i];

		sset_free(&v->prev);
		v->prev = v->now;
		memset(&v->now, 0, sizeof(v->now));
		r = c->src == SRC_PIDFD ? stats_to_sset(&v->st, v->buf, &v->now)
					: debugfs_read_dir(v->dir, &v->now);
		if (r)
			return r;
		for (j = 0; j < v->nvcpus; j++) {
			struct vcpu_src *vc = &v->vcpus[j];

			sset_free(&vc->prev);
			vc->prev = vc->now;
			memset(&vc->now, 0, sizeof(vc->now));
			r = c->src == SRC_PIDFD ?
			    stats_to_sset(&vc->st, vc->buf, &vc->now) :
			    debugfs_read_dir(vc->dir, &vc->now);
			if (r)
				return r;
		}
	}
	return 0;
}

/* totals (dt == 0) or rate per second since the previous sample */
static json_object *sset_json(const struct stat_ctx *c, const struct sset *now,
			      const struct sset *prev, double dt)
{
	json_object *o = json_object_new_object();
	unsigned int i;

	for (i = 0; i < now->n; i++) {
		int k;

		if (!is_shown(c, now->names[i]))
			continue;
		if (dt <= 0) {
			json_object_object_add(o, now->names[i],
					       json_object_new_int64(now->vals[i]));
			continue;
		}
		k = sset_find(prev, now->names[i]);
		json_object_object_add(o, now->names[i], json_object_new_double(
			k < 0 ? 0 : (now->vals[i] - prev->vals[k]) / dt));
	}
	return o;
}

static json_object *snapshot_json(const struct stat_ctx *c, double dt)
{
	json_object *vms = json_object_new_array();
	unsigned int i, j;

	for (i = 0; i < c->nvms; i++) {
		const struct vm_src *v = &c->vms[i];
		json_object *o = json_object_new_object();
		json_object *vcpus = json_object_new_array();

		json_object_object_add(o, "fd", json_object_new_int(v->target_fd));
		json_object_object_add(o, "vm",
				       sset_json(c, &v->now, &v->prev, dt));
		for (j = 0; j < v->nvcpus; j++) {
			const struct vcpu_src *vc = &v->vcpus[j];
			json_object *x = json_object_new_object();

			json_object_object_add(x, "id", json_object_new_int(vc->id));
			json_object_object_add(x, dt > 0 ? "per_sec" : "stats",
					       sset_json(c, &vc->now, &vc->prev, dt));
			json_object_array_add(vcpus, x);
		}
		json_object_object_add(o, "vcpus", vcpus);
		json_object_array_add(vms, o);
	}
	return vms;
}

static int colw(const char *name)
{
	int n = strlen(name);

	return n < 10 ? 10 : n;
}

static void print_text(const struct stat_ctx *c, double dt, double t)
{
	unsigned int i, j, k;

	if (dt > 0)
		printf("t=%.1fs  per second over %.2f s\n", t, dt);
	for (i = 0; i < c->nvms; i++) {
		const struct vm_src *v = &c->vms[i];

		printf("%-10s", "vcpu");
		for (k = 0; k < NR_SHOWN; k++)
			if (v->nvcpus && sset_find(&v->vcpus[0].now, shown[k]) >= 0)
				printf(" %*s", colw(shown[k]), shown[k]);
		printf("\n");
		for (j = 0; j < v->nvcpus; j++) {
			const struct vcpu_src *vc = &v->vcpus[j];

			printf("%-10d", vc->id);
			for (k = 0; k < NR_SHOWN; k++) {
				int a = sset_find(&vc->now, shown[k]);
				int b = sset_find(&vc->prev, shown[k]);

				if (a < 0)
					continue;
				if (dt > 0)
					printf(" %*.1f", colw(shown[k]), b < 0 ? 0.0 :
					       (vc->now.vals[a] - vc->prev.vals[b]) / dt);
				else
					printf(" %*llu", colw(shown[k]),
					       (unsigned long long)vc->now.vals[a]);
			}
			printf("\n");
		}
		if (c->all && dt <= 0) {
			printf("all counters:\n");
			for (j = 0; j < v->nvcpus; j++)
				for (k = 0; k < v->vcpus[j].now.n; k++)
					printf("  vcpu%d %-32s %llu\n", v->vcpus[j].id,
					       v->vcpus[j].now.names[k],
					       (unsigned long long)v->vcpus[j].now.vals[k]);
			for (k = 0; k < v->now.n; k++)
				printf("  vm    %-32s %llu\n", v->now.names[k],
				       (unsigned long long)v->now.vals[k]);
		}
	}
	fflush(stdout);
}

static json_object *header_json(const struct stat_ctx *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int(c->pid));
	json_object_object_add(o, "comm", json_object_new_string(c->comm));
	json_object_object_add(o, "source", json_object_new_string(
		c->src == SRC_PIDFD ? "pidfd" : "debugfs"));
	return o;
}

static void free_ctx(struct stat_ctx *c)
{
	unsigned int i, j;

	for (i = 0; i < c->nvms; i++) {
		struct vm_src *v = &c->vms[i];

		for (j = 0; j < v->nvcpus; j++) {
			if (v->vcpus[j].st.fd >= 0)
				xl_stats_close(&v->vcpus[j].st);
			free(v->vcpus[j].buf);
			sset_free(&v->vcpus[j].now);
			sset_free(&v->vcpus[j].prev);
		}
		free(v->vcpus);
		if (v->st.fd >= 0)
			xl_stats_close(&v->st);
		free(v->buf);
		sset_free(&v->now);
		sset_free(&v->prev);
	}
	free(c->vms);
	c->vms = NULL;
	c->nvms = 0;
}

static int perm_error(struct stat_ctx *c, const char *what, int e,
		      const char *fallback)
{
	snprintf(c->err, sizeof(c->err),
		 "permission denied: %s of PID %d (%s): %s; needs ptrace access (same user and kernel.yama.ptrace_scope, or CAP_SYS_PTRACE)%s",
		 what, c->pid, c->comm, strerror(-e), fallback);
	return XL_EXIT_PERM;
}

/* Find the VMs, open them through the chosen source. Exit code or 0. */
static int attach(struct stat_ctx *c)
{
	char why_pidfd[sizeof(c->err)] = "";
	struct found f;
	int r, rp = 0;

	if (kill(c->pid, 0) && errno == ESRCH) {
		snprintf(c->err, sizeof(c->err), "no process with PID %d",
			 c->pid);
		return XL_EXIT_NOPROC;
	}
	read_comm(c->pid, c->comm, sizeof(c->comm));
	r = scan_fds(c, &f);
	if (r == -ENOENT || r == -ESRCH) {
		snprintf(c->err, sizeof(c->err), "no process with PID %d",
			 c->pid);
		r = XL_EXIT_NOPROC;
		goto out;
	}
	if (r == -EACCES || r == -EPERM) {
		r = perm_error(c, "reading /proc/PID/fd", r, "");
		goto out;
	}
	if (r) {
		snprintf(c->err, sizeof(c->err), "/proc/%d/fd: %s", c->pid,
			 strerror(-r));
		r = XL_EXIT_FAIL;
		goto out;
	}
	if (!f.nvm && !f.nvm_stats) {
		snprintf(c->err, sizeof(c->err),
			 "PID %d (%s) has no KVM VM (no anon_inode:kvm-vm among its fds)",
			 c->pid, c->comm);
		r = XL_EXIT_NOVM;
		goto out;
	}

	r = -ENOSYS;
	if (c->src != SRC_DEBUGFS) {
		rp = r = setup_pidfd(c, &f);
		if (!r) {
			c->src = SRC_PIDFD;
			goto out;
		}
		snprintf(why_pidfd, sizeof(why_pidfd), "%s", c->err);
		free_ctx(c);
		if (r == -ESRCH) {
			snprintf(c->err, sizeof(c->err),
				 "process %d exited while attaching", c->pid);
			r = XL_EXIT_NOPROC;
			goto out;
		}
		if (c->src == SRC_PIDFD) {
			r = (r == -EPERM || r == -EACCES) ?
			    perm_error(c, "pidfd_getfd", r, "") :
			    XL_EXIT_UNAVAILABLE;
			if (r == XL_EXIT_UNAVAILABLE)
				snprintf(c->err, sizeof(c->err), "%s",
					 why_pidfd);
			goto out;
		}
	}
	r = setup_debugfs(c, f.vm, f.nvm);
	if (!r) {
		c->src = SRC_DEBUGFS;
		r = sample(c);
		if (!r)
			goto out;
	}
	free_ctx(c);
	if (rp == -EPERM || rp == -EACCES) {
		r = perm_error(c, "pidfd_getfd", rp,
			       r == -ENOTDIR ? "; debugfs fallback: " DEBUGFS_KVM " not available" : "");
	} else if (r == -ENOTDIR) {
		snprintf(c->err, sizeof(c->err),
			 "no debugfs: %s is missing (debugfs not mounted?)%s%s",
			 DEBUGFS_KVM, rp ? "; pidfd path: " : "", why_pidfd);
		r = XL_EXIT_UNAVAILABLE;
	} else if (r == -EPERM || r == -EACCES) {
		r = perm_error(c, "reading " DEBUGFS_KVM, r,
			       "; some hosts' debugfs kvm files refuse reads even to root");
	} else {
		snprintf(c->err, sizeof(c->err),
			 "cannot read KVM stats of PID %d via debugfs: %s%s%s",
			 c->pid, strerror(-r), rp ? "; pidfd path: " : "",
			 why_pidfd);
		r = XL_EXIT_FAIL;
	}
out:
	found_free(&f);
	return r;
}

static int parse_opts(struct stat_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_pid = false;
	char *end;
	long v;
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":p:i:c:s:ajh", lo, NULL)) != -1) {
		switch (o) {
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end ||
			    errno || v <= 0 || v > INT_MAX) {
				fprintf(stderr, "exitless stat: invalid --pid '%s': need a positive integer\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			c->pid = v;
			have_pid = true;
			break;
		case 'i':
			errno = 0;
			c->interval = strtod(optarg, &end);
			if (!*optarg || *end || errno || !isfinite(c->interval) ||
			    c->interval < 0.01 || c->interval > 3600) {
				fprintf(stderr, "exitless stat: invalid --interval '%s': seconds, 0.01..3600\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case 'c':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end ||
			    errno || v <= 0 || v > 1000000) {
				fprintf(stderr, "exitless stat: invalid --count '%s': 1..1000000\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			c->count = v;
			break;
		case 's':
			if (!strcmp(optarg, "auto"))
				c->src = SRC_AUTO;
			else if (!strcmp(optarg, "pidfd"))
				c->src = SRC_PIDFD;
			else if (!strcmp(optarg, "debugfs"))
				c->src = SRC_DEBUGFS;
			else {
				fprintf(stderr, "exitless stat: invalid --source '%s': auto, pidfd or debugfs\n",
					optarg);
				return XL_EXIT_USAGE;
			}
			break;
		case 'a':
			c->all = true;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			fprintf(stderr, "exitless stat: option '%s' needs a value\n",
				argv[optind - 1]);
			return XL_EXIT_USAGE;
		default:
			fprintf(stderr, "exitless stat: unknown option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return XL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "exitless stat: unexpected argument '%s'\n",
			argv[optind]);
		return XL_EXIT_USAGE;
	}
	if (!have_pid) {
		fprintf(stderr, "exitless stat: --pid PID is required\n");
		usage(stderr);
		return XL_EXIT_USAGE;
	}
	if (c->count && !c->interval) {
		fprintf(stderr, "exitless stat: --count needs --interval\n");
		return XL_EXIT_USAGE;
	}
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	struct stat_ctx c;
	json_object *root = NULL, *samples = NULL;
	uint64_t t0, tprev;
	unsigned long n;
	int r;

	memset(&c, 0, sizeof(c));
	r = parse_opts(&c, argc, argv);
	if (r)
		return r < 0 ? XL_EXIT_OK : r;
	r = attach(&c);
	if (r) {
		fprintf(stderr, "exitless stat: %s\n", c.err);
		return r;
	}
	r = c.src == SRC_PIDFD ? sample(&c) : 0;	/* debugfs sampled */
	if (r) {
		fprintf(stderr, "exitless stat: reading stats: %s\n",
			strerror(-r));
		free_ctx(&c);
		return XL_EXIT_FAIL;
	}
	if (c.json) {
		root = header_json(&c);
		json_object_object_add(root, "totals", snapshot_json(&c, 0));
	} else {
		printf("PID %d (%s), %u VM(s), source %s\n", c.pid, c.comm,
		       c.nvms, c.src == SRC_PIDFD ? "pidfd_getfd (KVM binary stats)" :
		       "debugfs");
		print_text(&c, 0, 0);
	}
	if (c.interval > 0) {
		t0 = tprev = xl_now_ns();
		if (root) {
			samples = json_object_new_array();
			json_object_object_add(root, "samples", samples);
		}
		for (n = 0; !c.count || n < c.count; n++) {
			uint64_t t;
			double dt;

			usleep((useconds_t)(c.interval * 1e6));
			if (kill(c.pid, 0) && errno == ESRCH)
				break;	/* target gone: stop quietly */
			r = sample(&c);
			if (r)
				break;
			t = xl_now_ns();
			dt = (t - tprev) / 1e9;
			tprev = t;
			if (samples) {
				json_object *s = json_object_new_object();

				json_object_object_add(s, "t", json_object_new_double((t - t0) / 1e9));
				json_object_object_add(s, "dt", json_object_new_double(dt));
				json_object_object_add(s, "vms", snapshot_json(&c, dt));
				json_object_array_add(samples, s);
			} else {
				print_text(&c, dt, (t - t0) / 1e9);
			}
		}
	}
	if (root) {
		printf("%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	free_ctx(&c);
	return XL_EXIT_OK;
}

XL_COMMAND(stat, "KVM exit/injection counters of another process's VM (--pid)",
	   cmd_stat);
