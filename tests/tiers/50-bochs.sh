#!/bin/bash
# Tier "bochs": real (emulated) Intel VMX. Boots the pinned Debian kernel
# once in Bochs 2.7 (corei7_skylake_x, 2 CPUs) and runs
# tests/vm/guest/bochs-tier.sh in it: VMX present, kvm_intel loads,
# /dev/kvm, a KVM guest runs, the baseline `exitless bench` (exits per
# interrupt counted by KVM itself) and the VM entry/exit hook probe
# (tests/vm/bochs/vmx-probe). One boot: ~2 minutes to /init, ~4.5-5.5 minutes
# in all (tests/vm/README.md, Bochs rig).
#
# The benchmark result goes to build/bench/bochs-baseline.json; with
# XL_SAVE_BENCH=1 also to bench/results/ (dated). XL_BOCHS_BENCH_COUNT
# sets interrupts per path (default 1000), XL_BOCHS_TIMEOUT the hard limit
# of the boot in seconds (default 600).
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
B=${XL_BUILD:-$PWD/build}

if ! out=$(scripts/deps.sh bochs 2>&1); then
	echo "$out"
	echo "SKIP bochs: packages of tier bochs missing (scripts/deps.sh bochs)"
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP bochs: python3 missing"; exit 77; }
[ -x "$B/exitless" ] || echo "bochs: note: no $B/exitless (run make): the benchmark will be skipped"

count=${XL_BOCHS_BENCH_COUNT:-1000}
out=$(tests/vm/bochs-run.sh bochs-tier --timeout "${XL_BOCHS_TIMEOUT:-600}" \
	--append "xl_bench_count=$count" 2>&1)
rc=$?
echo "$out" | grep -v '^bochs-bochs-tier: '
if [ $rc = 77 ]; then
	echo "SKIP bochs: $(echo "$out" | sed -n 's/^SKIP bochs-bochs-tier: //p' | head -1)"
	exit 77
fi
line=$(echo "$out" | grep -E '^bochs-bochs-tier: [0-9]+ passed' | tail -1)
P=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line")
F=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
S=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
P=${P:-0} F=${F:-1} S=${S:-0}

# Host side of the benchmark: save the JSON, check nothing was lost and
# that the baseline costs >= 1 exit per MSI.
mkdir -p "$B/bench"
res=$(python3 tests/vm/bochs/bench-result.py "$B/logs/bochs-bochs-tier.log" \
	"$B/bench/bochs-baseline.json" 2>&1)
echo "$res" | grep -v '^XLTEST ' 
echo "$res" | grep '^XLTEST ' | sed 's/^XLTEST /  /'
P=$((P + $(grep -c '^XLTEST PASS ' <<<"$res")))
F=$((F + $(grep -c '^XLTEST FAIL ' <<<"$res")))
S=$((S + $(grep -c '^XLTEST SKIP ' <<<"$res")))
if [ "${XL_SAVE_BENCH:-0}" = 1 ] && [ -s "$B/bench/bochs-baseline.json" ]; then
	dst=bench/results/$(date -u +%Y%m%dT%H%M%SZ)-bochs-2.7-skx-baseline.json
	cp "$B/bench/bochs-baseline.json" "$dst" && echo "bochs: saved $dst"
fi
echo "bochs: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
