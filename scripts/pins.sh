# Versions the project is pinned to. Sourced by scripts and rigs.
# The kernel ABI name is what the VM rigs boot and what kmod/ is checked
# against; image and headers must come from the same Debian upload, so a
# rig checks both against XL_KVER and stops with a clear message when the
# archive has moved on (see scripts/kernel.sh).
XL_KABI=6.1.0-56-amd64          # linux-image-6.1.0-56-amd64 / linux-headers-6.1.0-56-amd64
XL_KVER=6.1.192-2               # their Debian version (bookworm-security)
XL_KSRC_VER=6.1                 # linux-source-6.1: checkpatch.pl for kmod/
# The Bochs of the VMX rig (scripts/bochs.sh): Debian trixie's source
# package, its tarballs checked against trixie's Sources index and these.
XL_BOCHS_VER=3.0+dfsg-1
XL_BOCHS_ORIG_SHA256=78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b    # bochs_3.0+dfsg.orig.tar.xz
XL_BOCHS_DEBIAN_SHA256=c68fe1162aa485249467ec93707ccbf5d039b00d12815899fc2c819ec16d00df  # bochs_3.0+dfsg-1.debian.tar.xz
# Debian 13 (trixie)'s kernel, which kmod/ is built for beside XL_KABI, in
# a trixie chroot with that kernel's compiler (scripts/kchroot.sh, tier
# kernels). The three header packages are checked against trixie's
# Packages index and these; a mismatch stops with how to move the pin.
XL_K612_ABI=6.12.118+deb13-amd64        # linux-headers-6.12.118+deb13-amd64
XL_K612_VER=6.12.118-1                  # their Debian version (trixie-security)
XL_K612_GCC=gcc-14                      # the compiler that kernel was built with
XL_K612_HDR_SHA256=55f0ca919f2ef3fbd6b7bdf441e8dd77aa2565f48f74eef1b4b1822cbd0bb7c8     # linux-headers-$XL_K612_ABI
XL_K612_COMMON_SHA256=8228fa0989222cbce04b63eb85390208b4e823927a9c78e778cae9ce4f9689b0  # linux-headers-${XL_K612_ABI%-amd64}-common
XL_K612_KBUILD_SHA256=1b14c7bbe1e23e44be9dfb0844c75cb2b3897f68751172c9233cef5b4eae55c0  # linux-kbuild-${XL_K612_ABI%-amd64}
XL_K612_IMG_SHA256=57dee9124ac6c57b75a8aed09052245942027dd46649d3d02285c35c11cfda98     # linux-image-$XL_K612_ABI (the VMX rig boots it: scripts/kernel.sh --kernel 6.12)
