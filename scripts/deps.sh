#!/bin/bash
# Install the Debian packages the build and the test tiers need, and nothing
# else. Idempotent: apt-get runs only when a package is missing, so a second
# `make check` on the same machine does not touch the network.
#
# usage: scripts/deps.sh [--check] [tier...]
#        tiers: build unit kvm qemu kernels bochs bench (no argument = every tier)
#        --check: install nothing; name what is missing and exit 1
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/pins.sh
. "$here/pins.sh"

declare -A PKGS=(
	[build]="gcc make libc6-dev pkg-config libcmocka-dev libjson-c-dev jq"
	[unit]="libcmocka-dev"
	[kvm]="gcc binutils jq"
	[qemu]="qemu-system-x86 busybox-static cpio kmod linux-headers-$XL_KABI sparse linux-source-$XL_KSRC_VER linux-perf"
	[kernels]="debootstrap debian-archive-keyring make kmod dkms linux-headers-$XL_KABI"
	[bochs]="bochsbios vgabios g++ patch xz-utils busybox-static cpio kmod xorriso isolinux syslinux-common linux-headers-$XL_KABI gcc libc6-dev make binutils python3 debootstrap debian-archive-keyring"
	[bench]="jq python3 python3-matplotlib"
)
check_only=0
if [ "${1:-}" = --check ]; then
	check_only=1
	shift
fi
tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(build unit kvm qemu kernels bochs bench)

want=()
for t in "${tiers[@]}"; do
	[ -n "${PKGS[$t]+x}" ] || { echo "deps.sh: unknown tier '$t'" >&2; exit 2; }
	for p in ${PKGS[$t]}; do want+=("$p"); done
done
missing=()
for p in $(printf '%s\n' "${want[@]}" | sort -u); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ $check_only = 1 ]; then
	echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
	exit 1
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/lists/partial/.xl-updated
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
	apt-get update -qq && touch "$stamp"
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/xl-apt.log 2>&1; then
	tail -20 /tmp/xl-apt.log >&2
	echo "deps.sh: apt-get install failed for: ${missing[*]}" >&2
	echo "deps.sh: if linux-headers-$XL_KABI is gone, the pinned kernel ABI moved: update scripts/pins.sh" >&2
	exit 1
fi
