# Versions the project is pinned to. Sourced by scripts and rigs.
# The kernel ABI name is what the VM rigs boot and what kmod/ is checked
# against; image and headers must come from the same Debian upload, so a
# rig checks both against XL_KVER and stops with a clear message when the
# archive has moved on (see scripts/kernel.sh).
XL_KABI=6.1.0-56-amd64          # linux-image-6.1.0-56-amd64 / linux-headers-6.1.0-56-amd64
XL_KVER=6.1.192-2               # their Debian version (bookworm-security)
XL_KSRC_VER=6.1                 # linux-source-6.1: checkpatch.pl for kmod/
