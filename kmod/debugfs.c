// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/exitless/: "counters" (module-wide, as returned by
 * XL_IOC_COUNTERS with XL_COUNTERS_GLOBAL) and "vms" (one line per attached
 * VM). Failure to create them is not an error: debugfs is for people.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vmx/kvm_hooks.h"
#include "pi.h"
#include "xl.h"

static struct dentry *xl_debugfs_dir;

static int counters_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "attached %u\n", xl_vm_count());
	seq_printf(m, "attaches %lld\n", atomic64_read(&xl_stats.attaches));
	seq_printf(m, "detaches %lld\n", atomic64_read(&xl_stats.detaches));
	seq_printf(m, "mode_changes %lld\n",
		   atomic64_read(&xl_stats.mode_changes));
	seq_printf(m, "mode_rejected %lld\n",
		   atomic64_read(&xl_stats.mode_rejected));
	seq_printf(m, "irqs_registered_now %llu\n", xl_irqs_total());
	seq_printf(m, "irq_registers %lld\n",
		   atomic64_read(&xl_stats.irq_registers));
	seq_printf(m, "irq_unregisters %lld\n",
		   atomic64_read(&xl_stats.irq_unregisters));
	seq_printf(m, "ioctl_errors %lld\n",
		   atomic64_read(&xl_stats.ioctl_errors));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counters);

static int vms_show(struct seq_file *m, void *unused)
{
	xl_vm_show_all(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vms);

static int hooks_show(struct seq_file *m, void *unused)
{
	xl_hooks_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hooks);

void xl_debugfs_init(void)
{
	xl_debugfs_dir = debugfs_create_dir("exitless", NULL);
	debugfs_create_file("counters", 0444, xl_debugfs_dir, NULL,
			    &counters_fops);
	debugfs_create_file("vms", 0444, xl_debugfs_dir, NULL, &vms_fops);
	debugfs_create_file("hooks", 0444, xl_debugfs_dir, NULL,
			    &hooks_fops);
	xl_hooks_debugfs_init(xl_debugfs_dir);
	xl_pi_debugfs_init(xl_debugfs_dir);
}

/* debugfs_remove waits for readers still inside a show function. */
void xl_debugfs_exit(void)
{
	debugfs_remove(xl_debugfs_dir);
}
