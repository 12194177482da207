# Bochs rig: load kvm_intel with the parameters a test needs, explicitly
# (sourced by the bochs-*.sh guest scripts; runs nothing by itself).
#
#   xl_kvm_intel [PARAM=VALUE...]
#       default: enable_apicv=N preemption_timer=N eptad=N
# Loads kvm_intel with exactly these values, or reloads it when it is
# loaded with others (modprobe of a loaded module ignores parameters);
# prints the parameters as XLINFO lines; exit status of the (re)load.
# Why explicit: on Bochs 3.0's corei7_skylake_x (posted-interrupt
# processing, virtual-interrupt delivery) a plain modprobe gives
# enable_apicv=Y, as on most real CPUs; eli and did need APICv off (the
# guest's EOI is theirs), and KVM's preemption-timer use would compete
# with exitless' guard for the VMX-preemption timer; with EPT A/D flags
# the CPU's page walks write-fault on the page tables exitless
# write-protects (kmod/README.md, eli and did).
xl_kvm_intel() {
	local want p ok=1 d=/sys/module/kvm_intel/parameters
	[ $# -gt 0 ] || set -- enable_apicv=N preemption_timer=N eptad=N
	if [ -d $d ]; then
		for want in "$@"; do
			p=${want%%=*}
			[ "$(cat $d/$p 2>/dev/null)" = "${want#*=}" ] || ok=0
		done
		[ $ok = 1 ] && return 0
		rmmod kvm_intel || return 1
	fi
	modprobe kvm_intel "$@" || return 1
	for p in $d/*; do
		[ -r "$p" ] && echo "XLINFO kvm_intel.$(basename "$p")=$(cat "$p")"
	done
	return 0
}
