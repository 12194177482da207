#!/bin/bash
# Boot the pinned Debian kernel in Bochs 3.0 (emulated Intel VMX, so
# kvm_intel really runs) and run one test script inside it
# (tests/vm/README.md, section "Bochs rig"). The Bochs is the one
# scripts/bochs.sh builds from Debian trixie's source with the patches in
# tests/vm/bochs/patches/ (built once per machine and cached, ~5-8 min):
# its CPUID announces a hypervisor, so the emulated host (L1) runs its
# APIC in x2APIC mode; --append nox2apic boots the same machine with an
# xAPIC host.
#
# usage: tests/vm/bochs-run.sh TEST [--cpus N] [--mem MB] [--timeout S]
#                              [--initrd FILE] [--append "ARGS"]
#                              [--model CPU] [--overlay DIR]...
#                              [--kernel 6.1|6.12]
#
# TEST names /tests/TEST.sh in the initramfs (tests/vm/guest/TEST.sh), as
# for qemu-run.sh; the same kernel (scripts/kernel.sh), initramfs builder
# (tests/vm/mkinitramfs.sh, modules kvm kvm_intel) and /init are used.
# The bzImage and initramfs go on an isolinux ISO (tests/vm/bochs/mkiso.sh)
# that Bochs boots from its CD-ROM; tests/vm/bochs/bochsrc.in is the
# machine. The static helpers tests/vm/bochs/*.c (xl-e9, kvm-smoke) are
# built into build/vm/bin/, which mkinitramfs.sh copies to /usr/bin.
# Defaults: 2 CPUs, 512 MB, corei7_skylake_x, 600 s.
#
# --kernel 6.12 (or env XL_KERNEL=6.12) boots Debian 13's kernel instead
# of the pinned 6.1 (scripts/kernel.sh --kernel; its kvm modules and
# build/kmod-6.12/exitless.ko from `make -C kmod pinned-6.12`); the run is
# then named TEST-6.12 (logs, ISO, summary line). xlprobe.ko is not built
# for it (its headers are only in the trixie chroot).
#
# Files: build/logs/bochs-TEST.log (serial console, then the port 0xE9
# markers with host seconds since Bochs started), build/logs/
# bochs-TEST.bochs.log (Bochs' own log, errors only, size-bounded).
#
# Prints the XLTEST lines, the timing of the boot, and
# "bochs-TEST: P passed, F failed, S skipped". Pass/fail comes from the
# serial output only: Bochs exits 1 after the guest's ACPI power-off.
# Exit 0 when nothing failed; 1 on a failure, a timeout, a missing
# "XLTEST DONE" or dmesg line, no result at all, or a Bochs that does not
# build; 77 when the rig cannot run here (no build tools for Bochs, no
# BIOS, isolinux or xorriso, no pinned kernel).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${XL_BUILD:-$top/build}
here=$top/tests/vm/bochs

test=
cpus=2
mem=512
tmo=600
initrd=
append=
model=corei7_skylake_x
overlays=()
while [ $# -gt 0 ]; do
	case $1 in
	--cpus) cpus=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--model) model=$2; shift 2 ;;
	--overlay) overlays+=(--overlay "$2"); shift 2 ;;
	--kernel) XL_KERNEL=$2; export XL_KERNEL; shift 2 ;;
	-h|--help) sed -n '2,41p' "$0"; exit 0 ;;
	-*) echo "bochs-run.sh: unknown option $1" >&2; exit 2 ;;
	*) [ -z "$test" ] || { echo "bochs-run.sh: one TEST only" >&2; exit 2; }
	   test=$1; shift ;;
	esac
done
[ -n "$test" ] || { echo "usage: bochs-run.sh TEST [--cpus N] [--mem MB] [--timeout S] [--initrd FILE] [--append ARGS] [--model CPU] [--kernel 6.1|6.12]" >&2; exit 2; }
case $test in *[!A-Za-z0-9_-]*) echo "bochs-run.sh: bad test name '$test'" >&2; exit 2 ;; esac
case $cpus$mem$tmo in *[!0-9]*) echo "bochs-run.sh: --cpus/--mem/--timeout take numbers" >&2; exit 2 ;; esac
# The run's name: TEST on the pinned 6.1, TEST-6.12 on Debian 13's kernel.
run=$test
case ${XL_KERNEL:-6.1} in
6.1) ;;
6.12) run=$test-6.12 ;;
*) echo "bochs-run.sh: --kernel takes 6.1 or 6.12" >&2; exit 2 ;;
esac

