# The `exitless` tool. Each subcommand file adds itself here.
TOOL_SRCS += userspace/main.c
# Micro-VM host side and the KVM measurement commands (issue 3).
TOOL_SRCS += userspace/kvm/platform.c userspace/kvm/stats.c \
	     userspace/kvm/vm.c userspace/cmd_bench.c
