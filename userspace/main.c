// SPDX-License-Identifier: GPL-2.0
/*
 * exitless: command-line front end. Dispatches to the subcommands that
 * registered themselves (see command.h).
 */
#include <stdio.h>
#include <string.h>

#include "command.h"

#define XL_VERSION "0.1"

static struct xl_command *commands;

void xl_command_register(struct xl_command *cmd)
{
	struct xl_command **p = &commands;

	/* keep them sorted so --help is stable */
	while (*p && strcmp((*p)->name, cmd->name) < 0)
		p = &(*p)->next;
	cmd->next = *p;
	*p = cmd;
}

static void usage(FILE *f)
{
	const struct xl_command *c;

	fprintf(f, "usage: exitless COMMAND [OPTIONS]\n\n"
		   "Exit-less interrupt delivery for KVM guests: measure, model, attach.\n\n"
		   "commands:\n");
	for (c = commands; c; c = c->next)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n`exitless COMMAND --help` describes one command.\n");
}

int main(int argc, char **argv)
{
	const struct xl_command *c;

	if (argc < 2) {
		usage(stderr);
		return XL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return XL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("exitless %s\n", XL_VERSION);
		return XL_EXIT_OK;
	}
	for (c = commands; c; c = c->next)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "exitless: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return XL_EXIT_USAGE;
}
