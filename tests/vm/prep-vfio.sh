#!/bin/bash
# Preparation of the VM test "vfio" (tests/vm/README.md, tier 30-qemu):
# an initramfs with vfio-pci and vfio_iommu_type1 (+ their dependencies).
# Prints the qemu-run.sh options as its last line.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${XL_BUILD:-$top/build}
out=$B/vm/initrd-vfio.cpio.gz
[ -x "$B/exitless" ] || { echo "build/exitless is not built"; exit 77; }
"$top/tests/vm/mkinitramfs.sh" "$out" --modules "vfio-pci vfio_iommu_type1" >&2
echo "--initrd $out"
