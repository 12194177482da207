#!/bin/bash
# Preparation of the VM test "perf" (see tests/tiers/30-qemu.sh): an
# initramfs that also carries the host's perf (Debian linux-perf, built for
# the same 6.1 kernel) and its shared libraries. Prints the qemu-run.sh
# options on its last line; exit 77 (reason on the last line) without perf.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${XL_BUILD:-$top/build}
perf=$(command -v perf) || { echo "linux-perf not installed (apt-get install linux-perf)"; exit 77; }
# Debian's /usr/bin/perf may be a wrapper script picking perf_X.Y
if [[ $(file -L "$perf") != *ELF* ]]; then
	perf=$(ls /usr/bin/perf_* 2>/dev/null | head -1)
	[ -n "$perf" ] || { echo "no perf ELF binary found"; exit 77; }
fi
out=$B/vm/initrd-perf.cpio.gz
"$top/tests/vm/mkinitramfs.sh" "$out" --bin "$perf" >&2 || { echo "mkinitramfs failed"; exit 1; }
echo "--initrd $out"
