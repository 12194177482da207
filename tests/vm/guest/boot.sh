# Smallest VM test: the rig itself works (used by the tier and as a sample).
. /tests/lib.sh
xl_check proc-mounted test -r /proc/cmdline
xl_check debugfs-mounted test -d /sys/kernel/debug/tracing -o -d /sys/kernel/tracing
if grep -q 'intel_iommu=on' /proc/cmdline; then
	if dmesg | grep -q 'DMAR-IR: Enabled IRQ remapping'; then
		xl_pass iommu-intremap
	else
		xl_fail iommu-intremap "no 'DMAR-IR: Enabled IRQ remapping' in dmesg"
	fi
else
	xl_skip iommu-intremap "intel_iommu=on not on the command line"
fi
xl_done
