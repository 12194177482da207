#!/bin/bash
# Preparation of the VM test "dpdk" (tests/vm/README.md, tier 30-qemu):
# Debian's dpdk-testpmd and its library closure as an overlay
# (bench/dpdk/mkoverlay.sh, cached in tests/vm/cache/dpdk; the first run
# downloads ~50 .debs), on top of an initramfs with vfio-pci.
# Prints the qemu-run.sh options as its last line; exit 77 (last line =
# reason) when the packages cannot be had.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${XL_BUILD:-$top/build}
out=$B/vm/initrd-dpdk.cpio.gz
[ -x "$B/exitless" ] || { echo "build/exitless is not built"; exit 77; }
ov=$("$top/bench/dpdk/mkoverlay.sh" | tail -1)
rc=${PIPESTATUS[0]}
if [ "$rc" = 77 ]; then
	echo "dpdk-dev 22.11 packages not downloadable (apt-get download dpdk-dev failed)"
	exit 77
elif [ "$rc" != 0 ] || [ ! -x "$ov/usr/bin/dpdk-testpmd" ]; then
	echo "bench/dpdk/mkoverlay.sh failed ($rc)" >&2
	exit 1
fi
# the user-facing scripts, run as they are (bench/dpdk/README.md)
sc=$B/vm/dpdk-scripts
rm -rf "$sc"
mkdir -p "$sc/usr/bin"
install -m 755 "$top/bench/dpdk/run-testpmd.sh" "$top/bench/dpdk/run-l3fwd-power.sh" \
	"$top/bench/dpdk/preflight.sh" "$sc/usr/bin/"
"$top/tests/vm/mkinitramfs.sh" "$out" --modules "vfio-pci vfio_iommu_type1" \
	--overlay "$ov" --overlay "$sc" >&2 || exit 1
echo "--initrd $out"
