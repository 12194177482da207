#!/bin/bash
# Tier "bochs": real (emulated) Intel VMX. Builds the rig's Bochs once
# per machine (scripts/bochs.sh: Debian trixie's Bochs 3.0 source + the
# patches in tests/vm/bochs/patches/, cached outside the clone), boots the
# pinned Debian kernel once in it (corei7_skylake_x, 2 CPUs, x2APIC host)
# and runs tests/vm/guest/bochs-tier.sh: VMX present, kvm_intel loads
# (enable_apicv=N preemption_timer=N), /dev/kvm, a KVM guest runs, the
# baseline `exitless bench` (exits per interrupt counted by KVM itself)
# and the same with enable_apicv=Y (the kvm-apicv row: KVM's own posted
# path), `pi` (refused without APICv; with it, virtual interrupts posted
# into KVM's descriptor: <= 0.01 exits per interrupt with the EOI, a
# halted vCPU woken), the VM entry/exit hook probe (tests/vm/bochs/vmx-probe) and exitless.ko's
# VMX backend end to end (xl-elitest: baseline, eli, did, IF=0 guard,
# detach): eli and did must cost <= 0.01 exits per interrupt, EOI
# included. One boot, about a minute to /init (tests/vm/README.md).
# Then a second boot of Debian 13's 6.12 kernel with its own kvm_intel
# (scripts/kernel.sh --kernel 6.12) and exitless.ko built for it
# (make -C kmod pinned-6.12, in the trixie chroot): tests/vm/guest/
# bochs-eli.sh alone (baseline, eli, did, assigned IRQ, IF=0 guard,
# hostile guest, lifetime, fuzzer), checked by the same eli-result.py.
# When that kernel or module cannot be had, the 6.12 boot is SKIPped
# with the reason (one skip in the summary); XL_BOCHS_K612=0 leaves it out.
# A third boot runs a real Linux guest (the pinned kernel) under QEMU/KVM
# in the emulated host with exitless_guest.ko (kmod/guest/) and exitless
# attached by `exitless attach --pid`: the module refused before attach,
# eli/did refused for the guest without it, its virtio-rng interrupts in
# baseline, eli and did (tests/vm/guest/bochs-l2.sh, l2-result.py);
# XL_BOCHS_L2=0 leaves it out.
#
# Results go to build/bench/bochs-baseline.json, bochs-kvm-apicv.json,
# bochs-eli.json, bochs-eli-6.12.json and bochs-l2.json; with XL_SAVE_BENCH=1 also to
# bench/results/ (dated). XL_BOCHS_BENCH_COUNT
# sets interrupts per path of the benchmark (default 1000),
# XL_BOCHS_ELI_COUNT per batch of xl-elitest (default 1000),
# XL_BOCHS_TIMEOUT the hard limit of the boot in seconds (default 2100:
# the 6.1 boot takes 8-13 minutes alone, and about twice that with four
# other emulators sharing the two cores).
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
# boot LABEL RUN bochs-run.sh-ARGS...: one boot, its XLTEST lines shown
# and the counts of its summary line ("bochs-RUN: ...") added to P F S (no
# summary line: one failure); 77 after "SKIP LABEL: why" when the rig
# cannot run here.
# shellcheck source=tests/lib.sh
. tests/lib.sh
boot() {
	local label=$1 run=$2 out rc line p f s
	shift 2
	out=$(tests/vm/bochs-run.sh "$@" --timeout "${XL_BOCHS_TIMEOUT:-2100}" 2>&1)
	rc=$?
	echo "$out" | grep -v "^bochs-$run: "
	if [ $rc = 77 ]; then
		echo "SKIP $label: $(echo "$out" | sed -n "s/^SKIP bochs-$run: //p" | head -1)"
		return 77
	fi
	line=$(echo "$out" | grep -E "^bochs-$run: [0-9]+ passed" | tail -1)
	p=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	P=$((P + ${p:-0})) F=$((F + ${f:-1})) S=$((S + ${s:-0}))
}
boot bochs bochs-tier bochs-tier \
	--append "xl_bench_count=$count xl_eli_count=$eli_count xl_eli_exp=1" || exit 77

