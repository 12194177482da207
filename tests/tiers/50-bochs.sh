#!/bin/bash
# Tier "bochs": real (emulated) Intel VMX. Builds the rig's Bochs once
# per machine (scripts/bochs.sh: Debian trixie's Bochs 3.0 source + the
# patches in tests/vm/bochs/patches/, cached outside the clone), boots the
# pinned Debian kernel once in it (corei7_skylake_x, 2 CPUs, x2APIC host)
# and runs tests/vm/guest/bochs-tier.sh: VMX present, kvm_intel loads
# (enable_apicv=N preemption_timer=N), /dev/kvm, a KVM guest runs, the
# baseline `exitless bench` (exits per interrupt counted by KVM itself)
# and the same with enable_apicv=Y (the kvm-apicv row: KVM's own posted
# path), the VM entry/exit hook probe (tests/vm/bochs/vmx-probe) and exitless.ko's
# VMX backend end to end (xl-elitest: baseline, eli, did, IF=0 guard,
# detach): eli and did must cost <= 0.01 exits per interrupt, EOI
# included. One boot, about a minute to /init (tests/vm/README.md).
#
# Results go to build/bench/bochs-baseline.json, bochs-kvm-apicv.json and
# bochs-eli.json; with XL_SAVE_BENCH=1 also to bench/results/ (dated). XL_BOCHS_BENCH_COUNT
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
# The emulator, built here (progress shown) the first time on a machine.
bvars=$(scripts/bochs.sh)
case $? in
0) eval "$bvars"; echo "bochs: emulator $XL_BOCHS_LABEL ($XL_BOCHS)" ;;
77) echo "SKIP bochs: the rig's Bochs cannot be built here (scripts/bochs.sh, message above)"; exit 77 ;;
*) echo "  FAIL bochs-build: scripts/bochs.sh failed (message above)"
   echo "bochs: 0 passed, 1 failed, 0 skipped"; exit 1 ;;
esac
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

# Host-side checks: SCRIPT LOG OUT.json prints XLTEST lines (added to the
# tier's counts) and a table; with XL_SAVE_BENCH=1 OUT.json is also kept
# in bench/results/ as DATE-bochs-VERSION-skx-APICMODE-NAME.json.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
. scripts/pins.sh
apicmode=xapic
grep -aq '^XLINFO host-apic=.*x2apic enabled' "$B/logs/bochs-bochs-tier.log" && apicmode=x2apic
rigname=bochs-${XL_BOCHS_VER%%+*}-skx-$apicmode
host_checks() {	# host_checks SCRIPT NAME SAVE-NAME [OPTION]
	local res out=$B/bench/bochs-$2.json
	res=$(python3 "tests/vm/bochs/$1" ${4:+"$4"} "$B/logs/bochs-bochs-tier.log" "$out" 2>&1)
	echo "$res" | grep -v '^XLTEST '
	echo "$res" | grep '^XLTEST ' | sed 's/^XLTEST /  /'
	P=$((P + $(grep -c '^XLTEST PASS ' <<<"$res")))
	F=$((F + $(grep -c '^XLTEST FAIL ' <<<"$res")))
	S=$((S + $(grep -c '^XLTEST SKIP ' <<<"$res")))
	if [ "${XL_SAVE_BENCH:-0}" = 1 ] && [ -s "$out" ]; then
		cp "$out" "bench/results/$stamp-$rigname-$3.json" &&
			echo "bochs: saved bench/results/$stamp-$rigname-$3.json"
	fi
}
mkdir -p "$B/bench"
rm -f "$B/bench/bochs-baseline.json" "$B/bench/bochs-eli.json" "$B/bench/bochs-kvm-apicv.json"
# The benchmark: nothing lost, the baseline costs >= 1 exit per MSI
# (APICv off).
host_checks bench-result.py baseline baseline
# The same benchmark with kvm_intel enable_apicv=Y: KVM's own posted path,
# the comparison row kvm-apicv (a running guest: < 0.1 exits/interrupt).
host_checks bench-result.py kvm-apicv kvm-apicv --apicv
# exitless.ko's VMX backend (xl-elitest's XLELI line): exits per
# interrupt in baseline, eli and did (<= 0.01 with the EOI on the x2APIC
# host), nothing lost, the host's own interrupts re-raised, detach
# restores baseline. Only when the guest got as far as loading the module (else
# its own summary line says what was skipped or failed).
if grep -q '^XLTEST [A-Z]* eli-module-loads' "$B/logs/bochs-bochs-tier.log"; then
	host_checks eli-result.py eli eli-did
fi
echo "bochs: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
