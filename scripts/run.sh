#!/bin/bash
# `make run`: the delivery modes side by side on the best platform this
# machine has.
#
# usage: scripts/run.sh [--count N] [--rig auto|bochs|host] [--timeout S]
#
#   hardware VT-x, kvm_intel and exitless.ko loaded (rig "host"):
#       the modes compared on this host: build/vm/bin/xl-elitest runs its
#       micro-VM through baseline, eli and did with exitless.ko's test
#       device, exits counted by KVM.
#   anything else, or --rig bochs (rig "bochs"):
#       the same comparison in the emulated VT-x host: Debian's kernel and
#       kvm_intel booted in Bochs (tests/vm/bochs-run.sh bochs-eli). The
#       model's figures for the same workload are printed at once
#       (MODELLED) while it boots, then a progress line per stage, then
#       one table: exits per interrupt per mode and path, with and without
#       the EOI, nothing lost, EMULATED beside MODELLED.
#
# The first line printed names the platform (`exitless platform`).
# Installs the Debian packages it needs (scripts/deps.sh), says so first.
# The table's data goes to build/run/modes-DATE.json.
# Exit status: 0 when the comparison ran and nothing was lost, 1 when it
# failed, 2 on bad usage, 77 when no rig can run here (the reason says why).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${XL_BUILD:-$top/build}
X=$B/exitless

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
count=1000 rig=auto tmo=1800
while [ $# -gt 0 ]; do
	case $1 in
	--count|--rig|--timeout)
		[ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }
		case $1 in
		--count) count=$2 ;; --rig) rig=$2 ;; --timeout) tmo=$2 ;;
		esac
		shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $count in ''|*[!0-9]*) echo "run.sh: --count takes a number of interrupts per batch (10..100000)" >&2; exit 2 ;; esac
if [ "$count" -lt 10 ] || [ "$count" -gt 100000 ]; then
	echo "run.sh: --count $count is out of range (10..100000)" >&2; exit 2
fi
case $tmo in ''|*[!0-9]*) echo "run.sh: --timeout takes seconds" >&2; exit 2 ;; esac
case $rig in auto|bochs|host) ;; *) echo "run.sh: --rig is auto, bochs or host, not '$rig'" >&2; exit 2 ;; esac

t0=$(date +%s)
say() { printf '[%4d s] %s\n' $(( $(date +%s) - t0 )) "$*"; }

# The tool first: it names the platform.
if ! scripts/deps.sh build; then
	echo "run.sh: cannot install the build packages (see above)" >&2; exit 77
fi
mkdir -p "$B/run"
build() {	# make all, its log kept only when it fails
	if ! make -s --no-print-directory all >"$B/run/make.log" 2>&1; then
		tail -20 "$B/run/make.log" >&2
		echo "run.sh: make failed (full log: $B/run/make.log)" >&2; exit 1
	fi
	rm -f "$B/run/make.log"
}
build
plat=$("$X" platform --json) || { echo "run.sh: exitless platform failed" >&2; exit 1; }
jq -r .line <<<"$plat"
# this host can compare the modes itself: VT-x (not SVM), exitless.ko in
host_ok=$(jq -r '.kind == "hardware" and .flag_vmx and .exitless_loaded' <<<"$plat")
if [ "$rig" = auto ]; then
	if [ "$host_ok" = true ]; then rig=host; else rig=bochs; fi
fi
if [ "$rig" = host ] && [ "$host_ok" != true ]; then
	echo "run.sh: --rig host needs hardware VT-x with kvm_intel and exitless.ko loaded; this is: $(jq -r .line <<<"$plat")" >&2
	exit 77
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
modelled=$B/run/model-$stamp.json
# The model's figures for the same workload: printed before anything slow.
model_json() {	# model_json GUEST
	"$X" model --count "$count" --guest "$1" --json
}
if ! { model_json compute >"$modelled.compute" && model_json halt >"$modelled.halt"; }; then
	echo "run.sh: exitless model failed" >&2; exit 1
fi
jq -s '{compute: .[0], halt: .[1]}' "$modelled.compute" "$modelled.halt" >"$modelled"
rm -f "$modelled.compute" "$modelled.halt"
echo
python3 bench/modes-table.py --modelled "$modelled" || exit 1
echo

# ---- rig "host": this machine's VT-x ----------------------------------
run_host() {
	local apicv exp log=$B/run/host-$stamp.log
	apicv=$(cat /sys/module/kvm_intel/parameters/enable_apicv 2>/dev/null || echo '?')
	exp=$(cat /sys/module/exitless/parameters/experimental 2>/dev/null || echo '?')
	say "rig: this host's VT-x (kvm_intel enable_apicv=$apicv, exitless.ko experimental=$exp)"
	if [ "$apicv" = Y ] || [ "$exp" != Y ]; then
		echo "run.sh: eli and did need kvm_intel enable_apicv=N and exitless.ko experimental=1 (kmod/README.md);" >&2
		echo "run.sh: as loaded, they will be refused and only baseline is measured" >&2
	fi
	[ -r /sys/kernel/debug/exitless/selftest ] ||
		{ echo "run.sh: no /sys/kernel/debug/exitless/selftest (exitless.ko loaded with selftest=1? root? debugfs mounted?)" >&2; exit 77; }
	say "xl-elitest: baseline, eli, did, $count interrupts per batch"
	"$B/vm/bin/xl-elitest" "$count" $([ "$exp" = Y ] || echo refused) 2>&1 |
		tee "$log" | progress_filter
	result_json=$B/run/elitest-$stamp.json
	python3 tests/vm/bochs/eli-result.py "$log" "$result_json" >/dev/null 2>&1
	origin=MEASURED
}

