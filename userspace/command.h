/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subcommands of the `exitless` tool. Each lives in its own cmd_*.c file
 * and registers itself with XL_COMMAND(), so adding one never touches
 * main.c. Exit codes follow sysexits-like conventions in xl_exit below.
 */
#ifndef XL_COMMAND_H
#define XL_COMMAND_H

struct xl_command {
	const char *name;
	const char *summary;	/* one line for `exitless --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the name */
	struct xl_command *next;
};

void xl_command_register(struct xl_command *cmd);

#define XL_COMMAND(_name, _summary, _fn)				\
	static struct xl_command xl_cmd_##_name = {			\
		.name = #_name, .summary = _summary, .run = _fn,	\
	};								\
	__attribute__((constructor)) static void xl_cmd_reg_##_name(void) \
	{								\
		xl_command_register(&xl_cmd_##_name);			\
	}

/* Exit codes shared by every subcommand. */
enum xl_exit {
	XL_EXIT_OK = 0,
	XL_EXIT_FAIL = 1,	/* the operation ran and failed (e.g. lost irqs) */
	XL_EXIT_USAGE = 2,	/* bad command line */
	XL_EXIT_UNAVAILABLE = 3,/* missing device, capability or permission */
	XL_EXIT_TIMEOUT = 4,	/* a guest or device stopped answering */
	XL_EXIT_NOPROC = 5,	/* the process named on the command line is gone */
	XL_EXIT_NOVM = 6,	/* that process has no KVM VM */
	XL_EXIT_PERM = 7,	/* not allowed to look at it (ptrace access) */
};

#endif /* XL_COMMAND_H */
