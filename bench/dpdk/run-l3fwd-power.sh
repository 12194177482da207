#!/bin/sh
# Run DPDK's l3fwd-power in Rx interrupt mode on a NIC bound to vfio-pci:
# the forwarding lcore sleeps in epoll on the queue's MSI-X eventfd and
# wakes on each Rx interrupt -- the path whose exits exitless removes.
# POSIX sh: runs on a real host and inside the test VMs.
#
# usage: run-l3fwd-power.sh [--cores LIST] [--duration S] [--mode M]
#                           [--hugepages N] [--assign] [--l3fwd PATH]
#                           [--on-ready CMD] [--eal "ARGS"] BDF
#   --cores LIST    EAL core list (default 0-1); the last core forwards
#   --duration S    seconds to run before SIGINT (default 10)
#   --mode M        interrupt (default: --interrupt-only, no cpufreq needed)
#                   | legacy (interrupts + frequency scaling: needs the
#                   acpi-cpufreq/intel_pstate userspace governor)
#   --hugepages N, --assign   as in run-testpmd.sh
#   --l3fwd PATH    binary (default: dpdk-l3fwd-power, then l3fwd-power,
#                   from PATH; Debian ships it as source in dpdk-doc:
#                   bench/dpdk/mkoverlay.sh builds it)
#   --eal "ARGS"    extra EAL arguments, e.g. --vfio-intr=msi for NICs
#                   whose PMD raises Rx interrupts only in MSI mode (em)
#   --on-ready CMD  run `sh -c CMD` in the background once the forwarding
#                   loop runs (start a traffic generator on a peer, ...)
# The --duration window starts when the loop runs. Send traffic to the port
# during it to see wake-ups (l3fwd-power logs one line per wake-up).
# Last line:
#   RESULT bdf=.. mode=.. seconds=.. wakeups=.. exit=..
# Exit 0 when the forwarding loop ran and l3fwd-power exited cleanly on
# SIGINT; 1 otherwise; 2 usage; 3 preflight failed.
cores=0-1 duration=10 mode=interrupt hp=0 assign=0 l3fwd= bdf= onready= eal=
while [ $# -gt 0 ]; do
	case $1 in
	--cores) cores=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--hugepages) hp=$2; shift 2 ;;
	--assign) assign=1; shift ;;
	--l3fwd) l3fwd=$2; shift 2 ;;
	--on-ready) onready=$2; shift 2 ;;
	--eal) eal=$2; shift 2 ;;
	-h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-l3fwd-power.sh: unknown option $1" >&2; exit 2 ;;
	*) bdf=$1; shift ;;
	esac
done
[ -n "$bdf" ] || { echo "usage: run-l3fwd-power.sh [options] BDF (--help)" >&2; exit 2; }
case $duration in ''|*[!0-9]*) echo "run-l3fwd-power.sh: --duration wants whole seconds" >&2; exit 2 ;; esac
case $mode in
interrupt) modeopt=--interrupt-only ;;
legacy) modeopt= ;;
*) echo "run-l3fwd-power.sh: --mode interrupt|legacy" >&2; exit 2 ;;
esac
case $bdf in ??:??.?) bdf=0000:$bdf ;; esac
here=$(cd "$(dirname "$0")" && pwd)
. "$here/preflight.sh"
xl_preflight "$bdf" "$hp" "$assign" || exit 3
if [ -z "$l3fwd" ]; then
	l3fwd=$(command -v dpdk-l3fwd-power || command -v l3fwd-power) ||
		xl_die "no dpdk-l3fwd-power: build it with bench/dpdk/mkoverlay.sh, or make -C /usr/share/dpdk/examples/l3fwd-power (dpdk-doc, libdpdk-dev), then --l3fwd PATH"
fi
# The forwarding lcore: the last of the list (the first is EAL's main).
fwd=$(echo "$cores" | tr ',' '\n' | tail -1 | sed 's/.*-//')

out=$(mktemp /tmp/xl-l3fwd.XXXXXX)
# -P: promiscuous (any destination MAC wakes the core); --parse-ptype:
# NICs without hardware packet types (e1000) are parsed in software.
# shellcheck disable=SC2086
"$l3fwd" -l "$cores" -n 4 -a "$bdf" $eal -- -p 0x1 -P --parse-ptype \
	--config="(0,0,$fwd)" $modeopt </dev/null >"$out" 2>&1 &
pid=$!
i=0
while ! grep -q 'entering main' "$out" && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
ready=0
if grep -q 'entering main' "$out"; then
	ready=1
	[ -n "$onready" ] && sh -c "$onready" &
	sleep "$duration"
else
	echo "run-l3fwd-power.sh: the forwarding loop did not start within $((i / 10)) s" >&2
fi
kill -INT $pid 2>/dev/null
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 $pid 2>/dev/null; then
	echo "run-l3fwd-power.sh: still running 15 s after SIGINT, killed" >&2
	kill -9 $pid
fi
wait $pid
rc=$?
cat "$out"
wakeups=$(grep -c 'waked up from rx interrupt' "$out")
rm -f "$out"
[ "$assign" = 1 ] && xl_release "$bdf"
wait 2>/dev/null	# the --on-ready command
echo "RESULT bdf=$bdf mode=$mode seconds=$duration wakeups=$wakeups exit=$rc"
[ "$rc" = 0 ] && [ $ready = 1 ]
