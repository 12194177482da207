#!/bin/bash
# Fetch and unpack a pinned Debian kernel for the VM rigs, without
# installing it: nothing under /boot or /lib/modules of this machine is
# touched.
#
# usage: scripts/kernel.sh [--quiet] [--kernel 6.1|6.12]
#
# --kernel (default: env XL_KERNEL, else 6.1) picks the kernel:
#   6.1   Debian 12's linux-image-$XL_KABI=$XL_KVER (scripts/pins.sh), via
#         this machine's apt; its headers must be installed at the same
#         version (kmod/ and the probe are built against them). Cache
#         $XL_KCACHE, default tests/vm/cache/ (gitignored).
#   6.12  Debian 13's linux-image-$XL_K612_ABI=$XL_K612_VER, via a private
#         apt configuration on trixie and trixie-security
#         (scripts/debian-apt.sh), checked against trixie's Packages index
#         and XL_K612_IMG_SHA256. Cache <dir>/kernel-$XL_K612_ABI, <dir>
#         = $XL_KCACHE, default /var/cache/exitless (xl_cache_dir in
#         scripts/debian-apt.sh), shared by the clones of a machine. Its headers live
#         in the trixie chroot (scripts/kchroot.sh), so XL_KHDR is empty.
#
# Result (idempotent; a second run only checks and prints), in the cache:
#   linux-image-ABI_VERSION_amd64.deb   the downloaded package
#   kimg/                               dpkg -x of it, depmod -b run
#   vmlinux                             6.1 only: ELF kernel with the PVH
#                                       note, so QEMU boots it without the
#                                       (slow under TCG) decompressor
# and prints them as shell assignments, for `eval "$(scripts/kernel.sh)"`:
#   XL_KREL=... (the kernel release, uname -r)  XL_KIMG=...  XL_KMODDIR=...
#   XL_VMLINUX=... (empty for 6.12)  XL_BZIMAGE=...  XL_KHDR=...
#
# Exit status: 0 ok, 1 failure, 2 usage, 77 when the pinned kernel cannot
# be had on this machine (the message says why and what to change).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/pins.sh
. "$top/scripts/pins.sh"
# shellcheck source=scripts/debian-apt.sh
. "$top/scripts/debian-apt.sh"

quiet=0	# read by say (scripts/debian-apt.sh)
aptopt=()	# set by xl_trixie_apt
kernel=${XL_KERNEL:-6.1}
# shellcheck disable=SC2034 # quiet, see above
while [ $# -gt 0 ]; do
	case $1 in
	--quiet) quiet=1; shift ;;
	--kernel) kernel=${2:-}; shift 2 || { echo "kernel.sh: --kernel needs 6.1 or 6.12" >&2; exit 2; } ;;
	*) echo "usage: scripts/kernel.sh [--quiet] [--kernel 6.1|6.12]" >&2; exit 2 ;;
	esac
done
PATH=$PATH:/sbin:/usr/sbin
command -v depmod >/dev/null || unavailable "depmod not found (apt-get install kmod)"

# The pinned image is no longer what the archive offers: how to move the
# pin. Exit 77: a rig skips (loudly, with this message) rather than boot
# another kernel.
pin_moved() {
	echo "kernel.sh: $*" >&2
	if [ "$kernel" = 6.1 ]; then
		cat >&2 <<MSG
kernel.sh: the pinned kernel (scripts/pins.sh: XL_KABI=$XL_KABI,
kernel.sh: XL_KVER=$XL_KVER) no longer matches what apt offers. The image
kernel.sh: and headers must be the same Debian upload. To move the pin:
kernel.sh:   apt-cache policy linux-image-amd64    # note its Depends ABI
kernel.sh:   set XL_KABI/XL_KVER in scripts/pins.sh to that ABI and version,
kernel.sh:   apt-get install linux-headers-<new ABI>, rm -rf $cache, rerun.
MSG
	else
		cat >&2 <<MSG
kernel.sh: the pinned trixie kernel (scripts/pins.sh: XL_K612_ABI=$XL_K612_ABI,
kernel.sh: XL_K612_VER=$XL_K612_VER, XL_K612_IMG_SHA256) no longer matches
kernel.sh: trixie's Packages index. The image must be the upload whose
kernel.sh: headers kmod/ is built against (scripts/kchroot.sh): move all
kernel.sh: XL_K612_* pins together (kchroot.sh says how), then rerun.
MSG
	fi
	exit 77
}

