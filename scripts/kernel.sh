#!/bin/bash
# Fetch and unpack the pinned Debian kernel for the VM rigs, without
# installing it: nothing under /boot or /lib/modules of this machine is
# touched.
#
# usage: scripts/kernel.sh [--quiet]
#
# Result (idempotent; a second run only checks and prints), in $XL_KCACHE
# (default tests/vm/cache/, gitignored):
#   linux-image-$XL_KABI_$XL_KVER_amd64.deb   the downloaded package
#   kimg/                                     dpkg -x of it, depmod -b run
#   vmlinux                                   ELF kernel with the PVH note,
#                                             so QEMU boots it without the
#                                             (slow under TCG) decompressor
# and prints them as shell assignments, for `eval "$(scripts/kernel.sh)"`:
#   XL_KIMG=...  XL_KMODDIR=...  XL_VMLINUX=...  XL_BZIMAGE=...  XL_KHDR=...
#
# Exit status: 0 ok, 1 failure, 77 when the pinned kernel cannot be had on
# this machine (the message says why and what to change).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/pins.sh
. "$top/scripts/pins.sh"

quiet=0
[ "${1:-}" = --quiet ] && quiet=1
cache=${XL_KCACHE:-$top/tests/vm/cache}
kimg=$cache/kimg
deb=$cache/linux-image-${XL_KABI}_${XL_KVER}_amd64.deb
khdr=/usr/src/linux-headers-$XL_KABI
PATH=$PATH:/sbin:/usr/sbin

say() { [ $quiet = 1 ] || echo "kernel.sh: $*" >&2; }
unavailable() {
	echo "kernel.sh: $*" >&2
	exit 77
}
pin_moved() {
	cat >&2 <<MSG
kernel.sh: $*
kernel.sh: the pinned kernel (scripts/pins.sh: XL_KABI=$XL_KABI,
kernel.sh: XL_KVER=$XL_KVER) no longer matches what apt offers. The image
kernel.sh: and headers must be the same Debian upload. To move the pin:
kernel.sh:   apt-cache policy linux-image-amd64    # note its Depends ABI
kernel.sh:   set XL_KABI/XL_KVER in scripts/pins.sh to that ABI and version,
kernel.sh:   apt-get install linux-headers-<new ABI>, rm -rf $cache, rerun.
MSG
	exit 77
}

# Headers: kmod/ is built against them and the image must match them.
hver=$(dpkg-query -W -f='${Version}' "linux-headers-$XL_KABI" 2>/dev/null || true)
[ -n "$hver" ] || unavailable "linux-headers-$XL_KABI is not installed (scripts/deps.sh qemu installs it)"
[ "$hver" = "$XL_KVER" ] || pin_moved "linux-headers-$XL_KABI is version $hver, pinned $XL_KVER"
command -v depmod >/dev/null || unavailable "depmod not found (apt-get install kmod)"

mkdir -p "$cache"
if [ ! -s "$deb" ]; then
	say "downloading linux-image-$XL_KABI=$XL_KVER"
	tmp=$(mktemp -d "$cache/dl.XXXXXX")
	if ! (cd "$tmp" && apt-get download -q "linux-image-$XL_KABI=$XL_KVER" >/dev/null 2>"$tmp/err"); then
		cat "$tmp/err" >&2
		rm -rf "$tmp"
		if apt-cache show "linux-image-$XL_KABI" >/dev/null 2>&1; then
			pin_moved "apt-get download linux-image-$XL_KABI=$XL_KVER failed"
		fi
		unavailable "cannot download linux-image-$XL_KABI (no apt source or no network?)"
	fi
	mv "$tmp"/linux-image-*.deb "$deb"
	rm -rf "$tmp"
fi
dver=$(dpkg-deb -f "$deb" Version)
[ "$dver" = "$XL_KVER" ] || pin_moved "$deb has version $dver"

stamp=$kimg/.xl-unpacked-$XL_KVER
if [ ! -e "$stamp" ]; then
	say "unpacking into $kimg"
	rm -rf "$kimg" "$cache/vmlinux"
	dpkg -x "$deb" "$kimg"
	depmod -b "$kimg" "$XL_KABI"
	touch "$stamp"
fi
if [ ! -s "$cache/vmlinux" ]; then
	say "extracting vmlinux (PVH boot)"
	python3 - "$kimg/boot/vmlinuz-$XL_KABI" "$cache/vmlinux.tmp" <<'PY'
# The bzImage carries an xz stream holding the ELF vmlinux (with the PVH
# ELF note QEMU needs for -kernel direct boot).
import lzma, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i < 0:
    sys.exit("no xz stream in " + sys.argv[1])
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[i:])
if out[:4] != b'\x7fELF':
    sys.exit("decompressed kernel is not ELF")
open(sys.argv[2], 'wb').write(out)
PY
	mv "$cache/vmlinux.tmp" "$cache/vmlinux"
fi

cat <<OUT
XL_KIMG=$kimg
XL_KMODDIR=$kimg/lib/modules/$XL_KABI
XL_VMLINUX=$cache/vmlinux
XL_BZIMAGE=$kimg/boot/vmlinuz-$XL_KABI
XL_KHDR=$khdr
OUT
