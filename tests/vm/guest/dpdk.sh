# VM test "dpdk": Debian's dpdk-testpmd (DPDK 22.11) sends packets from the
# rig's e1000e after `exitless assign` gave it to vfio-pci; 0 errors, clean
# exit, and `exitless release` gives the NIC back to e1000e. Needs the
# initramfs of tests/vm/prep-dpdk.sh and 2 vCPUs (testpmd -l 0-1).
. /tests/lib.sh
BDF=0000:00:03.0
DEV=/sys/bus/pci/devices/$BDF
TX_SECONDS=${TX_SECONDS:-4}
drv() { basename "$(readlink "$DEV/driver" 2>/dev/null)" 2>/dev/null; }

modprobe e1000e
[ -x /usr/bin/dpdk-testpmd ] && xl_pass testpmd-present ||
	{ xl_fail testpmd-present "no /usr/bin/dpdk-testpmd in the initramfs"; xl_done; exit 0; }
xl_check assign exitless assign $BDF
[ "$(drv)" = vfio-pci ] && xl_pass assign-driver || xl_fail assign-driver "driver '$(drv)'"

# 64 x 2 MiB hugepages on hugetlbfs (the mbuf pool and rings live there).
echo 64 >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mkdir -p /dev/hugepages /var
[ -e /var/run ] || ln -s /run /var/run
mount -t hugetlbfs nodev /dev/hugepages
hp=$(awk '/^HugePages_Total/ {print $2}' /proc/meminfo)
[ "$hp" -ge 64 ] && xl_pass hugepages || xl_fail hugepages "HugePages_Total=$hp"

# testpmd reads its commands from a fifo; they are sent once its prompt
# shows (EAL init takes seconds under TCG), so the TX window is exact.
out=/tmp/testpmd.out
mkfifo /tmp/testpmd.in
dpdk-testpmd -l 0-1 -n 1 -a $BDF --log-level=lib.eal:info -- -i \
	--total-num-mbufs=4096 --forward-mode=txonly \
	</tmp/testpmd.in >$out 2>&1 &
pmd=$!
exec 3>/tmp/testpmd.in
i=0
while ! grep -q 'testpmd> ' $out && kill -0 $pmd 2>/dev/null && [ $i -lt 600 ]; do
	usleep 100000
	i=$((i + 1))
done
if grep -q 'testpmd> ' $out; then
	xl_pass testpmd-init
	echo "start tx_first" >&3
	sleep "$TX_SECONDS"
	echo "stop" >&3
	echo "show port stats 0" >&3
	usleep 500000
	echo "quit" >&3
else
	xl_fail testpmd-init "no prompt after $((i / 10)) s"
	kill $pmd 2>/dev/null
fi
exec 3>&-
# quit closes the port and frees hugepages; give it 20 s
i=0
while kill -0 $pmd 2>/dev/null && [ $i -lt 200 ]; do usleep 100000; i=$((i + 1)); done
kill -0 $pmd 2>/dev/null && { kill -9 $pmd; xl_fail testpmd-quit "still running 20 s after quit"; }
wait $pmd
rc=$?
sed 's/^/    /' $out | grep -vE '^    (testpmd> )*$' | tail -60

grep -q 'Using IOMMU type 1 (Type 1)' $out && xl_pass eal-vfio-type1 ||
	xl_fail eal-vfio-type1 "EAL did not use the VFIO type1 IOMMU"
grep -q 'Probe PCI driver: net_e1000_em (8086:10d3) device: 0000:00:03.0' $out &&
	xl_pass eal-probe-e1000e || xl_fail eal-probe-e1000e "net_e1000_em did not probe $BDF"
# Port statistics after "stop": the NIC's own counters.
stats=$(sed -n '/NIC statistics for port 0/,/####/p' $out)
txp=$(echo "$stats" | sed -n 's/.*TX-packets: *\([0-9]*\).*/\1/p' | tail -1)
txe=$(echo "$stats" | sed -n 's/.*TX-errors: *\([0-9]*\).*/\1/p' | tail -1)
rxe=$(echo "$stats" | sed -n 's/.*RX-errors: *\([0-9]*\).*/\1/p' | tail -1)
echo "    port 0: TX-packets=$txp TX-errors=$txe RX-errors=$rxe in ${TX_SECONDS}s"
[ -n "$txp" ] && [ "$txp" -gt 0 ] && xl_pass tx-packets ||
	xl_fail tx-packets "TX-packets '$txp'"
[ "$txe" = 0 ] && xl_pass tx-errors-zero || xl_fail tx-errors-zero "TX-errors '$txe'"
[ "$rxe" = 0 ] && xl_pass rx-errors-zero || xl_fail rx-errors-zero "RX-errors '$rxe'"
[ $rc = 0 ] && grep -q 'Bye' $out && xl_pass testpmd-clean-exit ||
	xl_fail testpmd-clean-exit "exit status $rc"

xl_check release exitless release $BDF
[ "$(drv)" = e1000e ] && xl_pass release-driver-e1000e || xl_fail release-driver-e1000e "driver '$(drv)'"
umount /dev/hugepages
xl_done
