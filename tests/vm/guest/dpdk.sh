# VM test "dpdk": Debian's dpdk-testpmd (DPDK 22.11) sends packets from the
# rig's e1000e after `exitless assign` gave it to vfio-pci; 0 errors, clean
# exit, and `exitless release` gives the NIC back to e1000e. testpmd runs
# through bench/dpdk/run-testpmd.sh, the script users run on real hosts.
# Needs the initramfs of tests/vm/prep-dpdk.sh and 2 vCPUs (cores 0-1).
. /tests/lib.sh
BDF=0000:00:03.0
DEV=/sys/bus/pci/devices/$BDF
TX_SECONDS=${TX_SECONDS:-4}
drv() { basename "$(readlink "$DEV/driver" 2>/dev/null)" 2>/dev/null; }

modprobe e1000e
if [ ! -x /usr/bin/dpdk-testpmd ] || [ ! -x /usr/bin/run-testpmd.sh ]; then
	xl_fail testpmd-present "no dpdk-testpmd / run-testpmd.sh in the initramfs (tests/vm/prep-dpdk.sh)"
	xl_done
	exit 0
fi
xl_pass testpmd-present

# Without the NIC on vfio-pci the preflight must refuse, and say why.
out=$(run-testpmd.sh --duration 1 --hugepages 64 $BDF 2>&1)
rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "not vfio-pci: run 'exitless assign $BDF'" &&
	xl_pass preflight-refuses-unassigned ||
	{ echo "$out" | tail -5; xl_fail preflight-refuses-unassigned "exit $rc"; }

xl_check assign exitless assign $BDF
[ "$(drv)" = vfio-pci ] && xl_pass assign-driver || xl_fail assign-driver "driver '$(drv)'"

out=$(run-testpmd.sh --duration "$TX_SECONDS" --hugepages 64 $BDF 2>&1)
rc=$?
echo "$out" | grep -vE '^(testpmd> )*$' | tail -40 | sed 's/^/    /'
res=$(echo "$out" | grep '^RESULT ' | tail -1)
field() { echo "$res" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
grep -q 'HugePages_Total: *64' /proc/meminfo && xl_pass hugepages ||
	xl_fail hugepages "$(grep HugePages_Total /proc/meminfo)"
echo "$out" | grep -q 'Using IOMMU type 1 (Type 1)' && xl_pass eal-vfio-type1 ||
	xl_fail eal-vfio-type1 "EAL did not use the VFIO type1 IOMMU"
echo "$out" | grep -q "Probe PCI driver: net_e1000_em (8086:10d3) device: $BDF" &&
	xl_pass eal-probe-e1000e || xl_fail eal-probe-e1000e "net_e1000_em did not probe $BDF"
txp=$(field tx_packets)
[ -n "$txp" ] && [ "$txp" -gt 0 ] 2>/dev/null && xl_pass tx-packets ||
	xl_fail tx-packets "tx_packets '$txp'"
[ "$(field tx_errors)" = 0 ] && xl_pass tx-errors-zero || xl_fail tx-errors-zero "tx_errors '$(field tx_errors)'"
[ "$(field rx_errors)" = 0 ] && xl_pass rx-errors-zero || xl_fail rx-errors-zero "rx_errors '$(field rx_errors)'"
[ "$(field exit)" = 0 ] && echo "$out" | grep -q 'Bye' && xl_pass testpmd-clean-exit ||
	xl_fail testpmd-clean-exit "testpmd exit '$(field exit)'"
[ $rc = 0 ] && xl_pass run-testpmd-verdict || xl_fail run-testpmd-verdict "run-testpmd.sh exited $rc"

xl_check release exitless release $BDF
[ "$(drv)" = e1000e ] && xl_pass release-driver-e1000e || xl_fail release-driver-e1000e "driver '$(drv)'"
xl_done
