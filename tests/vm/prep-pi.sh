#!/bin/bash
# Preparation of the VM test "pi" (tests/vm/guest/pi.sh): the vfio
# initramfs (tests/vm/prep-vfio.sh) with build/vm/bin/xl-pitest in it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${XL_BUILD:-$top/build}
[ -x "$B/vm/bin/xl-pitest" ] || { echo "build/vm/bin/xl-pitest is not built (make)"; exit 77; }
out=$B/vm/initrd-pi.cpio.gz
[ -x "$B/exitless" ] || { echo "build/exitless is not built"; exit 77; }
"$top/tests/vm/mkinitramfs.sh" "$out" --modules "vfio-pci vfio_iommu_type1" >&2
echo "--initrd $out"
