#!/bin/bash
# Tier "bochs": real (emulated) Intel VMX. Boots the pinned Debian kernel
# once in Bochs 2.7 (corei7_skylake_x, 2 CPUs) and runs
# tests/vm/guest/bochs-tier.sh in it: VMX present, kvm_intel loads,
# /dev/kvm, a KVM guest runs, the baseline `exitless bench` (exits per
# interrupt counted by KVM itself), the VM entry/exit hook probe
# (tests/vm/bochs/vmx-probe) and exitless.ko's VMX backend end to end
# (xl-elitest: baseline, eli, did, IF=0 guard, detach; issue 5). One boot:
# ~2 minutes to /init (tests/vm/README.md, Bochs rig).
#
# Results go to build/bench/bochs-baseline.json and bochs-eli.json; with
# XL_SAVE_BENCH=1 also to bench/results/ (dated). XL_BOCHS_BENCH_COUNT
# sets interrupts per path of the benchmark (default 1000),
# XL_BOCHS_ELI_COUNT per batch of xl-elitest (default 1000),
# XL_BOCHS_TIMEOUT the hard limit of the boot in seconds (default 1500).
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
eli_count=${XL_BOCHS_ELI_COUNT:-1000}
out=$(tests/vm/bochs-run.sh bochs-tier --timeout "${XL_BOCHS_TIMEOUT:-1500}" \
	--append "xl_bench_count=$count xl_eli_count=$eli_count xl_eli_exp=1" 2>&1)
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

# exitless.ko's VMX backend: exits per interrupt in baseline, eli, did
# (xl-elitest's XLELI line), nothing lost, detach restores baseline.
if grep -q '^XLTEST [A-Z]* eli-module-loads' "$B/logs/bochs-bochs-tier.log"; then
	res=$(python3 tests/vm/bochs/eli-result.py "$B/logs/bochs-bochs-tier.log" \
		"$B/bench/bochs-eli.json" 2>&1)
	echo "$res" | grep -v '^XLTEST '
	echo "$res" | grep '^XLTEST ' | sed 's/^XLTEST /  /'
	P=$((P + $(grep -c '^XLTEST PASS ' <<<"$res")))
	F=$((F + $(grep -c '^XLTEST FAIL ' <<<"$res")))
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ "${XL_SAVE_BENCH:-0}" = 1 ] && [ -s "$B/bench/bochs-baseline.json" ]; then
	dst=bench/results/$stamp-bochs-2.7-skx-baseline.json
	cp "$B/bench/bochs-baseline.json" "$dst" && echo "bochs: saved $dst"
fi
if [ "${XL_SAVE_BENCH:-0}" = 1 ] && [ -s "$B/bench/bochs-eli.json" ]; then
	dst=bench/results/$stamp-bochs-2.7-skx-eli-did.json
	cp "$B/bench/bochs-eli.json" "$dst" && echo "bochs: saved $dst"
fi
echo "bochs: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