# Debian 12's kernel through this machine's apt: $abi, $ver, $cache, $deb,
# $khdr set.
fetch_61() {
	local hver tmp dver
	abi=$XL_KABI
	ver=$XL_KVER
	cache=${XL_KCACHE:-$top/tests/vm/cache}
	deb=$cache/linux-image-${abi}_${ver}_amd64.deb
	khdr=/usr/src/linux-headers-$abi
	# Headers: kmod/ is built against them and the image must match them.
	hver=$(dpkg-query -W -f='${Version}' "linux-headers-$XL_KABI" 2>/dev/null || true)
	[ -n "$hver" ] || unavailable "linux-headers-$XL_KABI is not installed (scripts/deps.sh qemu installs it)"
	[ "$hver" = "$XL_KVER" ] || pin_moved "linux-headers-$XL_KABI is version $hver, pinned $XL_KVER"

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
}

# Debian 13's kernel through a private apt configuration on trixie: the
# same variables.
fetch_612() {
	local apt tmp
	abi=$XL_K612_ABI
	ver=$XL_K612_VER
	cache=${XL_KCACHE:-$(xl_cache_dir)}/kernel-$abi
	deb=$cache/linux-image-${abi}_${ver}_amd64.deb
	khdr=
	mkdir -p "$cache" || die "cannot create $cache"
	[ -e "$deb.sha256-ok" ] && return 0
	for t in apt-get apt-cache sha256sum flock; do
		command -v "$t" >/dev/null || unavailable "$t not found"
	done
	apt=$(xl_cache_dir)/apt-trixie-kernel
	xl_trixie_apt "$apt"
	exec 9>"$cache/.fetch.lock"
	flock 9
	say "fetching trixie's Packages indexes (private apt lists in $apt)"
	apt-get "${aptopt[@]}" -o APT::Architecture=amd64 -qq update >"$cache/update.log" 2>&1 ||
		{ cat "$cache/update.log" >&2; unavailable "apt-get update of the private trixie list failed (no network?)"; }
	say "downloading linux-image-$abi=$ver (~110 MB)"
	tmp=$(mktemp -d "$cache/dl.XXXXXX")
	# the download directory goes on any exit; $tmp is this function's,
	# so the trap gets its value now
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	xl_fetch_pinned_deb "$tmp" "linux-image-$abi" "$ver" "$XL_K612_IMG_SHA256" linux-image-amd64
	mv "$tmp"/linux-image-*.deb "$deb"
	rm -rf "$tmp"
	trap - EXIT
	touch "$deb.sha256-ok"
	exec 9>&-
}

case $kernel in
6.1|"$XL_KABI") kernel=6.1; fetch_61 ;;
6.12|"$XL_K612_ABI") kernel=6.12; fetch_612 ;;
*) echo "kernel.sh: unknown kernel '$kernel' (6.1 or 6.12)" >&2; exit 2 ;;
esac
kimg=$cache/kimg
stamp=$kimg/.xl-unpacked-$ver
if [ ! -e "$stamp" ]; then
	say "unpacking into $kimg"
	rm -rf "$kimg" "$cache/vmlinux"
	dpkg -x "$deb" "$kimg"
	# trixie's packages ship /usr/lib/modules (merged /usr); depmod -b and
	# modprobe -d look in lib/modules.
	if [ ! -e "$kimg/lib" ] && [ -d "$kimg/usr/lib/modules" ]; then
		ln -s usr/lib "$kimg/lib"
	fi
	depmod -b "$kimg" "$abi"
	touch "$stamp"
fi
vmlinux=
# The 6.1 bzImage holds an xz stream (below); 6.12's is zstd, which
# python's standard library cannot read, and only QEMU needs the vmlinux.
if [ "$kernel" = 6.1 ]; then
	vmlinux=$cache/vmlinux
fi
if [ -n "$vmlinux" ] && [ ! -s "$vmlinux" ]; then
	say "extracting vmlinux (PVH boot)"
	python3 - "$kimg/boot/vmlinuz-$abi" "$vmlinux.tmp" <<'PY'
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
	mv "$vmlinux.tmp" "$vmlinux"
fi

cat <<OUT
XL_KREL=$abi
XL_KIMG=$kimg
XL_KMODDIR=$kimg/lib/modules/$abi
XL_VMLINUX=$vmlinux
XL_BZIMAGE=$kimg/boot/vmlinuz-$abi
XL_KHDR=$khdr
OUT