# Host-side checks: SCRIPT LOG OUT.json prints XLTEST lines (added to the
# tier's counts) and a table; with XL_SAVE_BENCH=1 OUT.json is also kept
# in bench/results/ as DATE-bochs-VERSION-skx-APICMODE-NAME.json.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
. scripts/pins.sh
log=$B/logs/bochs-bochs-tier.log
apicmode=xapic
grep -aq '^XLINFO host-apic=.*x2apic enabled' "$log" && apicmode=x2apic
rigname=bochs-${XL_BOCHS_VER%%+*}-skx-$apicmode
host_checks() {	# host_checks SCRIPT NAME SAVE-NAME [OPTION]; reads $log
	local res out=$B/bench/bochs-$2.json
	res=$(python3 "tests/vm/bochs/$1" ${4:+"$4"} "$log" "$out" 2>&1)
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
rm -f "$B/bench/bochs-baseline.json" "$B/bench/bochs-eli.json" "$B/bench/bochs-kvm-apicv.json" \
	"$B/bench/bochs-eli-6.12.json" "$B/bench/bochs-pi.json"
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
if grep -q '^XLTEST [A-Z]* eli-module-loads' "$log"; then
	host_checks eli-result.py eli eli-did
fi
# `pi` on the APICv host (xl-elitest's XLPI line): virtual interrupts
# posted into KVM's descriptor at <= 0.01 exits per interrupt with the
# EOI, a halted vCPU woken, KVM's own posted path beside it.
if grep -q '^XLTEST [A-Z]* pi-caps-yes' "$log"; then
	host_checks eli-result.py pi pi --pi
fi

# A prerequisite of the 6.12 boot: CHECK WHY CMD... runs CMD quietly; exit
# 77 is a skip (it cannot be had here), any other failure is CHECK failed.
k612_need() {
	local check=$1 why=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc = 0 ] && return 0
	echo "$out" | tail -8 | sed 's/^/  /'
	why="$why ($* exit $rc, message above)"
	[ $rc = 77 ] && { echo "SKIP bochs-6.12: cannot be had: $why"; return 77; }
	echo "  FAIL $check: $why"
	F=$((F + 1))
	return 1
}

# The second boot: Debian 13's 6.12 with its kvm_intel, bochs-eli alone.
k612() {
	local out
	if [ "${XL_BOCHS_K612:-1}" = 0 ]; then
		echo "SKIP bochs-6.12: left out (XL_BOCHS_K612=0)"
		return 77
	fi
	k612_need bochs-6.12-kernel "Debian 13's kernel" \
		scripts/kernel.sh --quiet --kernel 6.12 || return
	# The trixie chroot kmod/ is built in for 6.12 (cached after the first
	# run); 77: it cannot be had here (not root, no debootstrap, ...).
	k612_need bochs-6.12-module "no trixie chroot to build exitless.ko for 6.12" \
		scripts/kchroot.sh --quiet || return
	if ! out=$(make -s -C kmod pinned-6.12 2>&1); then
		echo "$out" | tail -5 | sed 's/^/  /'
		echo "  FAIL bochs-6.12-module: make -C kmod pinned-6.12 failed (message above)"
		F=$((F + 1))
		return 1
	fi
	boot bochs-6.12 bochs-eli-6.12 bochs-eli --kernel 6.12 \
		--append "xl_eli_count=$eli_count xl_eli_exp=1" || return 77
	log=$B/logs/bochs-bochs-eli-6.12.log
	apicmode=xapic
	grep -aq '^XLINFO host-apic: .*x2apic' "$log" && apicmode=x2apic
	rigname=bochs-${XL_BOCHS_VER%%+*}-skx-$apicmode
	# saved as ...-eli-did-k6.12.json: tier `run` (55-run.sh) takes the newest
	# *-eli-did.json as the 6.1 figures
	if grep -q '^XLTEST [A-Z]* eli-module-loads' "$log"; then
		host_checks eli-result.py eli-6.12 eli-did-k6.12
	fi
}
k612
[ $? = 77 ] && S=$((S + 1))

# The third boot: a real Linux guest (the pinned kernel) under QEMU/KVM in
# the emulated host, exitless_guest.ko in it, exitless attached with
# `exitless attach --pid` (tests/vm/guest/bochs-l2.sh); the overlay with
# QEMU from tests/vm/prep-l2.sh. XL_BOCHS_L2=0 leaves it out.
l2() {
	local ovl rc
	if [ "${XL_BOCHS_L2:-1}" = 0 ]; then
		echo "SKIP bochs-l2: left out (XL_BOCHS_L2=0)"
		return 77
	fi
	ovl=$(tests/vm/prep-l2.sh 2>"$B/logs/prep-l2.log")
	rc=$?
	if [ $rc = 77 ]; then
		echo "SKIP bochs-l2: $(tail -1 "$B/logs/prep-l2.log")"
		return 77
	elif [ $rc != 0 ]; then
		tail -5 "$B/logs/prep-l2.log" | sed 's/^/  /'
		echo "  FAIL bochs-l2-prep: tests/vm/prep-l2.sh exit $rc"
		F=$((F + 1))
		return 1
	fi
	# shellcheck disable=SC2086 # "--overlay DIR"
	boot bochs-l2 bochs-l2 bochs-l2 $ovl --mem 1024 \
		--append "xl_l2_count=$eli_count" || return 77
	log=$B/logs/bochs-bochs-l2.log
	if grep -q '^XLL2 {' "$log"; then
		host_checks l2-result.py l2 l2-linux-guest
	fi
}
l2
[ $? = 77 ] && S=$((S + 1))
summary bochs
