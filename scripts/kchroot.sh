#!/bin/bash
# A Debian trixie chroot to build kmod/ for trixie's kernel (pinned in
# scripts/pins.sh: XL_K612_*) with the compiler that kernel was built
# with, which bookworm does not have. Cached outside the clone, keyed by
# the pins, so only a fresh machine pays for it; nothing of this machine's
# own package set changes.
#
# usage: scripts/kchroot.sh [--quiet]            make sure it exists; print
#                                               XL_KCHROOT=<root> XL_KCHROOT_KDIR=<headers in it>
#        scripts/kchroot.sh make DIR [ARG...]   build the Kbuild tree DIR in it:
#                                               make -C <headers> M=<copy of DIR> ARG...
#                                               (the copy, objects included, goes back to DIR)
#
# 1. debootstrap --variant=minbase trixie with the compiler, make and what
#    linux-kbuild needs, from the Debian mirror this machine's apt uses.
# 2. The three header packages, downloaded through a PRIVATE apt
#    configuration (scripts/debian-apt.sh) from trixie and
#    trixie-security, checked against trixie's Packages index and the
#    pinned SHA256, and unpacked into the chroot with dpkg-deb -x: the
#    headers package depends on the kernel image, which a build needs not.
# The chroot is $cache/kchroot-KEY/root, KEY = hash of the pins and the
# package list; a chroot whose KEY the pins no longer give is not used.
#
# Exit status: 0 ok, 1 failure (download, checksum, pin moved, build),
# 77 when it cannot be had here (not root, no debootstrap, no Debian
# mirror in this machine's apt configuration).
# Environment: XL_CACHE (scripts/debian-apt.sh), XL_KCHROOT_JOBS (default 2).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/pins.sh
. "$top/scripts/pins.sh"
# shellcheck source=scripts/debian-apt.sh
. "$top/scripts/debian-apt.sh"

quiet=0
[ "${1:-}" = --quiet ] && { quiet=1; shift; }
abi=$XL_K612_ABI
ver=$XL_K612_VER
base=${abi%-amd64}
include=$XL_K612_GCC,make,libc6-dev,libelf1t64,libssl3t64,zlib1g,pahole,sparse
# package  pinned SHA256
debs=("linux-headers-$abi $XL_K612_HDR_SHA256"
	"linux-headers-$base-common $XL_K612_COMMON_SHA256"
	"linux-kbuild-$base $XL_K612_KBUILD_SHA256")
kdir=/usr/src/linux-headers-$abi

pin_moved() {
	cat >&2 <<MSG
kchroot.sh: $*
kchroot.sh: the pinned trixie kernel (scripts/pins.sh: XL_K612_ABI=$abi,
kchroot.sh: XL_K612_VER=$ver and the three XL_K612_*_SHA256) no longer
kchroot.sh: matches Debian trixie's Packages index. To move the pin:
kchroot.sh:   apt-cache ${aptopt[*]} show linux-headers-amd64
kchroot.sh:     (its Depends names the new ABI), then show each of
kchroot.sh:     linux-headers-<ABI>, linux-headers-<ABI without -amd64>-common,
kchroot.sh:     linux-kbuild-<ABI without -amd64> for Version and SHA256;
kchroot.sh: set the pins, rerun (a new chroot is built beside the old).
MSG
	exit 1
}

[ "$(id -u)" = 0 ] || unavailable "a chroot needs root"
command -v debootstrap >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v debootstrap >/dev/null || unavailable "debootstrap not found (scripts/deps.sh kernels installs it)"
for t in chroot dpkg-deb sha256sum flock; do
	command -v "$t" >/dev/null || unavailable "$t not found"
done

cache=$(xl_cache_dir)
mkdir -p "$cache" || die "cannot create cache directory $cache"
key=$(echo "$abi $ver $XL_K612_HDR_SHA256 $XL_K612_COMMON_SHA256 $XL_K612_KBUILD_SHA256 $include" |
	sha256sum | cut -c1-16)
dest=$cache/kchroot-$key
root=$dest/root
apt=$cache/apt-trixie-kernel
aptopt=()

build_chroot() {
	local dl p want got start
	xl_trixie_apt "$apt"
	start=$(date +%s)
	say "fetching trixie's Packages indexes (private apt lists in $apt)"
	apt-get "${aptopt[@]}" -o APT::Architecture=amd64 -qq update >"$apt/update.log" 2>&1 ||
		{ cat "$apt/update.log" >&2; die "apt-get update of the private trixie list failed"; }
	dl=$dest/debs
	rm -rf "$dest"
	mkdir -p "$dl"
	for p in "${debs[@]}"; do
		read -r p want <<<"$p"
		xl_fetch_pinned_deb "$dl" "$p" "$ver" "$want" linux-headers-amd64
	done
	say "headers verified; debootstrap --variant=minbase trixie from $xl_trixie_mirror (a few minutes)"
	debootstrap --variant=minbase --include="$include" trixie "$root" "$xl_trixie_mirror" \
		>"$dest/debootstrap.log" 2>&1 ||
		{ tail -20 "$dest/debootstrap.log" >&2; die "debootstrap failed (log: $dest/debootstrap.log)"; }
	for p in "$dl"/*.deb; do
		dpkg-deb -x "$p" "$root"
	done
	[ -f "$root$kdir/Makefile" ] || die "the header packages left no $kdir/Makefile"
	# The compiler the kernel was built with, as its .config says.
	want=$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)[0-9][0-9][0-9][0-9]$/\1/p' "$root$kdir/.config")
	got=$(chroot "$root" "${XL_K612_GCC}" -dumpversion | cut -d. -f1)
	[ "$want" = "$got" ] || die "$abi was built with gcc $want, the chroot has $XL_K612_GCC ($got): fix XL_K612_GCC"
	rm -rf "$root/var/cache/apt/archives/"*.deb "$dl"
	{
		echo "trixie chroot for $abi ($ver), built by scripts/kchroot.sh"
		echo "debootstrap --variant=minbase --include=$include trixie $xl_trixie_mirror"
		echo "headers from dpkg-deb -x of: ${debs[*]}"
		echo "build time: $(( $(date +%s) - start )) s"
	} >"$dest/BUILD-INFO"
	touch "$dest/.complete"
	say "chroot ready in $(( $(date +%s) - start )) s: $root"
}

if [ ! -e "$dest/.complete" ]; then
	exec 9>"$cache/.kchroot.lock"
	if ! flock -n 9; then
		say "another run holds $cache/.kchroot.lock; waiting"
		flock 9
	fi
	[ -e "$dest/.complete" ] || build_chroot
	exec 9>&-
fi

if [ "${1:-}" != make ]; then
	echo "XL_KCHROOT=$root"
	echo "XL_KCHROOT_KDIR=$kdir"
	exit 0
fi
shift
src=${1:?usage: kchroot.sh make DIR [ARG...]}
shift
[ -f "$src/Kbuild" ] || die "$src has no Kbuild"
# A copy of DIR at a place of its own in the chroot (two worktrees may
# build there at once), kept between runs: Kbuild's .cmd files name it,
# so a rebuild is incremental.
src=$(cd "$src" && pwd)
work=$root/tmp/xl-kmod-$(echo "$src" | sha256sum | cut -c1-16)
mkdir -p "$work"
exec 8>"$work.lock"
flock 8
cp -a "$src/." "$work/"
rc=0
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp LC_ALL=C.UTF-8 \
	make -j"${XL_KCHROOT_JOBS:-2}" -C "$kdir" M="${work#"$root"}" "$@" || rc=$?
cp -a "$work/." "$src/"
exit $rc
