# Bochs rig, the one boot of tests/tiers/50-bochs.sh: a boot costs about
# two minutes of emulation, so the tier runs every Bochs check in it:
# bochs-vmx.sh (VMX, kvm_intel, a KVM guest, the baseline benchmark),
# bochs-pi.sh (`pi` refused without APICv, run with it; short, and next
# to bochs-vmx's own APICv bench), bochs-probe.sh (the entry/exit hook
# probe), then bochs-eli.sh (exitless.ko's VMX backend: baseline, eli,
# did, IF=0 guard, detach).
# Each also runs on its own (xltest=bochs-vmx / bochs-probe / bochs-eli /
# bochs-pi).
. /tests/lib.sh
XL_NO_DONE=1
. /tests/bochs-vmx.sh
. /tests/bochs-pi.sh
. /tests/bochs-probe.sh
. /tests/bochs-eli.sh
xl_done
