# VM test "dpdk": Debian's dpdk-testpmd (DPDK 22.11) sends packets from the
# rig's e1000e after `exitless assign` gave it to vfio-pci; 0 errors, clean
# exit, and `exitless release` gives the NIC back to e1000e. testpmd runs
# through bench/dpdk/run-testpmd.sh, the script users run on real hosts.
# Then l3fwd-power in Rx interrupt mode (bench/dpdk/run-l3fwd-power.sh):
# nothing sends to the NIC here, so the test raises the e1000e's Rx cause
# itself (ICS.RXT0 through /dev/mem, which needs iomem=relaxed on the
# kernel command line) and counts the lcore's wake-ups.
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

# l3fwd-power, Rx interrupt mode. EAL in MSI mode: DPDK's em PMD arms
# IMS.RXT0, which the 82574 signals through MSI, not through an MSI-X
# vector (those need RXQ0 causes and IVAR routing, 82574 datasheet 7.4).
KICKS=5
bar0=$(head -1 $DEV/resource | cut -d' ' -f1)
ics=$(printf '0x%x' $((bar0 + 0xc8)))	# E1000_ICS
kick="for k in \$(seq $KICKS); do devmem $ics 32 0x80; sleep 0.3; done"
out=$(run-l3fwd-power.sh --duration 3 --hugepages 64 --eal --vfio-intr=msi \
	--on-ready "$kick" $BDF 2>&1)
rc=$?
echo "$out" | grep -E 'L3FWD_POWER|RESULT|rror' | tail -20 | sed 's/^/    /'
res=$(echo "$out" | grep '^RESULT ' | tail -1)
echo "$out" | grep -q 'entering main interrupt loop' && xl_pass l3fwd-interrupt-loop ||
	xl_fail l3fwd-interrupt-loop "l3fwd-power never entered its interrupt loop"
w=$(field wakeups)
[ -n "$w" ] && [ "$w" -ge $((KICKS - 1)) ] 2>/dev/null && xl_pass l3fwd-rx-interrupt-wakeups ||
	xl_fail l3fwd-rx-interrupt-wakeups "$w wake-ups for $KICKS Rx interrupts"
[ $rc = 0 ] && [ "$(field exit)" = 0 ] && xl_pass l3fwd-clean-exit ||
	xl_fail l3fwd-clean-exit "run-l3fwd-power.sh exited $rc, l3fwd-power '$(field exit)'"

xl_check release exitless release $BDF
[ "$(drv)" = e1000e ] && xl_pass release-driver-e1000e || xl_fail release-driver-e1000e "driver '$(drv)'"
xl_done
