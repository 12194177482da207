#!/bin/bash
# Tier "kernels": exitless.ko built for every kernel it supports beside the
# pinned 6.1 of the qemu tier: Debian 13's 6.12 (scripts/pins.sh XL_K612_*)
# in a trixie chroot with that kernel's compiler (scripts/kchroot.sh,
# cached outside the clone), with sparse; then its modinfo.
# Contract: scripts/check.sh. Exit 77 when the chroot cannot be had here
# (not root, no debootstrap, no Debian mirror).
set -u
cd "${XL_TOP:?run through scripts/check.sh}" || exit 1
B=${XL_BUILD:-build}
XL_T_PREFIX=kernels/
# shellcheck source=tests/lib.sh
. tests/lib.sh
# shellcheck source=scripts/pins.sh
. scripts/pins.sh

if ! scripts/deps.sh kernels; then
	echo "SKIP kernels: packages missing and not installable (scripts/deps.sh kernels)"
	exit 77
fi
start=$(date +%s)
kout=$(scripts/kchroot.sh 2>&1 >/dev/null)
krc=$?
[ -n "$kout" ] && echo "$kout"
case $krc in
0) ;;
77)	echo "SKIP kernels: no trixie chroot for $XL_K612_ABI here, see above"
	exit 77 ;;
*)	fail chroot "scripts/kchroot.sh exited $krc"
	summary kernels
	exit 1 ;;
esac
echo "kernels: chroot ready after $(( $(date +%s) - start )) s"

log=$B/logs/kernels-6.12-build.log
if make -C kmod pinned-6.12 >"$log" 2>&1; then
	pass build-6.12
else
	grep -E 'error|ERROR' "$log" | head -20
	fail build-6.12 "make -C kmod pinned-6.12 (log $log)"
fi
if make -C kmod sparse-6.12 >"$B/logs/kernels-6.12-sparse.log" 2>&1; then
	pass sparse-6.12
else
	grep -E '(warning|error):' "$B/logs/kernels-6.12-sparse.log" | head -20
	fail sparse-6.12 "see $B/logs/kernels-6.12-sparse.log"
fi
# where kmod/Makefile puts it (K612_OUT)
ko=build/kmod-6.12/exitless.ko
if [ ! -f "$ko" ]; then
	fail modinfo-6.12 "no $ko"
else
	mi=$(/sbin/modinfo "$ko")
	grep -q "^vermagic: *$XL_K612_ABI " <<<"$mi" && pass modinfo-vermagic-6.12 ||
		fail modinfo-vermagic-6.12 "$(grep vermagic <<<"$mi")"
	dep=$(sed -n 's/^depends: *//p' <<<"$mi" | tr ',' '\n' | sort | tr '\n' ' ')
	[ "$dep" = "irqbypass kvm " ] && pass modinfo-depends-6.12 ||
		fail modinfo-depends-6.12 "depends: $dep"
fi
echo "kernels: $(( $(date +%s) - start )) s"
summary kernels
