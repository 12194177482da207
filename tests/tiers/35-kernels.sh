#!/bin/bash
# Tier "kernels": exitless.ko built for every kernel it supports beside the
# pinned 6.1 of the qemu tier: Debian 13's 6.12 (scripts/pins.sh XL_K612_*)
# in a trixie chroot with that kernel's compiler (scripts/kchroot.sh,
# cached outside the clone), with sparse; then its modinfo. Then the
# refusal of an unknown kernel, and Debian's dkms on kmod/dkms.conf.
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
	# the load-time refusal of another kernel (main.c) is in the module
	grep -aq 'not loaded: kernel %s is not the %s.y this module' "$ko" &&
		pass load-refusal-6.12 || fail load-refusal-6.12 "no refusal message in $ko"
fi

# A kernel outside the supported list must be refused with the
# compatibility message, never reach a compiler error or a module: taken
# here by a copy of what DKMS builds (make dkms-src) with 6.12 taken off
# the list, first in Kbuild (which stops before anything compiles), then
# in compat.h alone (its #error, for a build that passes Kbuild).
unknown() {	# unknown NAME PATTERN NOCC: build $u for 6.12, expect refusal
	local out rc cc=0
	out=$(scripts/kchroot.sh --quiet make "$u" modules 2>&1)
	rc=$?
	grep -q 'CC \[M\]' <<<"$out" && cc=1
	if [ $rc != 0 ] && grep -q "$2" <<<"$out" && [ ! -e "$u/exitless.ko" ] &&
		{ [ "$3" = 0 ] || [ $cc = 0 ]; }; then
		pass "$1"
	else
		tail -5 <<<"$out"
		fail "$1" "exit $rc; expected a refusal matching '$2', no exitless.ko$([ "$3" = 1 ] && echo ", no compiler run")"
	fi
}
u=$B/kmod-unknown
if ! make -C kmod dkms-src >"$B/logs/kernels-dkms-src.log" 2>&1; then
	fail dkms-src "make -C kmod dkms-src (log $B/logs/kernels-dkms-src.log)"
else
	dkms=(build/dkms/exitless-*)
	rm -rf "$u" && cp -r "${dkms[0]}" "$u"
	sed -i 's/^XL_KERNELS := 6.1 6.12$/XL_KERNELS := 6.1/' "$u/Kbuild"
	if grep -q '^XL_KERNELS := 6.1$' "$u/Kbuild"; then
		unknown refuses-unknown-kernel-kbuild \
			"exitless supports kernels 6.1 (any .y), not $XL_K612_ABI: see kmod/README.md" 1
	else
		fail refuses-unknown-kernel-kbuild "kmod/Kbuild has no line 'XL_KERNELS := 6.1 6.12'"
	fi
	rm -rf "$u" && cp -r "${dkms[0]}" "$u"
	sed -i '/^#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)/s/6, 12, 0/6, 13, 0/' "$u/compat.h"
	if grep -q 'KERNEL_VERSION(6, 13, 0) &&' "$u/compat.h"; then
		unknown refuses-unknown-kernel-compat-h \
			'#error "exitless supports kernels 6.1.y and 6.12.y only: see kmod/README.md' 0
	else
		fail refuses-unknown-kernel-compat-h "kmod/compat.h has no 6.12 range to take off"
	fi
	rm -rf "$u"
fi

# Debian's dkms itself on the tree `make dkms-src` stages (kmod/dkms.conf),
# for the pinned 6.1 headers, in a private tree: nothing in /var/lib/dkms
# or /lib/modules, and no signing key made (sign_file names no program,
# so dkms signs nothing). It must build; and on a kernel the module does
# not list (a copy with 6.1 taken off Kbuild's list) stop with the
# compatibility message in its make.log, no compiler run.
dkms_build() {	# dkms_build SRC: add and build SRC for XL_KABI; dkms' status
	local v=${1##*-}
	rm -rf "$dk" && mkdir -p "$dk/tree" "$dk/inst" "$dk/src" &&
		cp -r "$1" "$dk/src/" || return 1
	dkms add "exitless/$v" --dkmstree "$dk/tree" --sourcetree "$dk/src" >/dev/null &&
		sign_file=/nonexistent dkms build "exitless/$v" -k "$XL_KABI" \
			--kernelsourcedir "/usr/src/linux-headers-$XL_KABI" \
			--dkmstree "$dk/tree" --sourcetree "$dk/src" \
			--installtree "$dk/inst" >"$B/logs/kernels-dkms.log" 2>&1
}
dk=$(realpath -m "$B/kmod-dkms")
if [ -d "${dkms[0]:-}" ]; then
	ver=${dkms[0]##*-}
	ko=$dk/tree/exitless/$ver/$XL_KABI/x86_64/module/exitless.ko
	if dkms_build "${dkms[0]}" && [ -f "$ko" ] &&
		/sbin/modinfo -F vermagic "$ko" | grep -q "^$XL_KABI "; then
		pass dkms-build-6.1
	else
		tail -5 "$B/logs/kernels-dkms.log"
		fail dkms-build-6.1 "dkms build exitless/$ver -k $XL_KABI (log $B/logs/kernels-dkms.log)"
	fi
	u=$B/kmod-unknown/exitless-$ver
	rm -rf "${u%/*}" && mkdir -p "${u%/*}" && cp -r "${dkms[0]}" "$u"
	sed -i 's/^XL_KERNELS := 6.1 6.12$/XL_KERNELS := 6.12/' "$u/Kbuild"
	mlog=$dk/tree/exitless/$ver/build/make.log
	if ! grep -q '^XL_KERNELS := 6.12$' "$u/Kbuild"; then
		fail dkms-refuses-unknown-kernel "kmod/Kbuild has no line 'XL_KERNELS := 6.1 6.12'"
	elif ! dkms_build "$u" && grep -q "exitless supports kernels 6.12 (any .y), not $XL_KABI: see kmod/README.md" "$mlog" &&
		! grep -q 'CC \[M\]' "$mlog" && [ ! -e "$ko" ]; then
		pass dkms-refuses-unknown-kernel
	else
		tail -5 "$mlog" 2>/dev/null
		fail dkms-refuses-unknown-kernel "expected dkms to fail with the compatibility message in $mlog, no compiler run, no exitless.ko"
	fi
	rm -rf "${u%/*}" "$dk"
fi
echo "kernels: $(( $(date +%s) - start )) s"
summary kernels
