# shellcheck shell=sh
# Checks shared by run-testpmd.sh and run-l3fwd-power.sh (sourced, POSIX
# sh). Each failure names the fix.
xl_die() {
	echo "preflight: $*" >&2
	exit 3
}

xl_drv() {
	basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null
}

# xl_preflight BDF HUGEPAGES ASSIGN
xl_preflight() {
	_d=/sys/bus/pci/devices/$1
	[ "$(id -u)" = 0 ] || xl_die "run as root (VFIO device access, hugepages)"
	[ -e "$_d" ] || xl_die "no PCI device $1 (lspci -D)"
	[ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ] ||
		xl_die "IOMMU off: enable VT-d in the firmware, boot with intel_iommu=on"
	_g=$(basename "$(readlink "$_d/iommu_group" 2>/dev/null)" 2>/dev/null)
	[ -n "$_g" ] || xl_die "$1 has no IOMMU group"
	if [ "$(xl_drv "$1")" != vfio-pci ]; then
		[ "$3" = 1 ] || xl_die "$1 is on '$(xl_drv "$1")', not vfio-pci: run 'exitless assign $1' (or pass --assign)"
		exitless assign "$1" || xl_die "exitless assign $1 failed"
	fi
	[ -c "/dev/vfio/$_g" ] || xl_die "no /dev/vfio/$_g"
	[ -d /sys/module/vfio_iommu_type1 ] ||
		xl_die "vfio_iommu_type1 not loaded: modprobe vfio_iommu_type1"
	_free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "${_free:-0}" -lt 16 ] && [ "$2" -gt 0 ]; then
		echo "$2" >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
		_free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	fi
	[ "${_free:-0}" -ge 16 ] ||
		xl_die "only ${_free:-0} free hugepages: echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (or --hugepages 512)"
	if ! grep -q hugetlbfs /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages ||
			xl_die "cannot mount hugetlbfs on /dev/hugepages"
	fi
	[ -e /var/run ] || { mkdir -p /var && ln -s /run /var/run; }
	echo "preflight: $1 on vfio-pci (/dev/vfio/$_g), ${_free} free hugepages"
	return 0
}

xl_release() {
	exitless release "$1" || echo "preflight: exitless release $1 failed" >&2
}
