#!/bin/bash
# Preparation of the Bochs test "bochs-l2" (tests/vm/guest/bochs-l2.sh):
# an overlay for the emulated host's initramfs with what it needs to run
# a real Linux guest (L2) under QEMU/KVM, and prints "--overlay DIR" for
# tests/vm/bochs-run.sh.
#
# usage: tests/vm/prep-l2.sh
#
# The overlay (build/vm/l2/overlay):
#   /usr/bin/qemu-system-x86_64 (Debian's qemu-system-x86, a project
#     dependency: scripts/deps.sh) with its shared libraries, and the
#     firmware it loads for -M pc -kernel: qboot (no SeaBIOS: a few
#     hundred exits instead of thousands), pvh.bin, kvmvapic.bin
#   /l2/vmlinux: the pinned Debian kernel, the same the host boots,
#     uncompressed: QEMU starts it at its PVH entry, without the real-mode
#     setup and the decompressor (in Bochs the guest's decompressor did
#     not get to its first message in 5 minutes)
#   /l2/initrd.cpio.gz: the guest's initramfs: static busybox, /init =
#     tests/vm/l2/init.sh, virtio-pci and virtio-rng (the guest's device)
#     and exitless_guest.ko (make -C kmod/guest pinned)
# Exit 77 when something is missing here, naming it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${XL_BUILD:-$top/build}
PATH=$PATH:/sbin:/usr/sbin
skip() { echo "prep-l2.sh: $*" >&2; exit 77; }

qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
eval "$("$top/scripts/kernel.sh" --quiet)" || skip "pinned kernel unavailable (scripts/kernel.sh)"
gko=$B/kmod-guest/exitless_guest.ko
make -s -C "$top/kmod/guest" pinned >"$B/logs/l2-guestmod-build.log" 2>&1 ||
	skip "exitless_guest.ko does not build (see $B/logs/l2-guestmod-build.log)"
[ -f "$gko" ] || skip "no $gko"
for f in qboot.rom pvh.bin kvmvapic.bin; do
	[ -r "/usr/share/qemu/$f" ] || skip "/usr/share/qemu/$f missing (qemu-system-data)"
done

O=$B/vm/l2/overlay
rm -rf "$O"
mkdir -p "$O/usr/bin" "$O/usr/share/qemu" "$O/l2"
install -m 755 "$qemu" "$O/usr/bin/"
for lib in $(ldd "$qemu" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'); do
	mkdir -p "$O$(dirname "$lib")"
	cp -L "$lib" "$O$lib"
done
for f in qboot.rom pvh.bin kvmvapic.bin; do
	cp "/usr/share/qemu/$f" "$O/usr/share/qemu/"
done
[ -r "$XL_VMLINUX" ] || skip "no uncompressed vmlinux of the pinned kernel ($XL_VMLINUX, scripts/kernel.sh)"
cp "$XL_VMLINUX" "$O/l2/vmlinux"

# The guest's initramfs.
R=$(mktemp -d "${TMPDIR:-/tmp}/xl-l2.XXXXXX")
trap 'rm -rf "$R"' EXIT
mkdir -p "$R"/{bin,proc,sys,dev,tmp,lib/modules}
cp /bin/busybox "$R/bin/busybox"
install -m 755 "$top/tests/vm/l2/init.sh" "$R/init"
for m in virtio_pci virtio_rng; do
	deps=$(modprobe -d "$XL_KIMG" -S "$XL_KREL" --show-depends "$m")
	for f in $(awk '$1 == "insmod" {print $2}' <<<"$deps"); do
		# in load order, once, for busybox insmod (no modules.dep)
		grep -qx "$(basename "$f")" "$R/lib/modules/order" 2>/dev/null && continue
		cp "$f" "$R/lib/modules/"
		basename "$f" >>"$R/lib/modules/order"
	done
done
cp "$gko" "$R/lib/modules/"
(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 >"$O/l2/initrd.cpio.gz"
echo "prep-l2.sh: $O ($(du -sh "$O" | cut -f1)): qemu $("$qemu" --version | head -1), guest initramfs $(du -h "$O/l2/initrd.cpio.gz" | cut -f1)" >&2
echo "--overlay $O"
