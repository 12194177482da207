# The `exitless` tool. Each subcommand file adds itself here.
TOOL_SRCS += userspace/main.c
