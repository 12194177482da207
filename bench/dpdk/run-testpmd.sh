#!/bin/sh
# Run DPDK's testpmd on a NIC bound to vfio-pci and report its counters.
# POSIX sh: the same script runs on a real host (bash/dash) and inside the
# test VMs (busybox sh, tests/vm/guest/dpdk.sh).
#
# usage: run-testpmd.sh [--cores LIST] [--duration S] [--mode M]
#                       [--hugepages N] [--assign] [--testpmd PATH] BDF
#   --cores LIST    EAL core list, main lcore first (default 0-1: one
#                   forwarding core)
#   --duration S    seconds of forwarding (default 10)
#   --mode M        txonly (default) | io | rxonly | macswap ...
#   --hugepages N   reserve N 2 MiB hugepages and mount hugetlbfs when none
#                   are there (default: require them already)
#   --assign        `exitless assign BDF` first and `exitless release BDF`
#                   afterwards (default: the NIC must already be on vfio-pci)
#   --testpmd PATH  binary (default: dpdk-testpmd from PATH, Debian dpdk-dev)
#
# Preflight (each failure says what to do): root, IOMMU on, BDF exists and
# is on vfio-pci with /dev/vfio/GROUP, vfio_iommu_type1 loaded, hugepages.
# Last line, machine-readable:
#   RESULT bdf=.. mode=.. seconds=.. tx_packets=.. tx_errors=.. rx_packets=..
#          rx_errors=.. rx_missed=.. tx_pps=.. exit=..
# Exit 0 when testpmd exited 0, TX/RX errors are 0 and (txonly) packets
# were sent; 1 otherwise; 2 usage; 3 preflight failed.
cores=0-1 duration=10 mode=txonly hp=0 assign=0 testpmd=dpdk-testpmd bdf=
while [ $# -gt 0 ]; do
	case $1 in
	--cores) cores=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--hugepages) hp=$2; shift 2 ;;
	--assign) assign=1; shift ;;
	--testpmd) testpmd=$2; shift 2 ;;
	-h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-testpmd.sh: unknown option $1" >&2; exit 2 ;;
	*) bdf=$1; shift ;;
	esac
done
[ -n "$bdf" ] || { echo "usage: run-testpmd.sh [options] BDF (--help)" >&2; exit 2; }
case $duration in ''|*[!0-9]*) echo "run-testpmd.sh: --duration wants whole seconds" >&2; exit 2 ;; esac
case $bdf in ??:??.?) bdf=0000:$bdf ;; esac
here=$(cd "$(dirname "$0")" && pwd)
. "$here/preflight.sh" 2>/dev/null || . /usr/share/exitless/preflight.sh
xl_preflight "$bdf" "$hp" "$assign" || exit 3
command -v "$testpmd" >/dev/null 2>&1 ||
	xl_die "no $testpmd (Debian: apt-get install dpdk-dev; or --testpmd PATH)"

work=$(mktemp -d /tmp/xl-testpmd.XXXXXX)
out=$work/testpmd.out
mkfifo "$work/in"
"$testpmd" -l "$cores" -n 4 -a "$bdf" --log-level=lib.eal:info -- -i \
	--total-num-mbufs=8192 --forward-mode="$mode" \
	<"$work/in" >"$out" 2>&1 &
pmd=$!
exec 3>"$work/in"
# Commands go in once the prompt shows: EAL init takes from 1 s (host) to
# 10 s (TCG), and the forwarding window must not include it.
i=0
while ! grep -q 'testpmd> ' "$out" && kill -0 $pmd 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q 'testpmd> ' "$out"; then
	echo "clear port stats all" >&3
	if [ "$mode" = txonly ]; then echo "start tx_first" >&3; else echo "start" >&3; fi
	sleep "$duration"
	echo "stop" >&3
	echo "show port stats 0" >&3
	sleep 0.5
	echo "quit" >&3
else
	echo "run-testpmd.sh: testpmd gave no prompt after $((i / 10)) s" >&2
	kill $pmd 2>/dev/null
fi
exec 3>&-
i=0
while kill -0 $pmd 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $pmd 2>/dev/null && { echo "run-testpmd.sh: testpmd still running 20 s after quit, killed" >&2; kill -9 $pmd; }
wait $pmd
rc=$?
grep -v '^\(testpmd> \)*$' "$out"

# The NIC's counters from "show port stats 0" (after stop).
stat() {
	sed -n '/#.*NIC statistics for port 0/,/^ *####*$/p' "$out" |
		sed -n "s/.*$1: *\([0-9]*\).*/\1/p" | tail -1
}
txp=$(stat TX-packets) txe=$(stat TX-errors)
rxp=$(stat RX-packets) rxe=$(stat RX-errors) rxm=$(stat RX-missed)
pps=$(( ${txp:-0} / (duration > 0 ? duration : 1) ))
[ "$assign" = 1 ] && xl_release "$bdf"
rm -rf "$work"
ok=1
[ "$rc" = 0 ] || ok=0
[ "${txe:-x}" = 0 ] && [ "${rxe:-x}" = 0 ] || ok=0
[ "$mode" != txonly ] || [ "${txp:-0}" -gt 0 ] || ok=0
echo "RESULT bdf=$bdf mode=$mode seconds=$duration tx_packets=${txp:-?} tx_errors=${txe:-?} rx_packets=${rxp:-?} rx_errors=${rxe:-?} rx_missed=${rxm:-?} tx_pps=$pps exit=$rc"
[ $ok = 1 ]
