/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of exitless.ko, system "exitless":
 *   perf list 'exitless:*'
 *   perf record -e 'exitless:*' -a -- exitless attach --pid PID
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM exitless

#if !defined(XL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XL_TRACE_H

#include <linux/tracepoint.h>

#include "compat.h"

TRACE_EVENT(attach,
	    TP_PROTO(u64 vm_id, pid_t vm_tgid),
	    TP_ARGS(vm_id, vm_tgid),
	    TP_STRUCT__entry(__field(u64, vm_id)
			     __field(pid_t, vm_tgid)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   __entry->vm_tgid = vm_tgid;),
	    TP_printk("vm=%llu pid=%d", __entry->vm_id, __entry->vm_tgid)
);

TRACE_EVENT(detach,
	    TP_PROTO(u64 vm_id, const char *why),
	    TP_ARGS(vm_id, why),
	    TP_STRUCT__entry(__field(u64, vm_id)
			     __string(why, why)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   xl_assign_str(why, why);),
	    TP_printk("vm=%llu why=%s", __entry->vm_id, __get_str(why))
);

TRACE_EVENT(mode_change,
	    TP_PROTO(u64 vm_id, u32 old_mode, u32 new_mode, int ret),
	    TP_ARGS(vm_id, old_mode, new_mode, ret),
	    TP_STRUCT__entry(__field(u64, vm_id)
			     __field(u32, old_mode)
			     __field(u32, new_mode)
			     __field(int, ret)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   __entry->old_mode = old_mode;
			   __entry->new_mode = new_mode;
			   __entry->ret = ret;),
	    TP_printk("vm=%llu %u->%u ret=%d", __entry->vm_id,
		      __entry->old_mode, __entry->new_mode, __entry->ret)
);

TRACE_EVENT(irq_register,
	    TP_PROTO(u64 vm_id, u32 irq, bool registered),
	    TP_ARGS(vm_id, irq, registered),
	    TP_STRUCT__entry(__field(u64, vm_id)
			     __field(u32, irq)
			     __field(bool, registered)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   __entry->irq = irq;
			   __entry->registered = registered;),
	    TP_printk("vm=%llu irq=%u %s", __entry->vm_id, __entry->irq,
		      __entry->registered ? "registered" : "unregistered")
);

TRACE_EVENT(pi_irte,
	    TP_PROTO(u64 vm_id, u32 irq, u32 gsi, u32 vcpu_id, u8 vector,
		     u64 pda, bool posted, int ret),
	    TP_ARGS(vm_id, irq, gsi, vcpu_id, vector, pda, posted, ret),
	    TP_STRUCT__entry(__field(u64, vm_id)
			     __field(u64, pda)
			     __field(u32, irq)
			     __field(u32, gsi)
			     __field(u32, vcpu_id)
			     __field(int, ret)
			     __field(u8, vector)
			     __field(bool, posted)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   __entry->pda = pda;
			   __entry->irq = irq;
			   __entry->gsi = gsi;
			   __entry->vcpu_id = vcpu_id;
			   __entry->ret = ret;
			   __entry->vector = vector;
			   __entry->posted = posted;),
	    TP_printk("vm=%llu irq=%u gsi=%u vcpu=%u vector=0x%02x pda=0x%llx %s ret=%d",
		      __entry->vm_id, __entry->irq, __entry->gsi,
		      __entry->vcpu_id, __entry->vector, __entry->pda,
		      __entry->posted ? "posted" : "remapped", __entry->ret)
);

TRACE_EVENT(pi_refused,
	    TP_PROTO(u64 vm_id, const char *what, const char *why),
	    TP_ARGS(vm_id, what, why),
	    TP_STRUCT__entry(__field(u64, vm_id)
			     __string(what, what)
			     __string(why, why)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   xl_assign_str(what, what);
			   xl_assign_str(why, why);),
	    TP_printk("vm=%llu %s: %s", __entry->vm_id, __get_str(what),
		      __get_str(why))
);

#endif /* XL_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xl_trace
#include <trace/define_trace.h>
