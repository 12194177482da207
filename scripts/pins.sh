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