# ---- rig "bochs": the emulated VT-x host --------------------------------
progress_line() {	# one serial line -> a progress line, or nothing
	local l=${1%$'\r'}
	case $l in
	XLVM-INIT*) say "boot: Linux is up in the emulated host, loading kvm_intel and exitless.ko" ;;
	"XLTEST PASS eli-module-loads"*) say "exitless.ko loaded (experimental=1)" ;;
	"XLTEST PASS eli-attach"*) say "micro-VM attached to exitless.ko" ;;
	"XLTEST PASS eli-guest-spins"*) say "guest runs; mode baseline" ;;
	"XLTEST PASS eli-mode-set-again"*) say "mode eli (the assigned IRQ bound like a VFIO vector)" ;;
	"XLTEST PASS eli-mode-set"*) say "mode eli" ;;
	"XLTEST PASS did-mode-set"*) say "mode did" ;;
	"XLTEST PASS eli-back-to-baseline"*) say "mode baseline again" ;;
	"XLTEST PASS eli-guard-irqs-off-guest"*) say "guard: a guest with interrupts off falls back to baseline" ;;
	"XLINFO detaching"*) say "detaching from the VM" ;;
	"XLTEST PASS eli-rmmod"*) say "exitless.ko unloaded" ;;
	XLBATCH\ *) say "batch ${l#XLBATCH }" ;;
	"XLTEST FAIL "*) say "FAIL ${l#XLTEST FAIL }" ;;
	esac
}
progress_filter() { while IFS= read -r l; do progress_line "$l"; done; }

run_bochs() {
	local log=$B/logs/bochs-bochs-eli.log pid seen=0 rc n
	if ! out=$(scripts/deps.sh bochs 2>&1); then
		echo "$out" >&2
		echo "run.sh: cannot install the packages of the emulated host (scripts/deps.sh bochs)" >&2
		exit 77
	fi
	[ -n "$out" ] && echo "$out"
	if ! out=$(scripts/kernel.sh 2>&1 >/dev/null); then
		echo "$out" >&2
		echo "run.sh: the pinned Debian kernel for the emulated host cannot be had (scripts/kernel.sh)" >&2
		exit 77
	fi
	[ -n "$out" ] && echo "$out"
	# The emulator: built once per machine (~6 minutes), cached; its
	# progress lines go to the terminal
	if ! scripts/bochs.sh >/dev/null; then
		echo "run.sh: the emulated host's Bochs cannot be had here (scripts/bochs.sh, message above)" >&2
		exit 77
	fi
	# exitless.ko for the pinned kernel, now that its headers are here
	build
	say "rig: emulated VT-x host (tests/vm/bochs-run.sh): Debian's kernel and kvm_intel in Bochs, 2 CPUs; boot takes ~1-2 minutes"
	rm -f "$log.serial"
	tests/vm/bochs-run.sh bochs-eli --timeout "$tmo" \
		--append "xl_eli_count=$count xl_eli_exp=1 xl_eli_parts=compare" >"$B/run/bochs-$stamp.out" 2>&1 &
	pid=$!
	say "boot: Bochs started (pid $pid)"
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		[ -r "$log.serial" ] || continue
		n=$(wc -l <"$log.serial")
		[ "$n" -gt "$seen" ] || continue
		sed -n "$((seen + 1)),${n}p" "$log.serial" | progress_filter
		seen=$n
	done
	wait "$pid"
	rc=$?
	# what came after the last poll: the serial log is folded into $log
	# (after its first line) when Bochs ends
	sed -n '2,/^# bochs stdout/p' "$log" 2>/dev/null | sed '$d' |
		tail -n +"$((seen + 1))" | progress_filter
	grep -E '^  time: ' "$B/run/bochs-$stamp.out" | sed 's/^  /         /'
	if [ "$rc" = 77 ]; then
		grep '^SKIP' "$B/run/bochs-$stamp.out" >&2
		exit 77
	fi
	result_json=$B/run/elitest-$stamp.json
	# its verdicts are the bochs tier's (e.g. >= 1000 interrupts); the
	# table below says what was lost
	python3 tests/vm/bochs/eli-result.py "$log" "$result_json" >"$B/run/checks-$stamp.out" 2>&1
	if [ "$rc" != 0 ]; then
		echo "run.sh: the emulated host reported failures:" >&2
		grep -E 'FAIL' "$B/run/bochs-$stamp.out" | head -20 >&2
		echo "run.sh: serial log $log" >&2
	fi
	origin=EMULATED
	return 0
}

result_json=
origin=
if [ "$rig" = host ]; then
	run_host
else
	run_bochs
fi
[ -s "$result_json" ] || { echo "run.sh: no results (logs in $B/logs/ and $B/run/)" >&2; exit 1; }
echo
python3 bench/modes-table.py --modelled "$modelled" --measured "$result_json" \
	--origin "$origin" --platform "$(jq -r .line <<<"$plat")" \
	--json "$B/run/modes-$stamp.json"
rc=$?
say "done; table data in $B/run/modes-$stamp.json"
exit $rc
