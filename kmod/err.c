// SPDX-License-Identifier: GPL-2.0
/*
 * This module's xl_err_note/xl_err_take (include/xl_err.h): the site of
 * the last failed check, per CPU and tagged with the task that noted it.
 *
 * The mechanisms fail in task context: a vCPU thread in KVM's entry or
 * exit path (interrupts off, so the take that follows runs on the same
 * CPU) or an ioctl (preemptible: the thread may move, or another may note
 * on this CPU in between). A take that finds another task's note, or
 * none, returns NULL: a reason is never given to the wrong failure.
 */
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "xl_err.h"

struct xl_err_slot {
	struct task_struct *task;
	const struct xl_err_site *site;
};

static DEFINE_PER_CPU(struct xl_err_slot, xl_err_slot);

void xl_err_note(const struct xl_err_site *site)
{
	unsigned long flags;

	if (!in_task())
		return;
	local_irq_save(flags);
	__this_cpu_write(xl_err_slot.task, current);
	__this_cpu_write(xl_err_slot.site, site);
	local_irq_restore(flags);
}

const struct xl_err_site *xl_err_take(void)
{
	const struct xl_err_site *site = NULL;
	unsigned long flags;

	if (!in_task())
		return NULL;
	local_irq_save(flags);
	if (__this_cpu_read(xl_err_slot.task) == current) {
		site = __this_cpu_read(xl_err_slot.site);
		__this_cpu_write(xl_err_slot.task, NULL);
		__this_cpu_write(xl_err_slot.site, NULL);
	}
	local_irq_restore(flags);
	return site;
}

/* One store, safe with interrupts on or off: take then finds no note. */
void xl_err_forget(void)
{
	this_cpu_write(xl_err_slot.task, NULL);
}
