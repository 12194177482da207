#!/bin/bash
# Boot the pinned Debian kernel under QEMU TCG and run one test script
# inside it (tests/vm/README.md).
#
# usage: tests/vm/qemu-run.sh TEST [--smp N] [--mem MB] [--timeout S]
#                             [--initrd FILE] [--append "ARGS"] [--bzimage]
#                             [--qemu-args "ARGS"] [--interactive]
#
# --qemu-args adds raw qemu options (more devices ...); --interactive runs
# with the serial console on this terminal and no grading (use TEST=shell
# for a busybox shell in the VM; quit with Ctrl-A X).
#
# TEST names /tests/TEST.sh in the initramfs (tests/vm/guest/TEST.sh).
# Without --initrd a fresh one is built with tests/vm/mkinitramfs.sh.
# Machine: q35 (kernel-irqchip=split), intel-iommu with interrupt remapping
# and caching-mode, an e1000e at 00:03.0 on user-mode networking; the
# kernel gets intel_iommu=on. Serial log: build/logs/qemu-TEST.log.
#
# Prints the XLTEST lines and "qemu-TEST: P passed, F failed, S skipped".
# Exit 0 when nothing failed; 1 on a failure, a timeout, a missing
# "XLTEST DONE" or dmesg line, or no result at all; 77 when the rig cannot
# run here (no qemu, no pinned kernel).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${XL_BUILD:-$top/build}

test=
smp=1
mem=1024
tmo=120
initrd=
append=
kernel_kind=vmlinux
qemu_args=
interactive=0
while [ $# -gt 0 ]; do
	case $1 in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--bzimage) kernel_kind=bzimage; shift ;;
	--qemu-args) qemu_args=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	-*) echo "qemu-run.sh: unknown option $1" >&2; exit 2 ;;
	*) [ -z "$test" ] || { echo "qemu-run.sh: one TEST only" >&2; exit 2; }
	   test=$1; shift ;;
	esac
done
[ -n "$test" ] || { echo "usage: qemu-run.sh TEST [--smp N] [--mem MB] [--timeout S] [--initrd FILE] [--append ARGS]" >&2; exit 2; }
case $test in *[!A-Za-z0-9_-]*) echo "qemu-run.sh: bad test name '$test'" >&2; exit 2 ;; esac

qemu=$(command -v qemu-system-x86_64) ||
	{ echo "SKIP qemu-$test: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"; exit 77; }
kvars=$("$top/scripts/kernel.sh" --quiet)
rc=$?
[ $rc = 0 ] || { echo "SKIP qemu-$test: pinned kernel unavailable (scripts/kernel.sh exit $rc)"; exit "$rc"; }
eval "$kvars"
kernel=$XL_VMLINUX
[ $kernel_kind = bzimage ] && kernel=$XL_BZIMAGE

mkdir -p "$B/logs" "$B/vm"
if [ -z "$initrd" ]; then
	initrd=$B/vm/initrd-$test.cpio.gz
	"$top/tests/vm/mkinitramfs.sh" "$initrd" >/dev/null || { echo "qemu-$test: mkinitramfs failed"; exit 1; }
fi
[ -r "$initrd" ] || { echo "qemu-run.sh: no initrd $initrd" >&2; exit 2; }

# shellcheck disable=SC2206 # word splitting of --qemu-args is the point
extra=($qemu_args)
# One TCG thread for all vCPUs. With a thread per vCPU (QEMU 7.2), a guest
# with 2 vCPUs that flips a static key while the other vCPU runs through
# the patched site can leave both spinning at it for good: seen as a soft
# lockup of both CPUs at finish_task_switch's preempt-notifier branch,
# which KVM switches on and off as the first VM is created and the last one
# destroyed (1 run in 7 of the kmod test). Linux's text_poke protocol is
# right on hardware; the rig must not fail for the emulator's sake.
# softlockup_panic: a guest stuck that way ends at once, its stack printed.
# shellcheck disable=SC2054 # the commas are qemu syntax
machine=(-accel tcg,thread=single -cpu max -machine q35,kernel-irqchip=split
	-m "$mem" -smp "$smp" -nodefaults -no-reboot
	-device intel-iommu,intremap=on,caching-mode=on
	-device e1000e,netdev=n0,addr=03.0 -netdev user,id=n0
	"${extra[@]}" -kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 quiet intel_iommu=on sysctl.kernel.hung_task_timeout_secs=30 softlockup_panic=1 xltest=$test $append")
if [ $interactive = 1 ]; then
	exec "$qemu" "${machine[@]}" -nographic -serial mon:stdio
fi

log=$B/logs/qemu-$test.log
# One run of a name at a time: the second would overwrite the first's log.
exec 9>"$log.lock"
flock -n 9 || { echo "qemu-$test: another run of it is going on (lock $log.lock)"; exit 2; }
start=$(date +%s)
# -no-reboot + panic=-1: a guest panic ends qemu instead of looping.
# timeout -k: qemu stays paused after some internal errors, never hang.
timeout -k 5 "$tmo" "$qemu" "${machine[@]}" \
	-display none -monitor none -serial "file:$log.serial" \
	</dev/null >"$log.qemu" 2>&1
qrc=$?
secs=$(( $(date +%s) - start ))
{
	echo "# qemu-run.sh $test: qemu exit $qrc after $secs s, smp=$smp mem=$mem initrd=$initrd append=$append qemu-args=$qemu_args"
	tr -d '\r' <"$log.serial"
	[ -s "$log.qemu" ] && { echo "# qemu stderr:"; cat "$log.qemu"; }
} >"$log"
rm -f "$log.serial" "$log.qemu"

grep -a '^XLTEST ' "$log" | grep -av '^XLTEST DONE' | sed 's/^XLTEST /  /'
P=$(grep -ac '^XLTEST PASS ' "$log")
F=$(grep -ac '^XLTEST FAIL ' "$log")
S=$(grep -ac '^XLTEST SKIP ' "$log")
why=()
[ $qrc = 124 ] || [ $qrc = 137 ] && why+=("timeout after ${tmo}s")
[ $qrc != 0 ] && [ $qrc != 124 ] && [ $qrc != 137 ] && why+=("qemu exited $qrc")
grep -aq '^XLVM-INIT ' "$log" || why+=("the guest never reached /init")
grep -aq '^XLTEST DONE ' "$log" || why+=("no 'XLTEST DONE' line: the test script did not finish")
grep -aqE '^XLTEST (PASS|FAIL) dmesg' "$log" || why+=("no dmesg check line")
grep -aqE 'Kernel panic|BUG: |Oops' "$log" && why+=("kernel panic/BUG/Oops on the console")
[ $((P + F + S)) = 0 ] && why+=("no XLTEST result")
for w in "${why[@]}"; do
	echo "  FAIL qemu-$test: $w"
	F=$((F + 1))
done
if [ $F != 0 ]; then
	echo "  (serial log: $log; its last lines:)"
	"$top/tests/vm/last-words.sh" "$log"
fi
echo "qemu-$test: $P passed, $F failed, $S skipped"
[ $F = 0 ]
