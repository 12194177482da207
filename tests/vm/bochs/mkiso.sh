#!/bin/bash
# Builds an El Torito ISO (isolinux) that boots KERNEL with INITRD...
# (several initrds are loaded one after the other, the kernel unpacks them
# all) and the given kernel command line.
#
# usage: tests/vm/bochs/mkiso.sh OUT.iso KERNEL "CMDLINE" INITRD...
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 OUT.iso KERNEL CMDLINE INITRD..." >&2; exit 2; }
out=$1 kernel=$2 cmdline=$3
shift 3
for f in /usr/lib/ISOLINUX/isolinux.bin \
	 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$kernel" "$@"; do
	[ -r "$f" ] || { echo "mkiso: missing $f" >&2; exit 1; }
done
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin \
   /usr/lib/syslinux/modules/bios/ldlinux.c32 "$tree/isolinux/"
cp "$kernel" "$tree/vmlinuz"
list=
i=0
for f in "$@"; do
	cp "$f" "$tree/initrd$i.img"
	list=${list:+$list,}/initrd$i.img
	i=$((i + 1))
done
cat > "$tree/isolinux/isolinux.cfg" <<CFG
DEFAULT linux
PROMPT 0
TIMEOUT 0
SERIAL 0 115200
LABEL linux
  KERNEL /vmlinuz
  INITRD $list
  APPEND $cmdline
CFG
xorriso -as mkisofs -quiet -o "$out" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
	-boot-info-table -J -R "$tree"
