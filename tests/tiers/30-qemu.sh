#!/bin/bash
# Tier "qemu": exitless.ko checked on the host (build against the pinned
# headers, checkpatch --strict, sparse, modinfo) and run inside QEMU TCG VMs
# booting the pinned Debian kernel (tests/vm/README.md).
# Contract: scripts/check.sh. Exit 77 when qemu or the pinned kernel and
# headers cannot be had on this machine.
set -u
cd "${XL_TOP:?run through scripts/check.sh}" || exit 1
B=${XL_BUILD:-build}
. scripts/pins.sh

# VM tests, run in this order by name (tests/vm/guest/NAME.sh). An entry
# is "NAME [qemu-run.sh options]". A test that needs its own preparation
# (a special initramfs, packages) ships tests/vm/prep-NAME.sh: it runs
# first, prints extra qemu-run.sh options (e.g. --initrd FILE) on stdout,
# and exits 77 after printing a reason to skip the test.
VM_TESTS=(
	"boot"
	"kmod --timeout 180 --smp 2"
	"cli --timeout 120"
	"perf --timeout 120"	# tests/vm/prep-perf.sh: initramfs with perf
	"vfio --timeout 90"	# tests/vm/prep-vfio.sh: initramfs with vfio-pci
	"pi --timeout 90"	# tests/vm/prep-pi.sh: vfio initramfs + xl-pitest
	"dpdk --smp 2 --timeout 120 --append iomem=relaxed"	# prep-dpdk.sh: testpmd overlay; /dev/mem for ICS kicks
)

# shellcheck source=tests/lib.sh
. tests/lib.sh

if ! scripts/deps.sh qemu; then
	echo "SKIP qemu: packages missing and not installable (scripts/deps.sh qemu)"
	exit 77
fi
kout=$(scripts/kernel.sh --quiet 2>&1 >/dev/null)
krc=$?
if [ $krc = 77 ]; then
	echo "$kout"
	echo "SKIP qemu: pinned kernel $XL_KABI ($XL_KVER) unavailable, see above"
	exit 77
elif [ $krc != 0 ]; then
	echo "$kout"
	fail kernel-fetch "scripts/kernel.sh exited $krc"
	echo "qemu: $P passed, $F failed, $S skipped"
	exit 1
fi
# ---- host side ----
# Built in a copy (build/kmod-pinned/), so that kmod/exitless.ko stays
# the one for this host's own kernel when it has headers.
log=$B/logs/qemu-kmod-build.log
if make -C kmod pinned >"$log" 2>&1; then
	pass kmod-build-pinned
else
	tail -20 "$log"
	fail kmod-build-pinned "make -C kmod pinned (log $log)"
fi
# The mechanisms (core/, shadow-idt/, posted/, did-ipi/) must build and
# link inside the module too, even though the baseline does not call them.
if make -C kmod mech-pinned >"$B/logs/qemu-kmod-mech.log" 2>&1; then
	pass kmod-links-mechanisms
else
	grep -E 'error|ERROR|undefined' "$B/logs/qemu-kmod-mech.log" | head -10
	fail kmod-links-mechanisms "make -C kmod mech-pinned (log $B/logs/qemu-kmod-mech.log)"
fi
if make -C kmod checkpatch >"$B/logs/qemu-checkpatch.log" 2>&1; then
	pass kmod-checkpatch-strict
else
	grep -E ': (ERROR|WARNING|CHECK):' "$B/logs/qemu-checkpatch.log" | head -20
	fail kmod-checkpatch-strict "see $B/logs/qemu-checkpatch.log"
fi
if make -C kmod sparse-pinned >"$B/logs/qemu-sparse.log" 2>&1; then
	pass kmod-sparse
else
	grep -E '(warning|error):' "$B/logs/qemu-sparse.log" | head -20
	fail kmod-sparse "see $B/logs/qemu-sparse.log"
fi
ko=$B/kmod-pinned/exitless.ko
if [ -f "$ko" ]; then
	mi=$(/sbin/modinfo "$ko")
	for p in max_vms max_irqs verbose; do
		grep -q "^parm: *$p:.\{10,\}" <<<"$mi" && pass "modinfo-parm-$p" ||
			fail "modinfo-parm-$p" "no described parameter $p"
	done
	grep -q "^vermagic: *$XL_KABI " <<<"$mi" && pass modinfo-vermagic ||
		fail modinfo-vermagic "$(grep vermagic <<<"$mi")"
	# kvm.ko, and irqbypass.ko (which kvm.ko needs too) for the test MSI
	dep=$(sed -n 's/^depends: *//p' <<<"$mi" | tr ',' '\n' | sort | tr '\n' ' ')
	[ "$dep" = "irqbypass kvm " ] && pass modinfo-depends-kvm ||
		fail modinfo-depends-kvm "depends: $dep"
fi

# ---- in the VM ----
if ! make -s build/vm/bin/xl-kmodtest build/exitless >"$B/logs/qemu-tools.log" 2>&1; then
	tail -20 "$B/logs/qemu-tools.log"
	fail tools-build "make build/vm/bin/xl-kmodtest build/exitless (the VM tests run without what failed)"
fi
initrd=$B/vm/initrd-qemu.cpio.gz
if ! tests/vm/mkinitramfs.sh "$initrd"; then
	fail initramfs "tests/vm/mkinitramfs.sh $initrd"
	echo "qemu: $P passed, $F failed, $S skipped"
	exit 1
fi

# The grading must be able to fail: a planted WARNING and a script that
# stops before xl_done must both make qemu-run.sh fail.
out=$(tests/vm/qemu-run.sh rigcheck --initrd "$initrd" --timeout 60)
rc=$?
if [ $rc = 1 ] && grep -q 'FAIL dmesg' <<<"$out" && grep -q "no 'XLTEST DONE'" <<<"$out"; then
	pass rig-detects-failures
else
	echo "$out"
	fail rig-detects-failures "qemu-run.sh rigcheck exited $rc, expected 1 with dmesg and DONE failures"
fi

for entry in "${VM_TESTS[@]}"; do
	read -r -a words <<<"$entry"
	name=${words[0]}
	opts=("${words[@]:1}")
	extra=()
	if [ -x "tests/vm/prep-$name.sh" ]; then
		pout=$("tests/vm/prep-$name.sh")
		prc=$?
		if [ $prc = 77 ]; then
			skip "qemu-$name" "$(tail -1 <<<"$pout")"
			continue
		elif [ $prc != 0 ]; then
			fail "qemu-$name" "tests/vm/prep-$name.sh exited $prc"
			continue
		fi
		read -r -a extra <<<"$(tail -1 <<<"$pout")"
	fi
	has_initrd=0
	for w in "${opts[@]}" "${extra[@]}"; do [ "$w" = --initrd ] && has_initrd=1; done
	[ $has_initrd = 1 ] || opts+=(--initrd "$initrd")
	out=$(tests/vm/qemu-run.sh "$name" "${opts[@]}" "${extra[@]}")
	rc=$?
	echo "$out"
	line=$(grep -E "^qemu-$name: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped" <<<"$out" | tail -1)
	if [ $rc = 77 ]; then
		skip "qemu-$name" "$(grep '^SKIP' <<<"$out" | tail -1)"
	elif [ -z "$line" ]; then
		fail "qemu-$name" "qemu-run.sh exited $rc without a summary"
	else
		read -r p f s <<<"$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/' <<<"$line")"
		P=$((P + p)) F=$((F + f)) S=$((S + s))
		[ $rc != 0 ] && [ "$f" = 0 ] && fail "qemu-$name" "exit $rc"
	fi
done
summary qemu