skip() { echo "SKIP bochs-$run: $*"; exit 77; }
[ -r /usr/share/bochs/BIOS-bochs-latest ] || skip "no /usr/share/bochs/BIOS-bochs-latest (apt-get install bochsbios)"
[ -r /usr/share/vgabios/vgabios.bin ] || skip "no /usr/share/vgabios/vgabios.bin (apt-get install vgabios)"
command -v xorriso >/dev/null || skip "xorriso not installed"
[ -r /usr/lib/ISOLINUX/isolinux.bin ] || skip "isolinux not installed"
[ -r /usr/lib/syslinux/modules/bios/ldlinux.c32 ] || skip "syslinux-common not installed"
command -v gcc >/dev/null || skip "gcc not installed"
# The emulator: cached after the first build; progress on stderr while it
# builds.
bvars=$("$top/scripts/bochs.sh" --quiet)
rc=$?
case $rc in
0) eval "$bvars" ;;
77) skip "Bochs cannot be built here (scripts/bochs.sh exit 77, message above)" ;;
*) echo "  FAIL bochs-$run: scripts/bochs.sh failed (exit $rc, message above)"
   echo "bochs-$run: 0 passed, 1 failed, 0 skipped"
   exit 1 ;;
esac
kvars=$("$top/scripts/kernel.sh" --quiet)
rc=$?
[ $rc = 0 ] || { echo "SKIP bochs-$run: pinned kernel unavailable (scripts/kernel.sh exit $rc)"; exit "$rc"; }
eval "$kvars"

