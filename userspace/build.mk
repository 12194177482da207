# The `exitless` tool. Each subcommand file adds itself here.
TOOL_SRCS += userspace/main.c
# Micro-VM host side and the KVM measurement commands.
TOOL_SRCS += userspace/kvm/platform.c userspace/kvm/stats.c \
	     userspace/kvm/vm.c userspace/cmd_bench.c \
	     userspace/cmd_stat.c
# VFIO assignment: exitless assign / release.
TOOL_SRCS += userspace/cmd_assign.c
TOOL_SRCS += userspace/vfio/pci.c
TOOL_SRCS += userspace/vfio/probe.c
UNIT_TESTS += kvm_stats
kvm_stats_SRCS := tests/kvm/test_stats.c userspace/kvm/stats.c
UNIT_TESTS += kvm_platform
kvm_platform_SRCS := tests/kvm/test_platform.c userspace/kvm/platform.c
UNIT_TESTS += vfio_pci
vfio_pci_SRCS := tests/vfio/test_vfio_pci.c userspace/vfio/pci.c
# attach --device: a device's VFIO MSI/MSI-X IRQs from /proc/interrupts
TOOL_SRCS += userspace/vfio/irqs.c
UNIT_TESTS += vfio_irqs
vfio_irqs_SRCS := tests/vfio/test_vfio_irqs.c userspace/vfio/irqs.c
# The reference model through the engine: exitless model.
TOOL_SRCS += userspace/cmd_model.c userspace/model_nodes.c
# Which KVM this machine has: exitless platform (make run reads it).
TOOL_SRCS += userspace/cmd_platform.c
