/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace side of /dev/exitless (include/uapi/exitless.h): open the
 * device with a clear message when the module is missing, wrap each ioctl
 * into a function returning 0 or -errno, and find a process's KVM VM fd.
 *
 * A session (open file) attaches to one VM; closing it detaches. A program
 * that owns its VM fd (the built-in micro-VM) calls xl_dev_attach() on it
 * directly; `exitless attach --pid` takes QEMU's fd with pidfd_getfd().
 */
#ifndef XL_DEV_H
#define XL_DEV_H

#include <stdint.h>
#include <sys/types.h>

#include "uapi/exitless.h"

/* Open /dev/exitless and check its ABI version. -errno, message printed. */
int xl_dev_open(struct xl_version *v);
int xl_dev_attach(int dev, int vm_fd, uint64_t *vm_id);
int xl_dev_detach(int dev);
int xl_dev_set_mode(int dev, uint32_t mode);
int xl_dev_irqs(int dev, int reg, const uint32_t *irqs, uint32_t n);
int xl_dev_counters(int dev, int global, struct xl_counters *c);
/*
 * Why exitless.ko refused the attached VM's last mode or IRQ registration
 * (XL_IOC_WHY), into @buf: 0 with the text ("" when nothing was refused),
 * -ENOTTY from a module older than that ioctl, or another -errno; @buf is
 * "" unless 0.
 */
int xl_dev_why(int dev, char *buf, size_t len);

/* Room for xl_dev_refusal()'s message. */
#define XL_REFUSAL_LEN	320
/*
 * What to print for an EOPNOTSUPP of the attached VM: "refused by
 * exitless.ko: REASON" (in @buf, XL_REFUSAL_LEN bytes), or @fallback when
 * the module gives no reason (older than XL_IOC_WHY, or none recorded).
 */
const char *xl_dev_refusal(int dev, char *buf, size_t len,
			   const char *fallback);
/* @fallback for a refused MODE from a module that gives no reason. */
const char *xl_dev_mode_unavailable(uint32_t mode);

/*
 * The guest's shadow-IDT registration from a VM's counters, one line into
 * @buf: "registered by vCPUs 0,1 of 2 (page 0x...)", or that the guest
 * has not registered (eli and did refused until exitless_guest.ko is
 * loaded in it), or that the module cannot tell (no VMX hooks). Returns
 * 1 when registered, else 0.
 */
int xl_dev_guest_str(const struct xl_counters *c, char *buf, size_t len);

/* "baseline" -> XL_IOC_MODE_BASELINE ...; -EINVAL for unknown names. */
int xl_dev_mode_parse(const char *name);
const char *xl_dev_mode_name(uint32_t mode);

/*
 * A duplicate, in this process, of @pid's KVM VM fd (the one whose
 * /proc/PID/fd link reads "anon_inode:kvm-vm"), via pidfd_getfd(2).
 * -ENOENT: the process has no VM; -EEXIST: more than one (pass @fd_hint,
 * the fd number in @pid, to pick one; -1 = any single one).
 */
int xl_vm_fd_of_pid(pid_t pid, int fd_hint);

/*
 * A whole decimal number in [@min, @max] from a command-line word, into
 * @out. -EINVAL when @s is not one (empty, a sign, trailing characters),
 * -ERANGE when it is one outside the range (strtoul's wrap of "-1" or of
 * 2^32 into a smaller type never happens).
 */
int xl_parse_num(const char *s, unsigned long long min,
		 unsigned long long max, unsigned long long *out);
/*
 * The same for option @opt of command @cmd: prints "exitless CMD: --OPT
 * 'S' is not a number" or "... is out of range (MIN..MAX)" and returns
 * -1, or 0 with the value in @out.
 */
int xl_parse_opt(const char *cmd, const char *opt, const char *s,
		 unsigned long long min, unsigned long long max,
		 unsigned long long *out);

/* Holder bookkeeping of `exitless attach` (see cmd_attach.c). */
#define XL_RUN_DIR "/run/exitless"
int xl_run_path(char *buf, size_t len, pid_t vm_pid, const char *what);

#endif /* XL_DEV_H */