mkdir -p "$B/logs" "$B/vm/bin" "$B/vm/bochs"
# Static guest helpers; rebuilt only when their source changed.
for src in "$here"/*.c; do
	bin=$B/vm/bin/$(basename "$src" .c)
	[ "$bin" -nt "$src" ] && continue
	gcc -O2 -s -static -Wall -Wextra -o "$bin" "$src" ||
		{ echo "bochs-$run: cannot build $src"; exit 1; }
done
# The VMX hook probe (a test module, only ever loaded inside Bochs) goes in
# as /lib/xlprobe.ko when the pinned headers are there to build it.
probe_dir=$top/tests/vm/bochs/vmx-probe
ovl=$B/vm/bochs/overlay
rm -rf "$ovl"
mkdir -p "$ovl/lib"
if [ -f "$XL_KHDR/Makefile" ]; then
	if make -s -C "$probe_dir" KDIR="$XL_KHDR" >"$B/logs/bochs-xlprobe-build.log" 2>&1; then
		# Without debug info it is 10x smaller: less to load in Bochs.
		strip --strip-debug -o "$ovl/lib/xlprobe.ko" "$probe_dir/xlprobe.ko"
	else
		echo "  note: xlprobe.ko did not build (see $B/logs/bochs-xlprobe-build.log)"
	fi
fi
overlays+=(--overlay "$ovl")
if [ -z "$initrd" ]; then
	initrd=$B/vm/bochs/initrd-$run.cpio.gz
	# Only what the Bochs machine needs: no kvm_amd, no NIC driver.
	XL_BASE_MODULES="kvm kvm_intel" \
		"$top/tests/vm/mkinitramfs.sh" "$initrd" "${overlays[@]}" >/dev/null ||
		{ echo "bochs-$run: mkinitramfs failed"; exit 1; }
fi
[ -r "$initrd" ] || { echo "bochs-run.sh: no initrd $initrd" >&2; exit 2; }

iso=$B/vm/bochs/$run.iso
# quiet: the kernel log through the emulated UART costs boot time.
# mitigations=off: halves the cost of a VM exit in Bochs (exit counts do
# not change, only the time they take).
# clearcpuid=avx512f: Bochs' CPUID leaf 0xD for the AVX-512 state is
# inconsistent ("XSAVE consistency problem: size 2432 != kernel_size
# 2688", a WARNING at boot); without AVX-512 the sizes agree.
# xlsettle=0.05: /init waits 0.05 guest seconds before powering off, so
# the UART drains the last lines (guest time runs slower than wall time
# here: the TSC ticks at Bochs' ips while CPUID says 3.5 GHz, and idle
# time is not skipped, so 0.05 s costs seconds; "2" cost 80 s on 2.7).
cmdline="console=ttyS0,115200 panic=-1 quiet mitigations=off clearcpuid=avx512f xlsettle=0.05 xl_cpus=$cpus xltest=$test $append"
"$here/mkiso.sh" "$iso" "$XL_BZIMAGE" "$cmdline" "$initrd" 2>/dev/null ||
	{ echo "bochs-$run: mkiso failed"; exit 1; }

log=$B/logs/bochs-$run.log
serial=$log.serial
blog=$B/logs/bochs-$run.bochs.log
rcfile=$B/vm/bochs/bochsrc-$run
# One run of a name at a time: a second would delete the first's serial
# log as it starts, the first the second's as it ends.
exec 9>"$log.lock"
flock -n 9 || { echo "bochs-$run: another run of it is going on (lock $log.lock)"; exit 2; }
rm -f "$serial" "$blog" "$log.e9"
sed -e "s|@MEGS@|$mem|" -e "s|@MODEL@|$model|" -e "s|@CPUS@|$cpus|" \
    -e "s|@QUANTUM@|16|" -e "s|@ISO@|$iso|" -e "s|@SERIAL@|$serial|" \
    -e "s|@LOG@|$blog|" "$here/bochsrc.in" >"$rcfile"

start=$(date +%s)
# Every line Bochs prints (port 0xE9 markers included) gets the host
# seconds since start.  ulimit -f bounds every file Bochs writes (200 MB).
(
	ulimit -f 204800
	timeout -k 5 "$tmo" "$XL_BOCHS" -q -f "$rcfile" </dev/null 2>&1
	rc=$?
	echo
	echo "XLBOCHS-EXIT $rc"
) | {
	t0=${EPOCHREALTIME/./}
	while IFS= read -r l; do
		t=$(( ${EPOCHREALTIME/./} - t0 ))
		printf '%5d.%d %s\n' $((t / 1000000)) $((t % 1000000 / 100000)) "$l"
	done
} >"$log.e9"
brc=$(sed -n 's/.* XLBOCHS-EXIT \([0-9]*\)$/\1/p' "$log.e9" | tail -1)
secs=$(( $(date +%s) - start ))
{
	echo "# bochs-run.sh $run: bochs exit ${brc:-?} after $secs s, emulator=$XL_BOCHS_LABEL ($XL_BOCHS) model=$model cpus=$cpus mem=$mem initrd=$initrd cmdline=$cmdline"
	tr -d '\r' <"$serial" 2>/dev/null
	echo "# bochs stdout (port 0xE9 markers), host seconds since start:"
	grep -av -E 'ALSA lib|^ *[0-9.]+ [0-9]{11}i\[|<bochs:|^ *[0-9.]+ Next at|^ *[0-9.]+ \([0-9]\) \[' "$log.e9"
} >"$log"
rm -f "$serial"
# A guest stuck in a loop can still flood Bochs' log: keep its tail only.
if [ -f "$blog" ] && [ "$(stat -c %s "$blog")" -gt 10485760 ]; then
	tail -c 1048576 "$blog" >"$blog.tail" && mv "$blog.tail" "$blog"
fi

grep -a '^XLTEST ' "$log" | grep -av '^XLTEST DONE' | sed 's/^XLTEST /  /'
P=$(grep -ac '^XLTEST PASS ' "$log")
F=$(grep -ac '^XLTEST FAIL ' "$log")
S=$(grep -ac '^XLTEST SKIP ' "$log")
why=()
case ${brc:-x} in
0|1) ;;	# 1: "ACPI control: soft power off" ends the simulation
124|137) why+=("timeout after ${tmo}s") ;;
153) why+=("Bochs stopped: a file it writes reached the 200 MB limit") ;;
*) why+=("bochs exited ${brc:-without status}") ;;
esac
grep -aq '^XLVM-INIT ' "$log" || why+=("the guest never reached /init")
grep -aq '^XLTEST DONE ' "$log" || why+=("no 'XLTEST DONE' line: the test script did not finish")
grep -aqE '^XLTEST (PASS|FAIL) dmesg' "$log" || why+=("no dmesg check line")
grep -aqE 'Kernel panic|BUG: |Oops' "$log" && why+=("kernel panic/BUG/Oops on the console")
# Bochs logs the guest's ACPI power-off as a panic; anything else is one.
cat "$log" "$blog" 2>/dev/null | grep -a '>>PANIC<<' | grep -aqv 'soft power off' &&
	why+=("Bochs panic (see $blog)")
[ $((P + F + S)) = 0 ] && why+=("no XLTEST result")
for w in "${why[@]}"; do
	echo "  FAIL bochs-$run: $w"
	F=$((F + 1))
done
# Wall-clock milestones from the port 0xE9 markers (XLE9 lines).
marks=$(sed -n 's/^ *\([0-9.]*\) XLE9 \(.*\)/\2 at \1 s/p' "$log" | paste -sd';' | sed 's/;/; /g')
echo "  time: ${secs} s in Bochs${marks:+ ($marks)}"
if [ $F != 0 ]; then
	echo "  (serial log: $log; Bochs log: $blog; the guest's last lines:)"
	"$top/tests/vm/last-words.sh" "$log"
fi
echo "bochs-$run: $P passed, $F failed, $S skipped"
[ $F = 0 ]
