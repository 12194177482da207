#!/bin/bash
# Build the initramfs of the exitless test VMs (tests/vm/README.md).
#
# usage: tests/vm/mkinitramfs.sh OUT.cpio.gz [--modules "m1 m2"]
#                                [--overlay DIR]... [--bin FILE]...
#                                [--kernel 6.1|6.12]
#
# --kernel (default: env XL_KERNEL, else 6.1): the kernel whose modules go
# in (scripts/kernel.sh --kernel), called KREL below.
#
# Contents:
#   /bin/busybox (+ applet links made by /init), /init = tests/vm/init.sh
#   /tests/*.sh  = tests/vm/guest/*.sh (lib.sh included)
#   /lib/modules/KREL/: the modules in $XL_BASE_MODULES and --modules,
#     with every dependency (modprobe --show-depends against that
#     kernel; compressed ones, as 6.12 ships them, decompressed, since
#     busybox's modprobe reads plain .ko), plus exitless.ko as
#     extra/exitless.ko: build/kmod-pinned/ (make -C kmod pinned),
#     build/kmod-6.12/ (make -C kmod pinned-6.12) or kmod/, the first
#     whose vermagic is KREL; depmod is run so `modprobe exitless` pulls
#     in kvm.
#   /usr/bin/exitless = build/exitless when built, with its shared libraries
#   /usr/bin/: every executable in build/vm/bin/ and each --bin FILE
#     (dynamic ones get their shared libraries copied too)
#   each --overlay DIR copied over the root, last
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/pins.sh
. "$top/scripts/pins.sh"
PATH=$PATH:/sbin:/usr/sbin
B=${XL_BUILD:-$top/build}

# Always present: the module depends on kvm; kvm_intel/kvm_amd are tried by
# the tests (under TCG only kvm_amd can work, see README.md); e1000e is the
# rig's NIC.
XL_BASE_MODULES=${XL_BASE_MODULES:-"kvm kvm_intel kvm_amd e1000e"}

out=
mods=$XL_BASE_MODULES
overlays=()
bins=()
while [ $# -gt 0 ]; do
	case $1 in
	--modules) mods="$mods $2"; shift 2 ;;
	--overlay) overlays+=("$2"); shift 2 ;;
	--bin) bins+=("$2"); shift 2 ;;
	--kernel) XL_KERNEL=$2; export XL_KERNEL; shift 2 ;;
	-h|--help) sed -n '2,25p' "$0"; exit 0 ;;
	-*) echo "mkinitramfs.sh: unknown option $1" >&2; exit 2 ;;
	*) out=$1; shift ;;
	esac
done
[ -n "$out" ] || { echo "usage: mkinitramfs.sh OUT.cpio.gz [--modules \"m1 m2\"] [--overlay DIR]... [--bin FILE]... [--kernel 6.1|6.12]" >&2; exit 2; }

eval "$("$top/scripts/kernel.sh" --quiet)"
bb=/bin/busybox
# (no `cmd | grep -q` under pipefail: grep's early exit SIGPIPEs cmd)
applets=$("$bb" --list 2>/dev/null || true)
bbtype=$(file -L "$bb" 2>/dev/null || true)
if ! grep -qx modprobe <<<"$applets" || ! grep -q 'statically linked' <<<"$bbtype"; then
	echo "mkinitramfs.sh: need a static /bin/busybox (apt-get install busybox-static)" >&2
	exit 77
fi

R=$(mktemp -d "${TMPDIR:-/tmp}/xl-initramfs.XXXXXX")
trap 'rm -rf "$R"' EXIT
# shellcheck disable=SC2153 # XL_KREL comes from kernel.sh's output (eval above)
M=$R/lib/modules/$XL_KREL
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,tests,etc} "$M"
cp "$bb" "$R/bin/busybox"
install -m 755 "$top/tests/vm/init.sh" "$R/init"
cp "$top"/tests/vm/guest/*.sh "$R/tests/"

# Kernel modules and everything they depend on, from the unpacked image.
for m in $mods; do
	deps=$(modprobe -d "$XL_KIMG" -S "$XL_KREL" --show-depends "$m" 2>&1) ||
		{ echo "mkinitramfs.sh: module $m: $deps" >&2; exit 1; }
	for f in $(awk '$1 == "insmod" {print $2}' <<<"$deps"); do
		rel=${f#*/lib/modules/"$XL_KREL"/}
		mkdir -p "$M/$(dirname "$rel")"
		case $rel in
		*.ko.xz) xz -dc "$f" >"$M/${rel%.xz}" ;;
		*.ko.zst) zstd -qdc "$f" >"$M/${rel%.zst}" ;;
		*) cp "$f" "$M/$rel" ;;
		esac
	done
done
cp "$XL_KMODDIR"/modules.{order,builtin,builtin.modinfo} "$M/"
# exitless.ko built for the kernel: build/kmod-pinned/ (make -C kmod
# pinned), build/kmod-6.12/ (make -C kmod pinned-6.12), else kmod/ when
# that one was built against the same headers.
ko=
for f in "$B/kmod-pinned/exitless.ko" "$B/kmod-6.12/exitless.ko" "$top/kmod/exitless.ko"; do
	if [ -f "$f" ] && [[ $(modinfo -F vermagic "$f") == "$XL_KREL "* ]]; then
		ko=$f
		break
	fi
done
if [ -n "$ko" ]; then
	mkdir -p "$M/extra"
	cp "$ko" "$M/extra/"
else
	echo "mkinitramfs.sh: no exitless.ko for $XL_KREL (make -C kmod pinned, or pinned-6.12): not included" >&2
fi
depmod -b "$R" "$XL_KREL"

# Binaries, with the shared libraries of dynamic ones (ldd closure).
add_bin() {
	local f=$1 lib
	install -m 755 "$f" "$R/usr/bin/$(basename "$f")"
	if [[ $(file -L "$f") == *"dynamically linked"* ]]; then
		for lib in $(ldd "$f" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'); do
			mkdir -p "$R$(dirname "$lib")"
			cp -L "$lib" "$R$lib"
		done
	fi
}
[ -x "$B/exitless" ] && add_bin "$B/exitless"
if [ -d "$B/vm/bin" ]; then
	for f in "$B"/vm/bin/*; do
		[ -f "$f" ] && [ -x "$f" ] && add_bin "$f"
	done
fi
for f in "${bins[@]}"; do add_bin "$f"; done
# lib64 loader path for dynamic binaries
if [ -e "$R/lib/x86_64-linux-gnu" ] && [ ! -e "$R/lib64" ]; then
	mkdir -p "$R/lib64"
	[ -e /lib64/ld-linux-x86-64.so.2 ] && cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
fi
for d in "${overlays[@]}"; do cp -a "$d/." "$R/"; done

mkdir -p "$(dirname "$out")"
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs.sh: $out ($(du -h "$out" | cut -f1)): modules: $mods${ko:+ exitless ($ko)}"
