# Bochs rig: feasibility of the hooks exitless.ko needs around VM entry and
# exit of the unmodified kvm_intel, with the test module
# xlprobe.ko (tests/vm/bochs/vmx-probe/) and the #NP guest kvm-np
# (tests/vm/bochs/kvm-np.c).  Standalone (xltest=bochs-probe) or sourced by
# bochs-tier.sh, which shares one boot between several scripts.
command -v xl_done >/dev/null 2>&1 || . /tests/lib.sh

ko=/lib/xlprobe.ko
probe_params() {
	_l=
	for p in /sys/module/xlprobe/parameters/*; do
		_l="$_l $(basename "$p")=$(cat "$p")"
	done
	echo "XLINFO xlprobe[$1]$_l"
}
e9() { command -v xl-e9 >/dev/null && xl-e9 "XLE9 $*"; }
param() { cat "/sys/module/xlprobe/parameters/$1"; }

# run_probe NAME EXPECT INSMOD-ARGS...: load xlprobe, run kvm-np expecting
# outcome EXPECT, print the module's counters, leave it loaded.
run_probe() {
	_name=$1 _expect=$2
	shift 2
	e9 "$_name"
	if ! _o=$(insmod "$ko" "$@" 2>&1); then
		echo "$_o" | sed 's/^/    /'
		dmesg | grep xlprobe | tail -5 | sed 's/^/    /'
		xl_fail "$_name" "insmod xlprobe $* failed"
		return 1
	fi
	_o=$(kvm-np "$_expect" 2>&1)
	_rc=$?
	echo "    $_o"
	probe_params "$_name"
	if [ $_rc != 0 ]; then
		xl_fail "$_name" "kvm-np: expected outcome=$_expect"
		return 1
	fi
	return 0
}

# hook_ok NAME: the entry and exit hooks ran on the vCPU's CPU with IRQs
# off, and VMREAD of the running guest's IDTR gave what kvm-np set.
hook_ok() {
	_why=
	[ "$(param entry_hits)" -gt 0 ] || _why="$_why entry hook never ran;"
	[ "$(param entry_irqs_on)" = 0 ] || _why="$_why entry hook with IRQs on;"
	[ "$(param entry_wrong_cpu)" = 0 ] || _why="$_why entry hook off the vCPU's CPU;"
	[ "$(param entry_vmread_fail)" = 0 ] || _why="$_why VMREAD failed;"
	[ "$(param last_idtr_base)" = 12288 ] || _why="$_why GUEST_IDTR_BASE $(param last_idtr_base) != 0x3000;"
	[ "$(param last_idtr_limit)" = 2047 ] || _why="$_why GUEST_IDTR_LIMIT $(param last_idtr_limit) != 0x7ff;"
	[ "$(param exit_hits)" -gt 0 ] || _why="$_why exit hook never ran;"
	[ "$(param exit_irqs_on)" = 0 ] || _why="$_why exit hook with IRQs on;"
	if [ -z "$_why" ]; then
		xl_pass "$1"
	else
		xl_fail "$1" "$_why"
	fi
}

if [ ! -f "$ko" ]; then
	xl_skip probe "no $ko in the initramfs (tests/vm/bochs/vmx-probe not built)"
elif ! command -v kvm-np >/dev/null; then
	xl_skip probe "no kvm-np in the initramfs"
elif ! { . /tests/bochs-kvm.sh && xl_kvm_intel >/dev/null 2>&1; } || [ ! -c /dev/kvm ]; then
	xl_skip probe "kvm_intel does not load here"
else
	e9 probe-start
	xl_check probe-np-native kvm-np guest
	# Each load/unload costs ~30 s in Bochs (ftrace text patching), so
	# three rounds: ftrace observing; kprobe entry hook + VMWRITE of the
	# exception bitmap; ftrace with the IPMODIFY exit takeover.
	if run_probe probe-ftrace-observe guest mode=0 mech=ftrace; then
		hook_ok probe-ftrace-entry-exit-vmread
		# Baseline for direct mode: host interrupts during a guest
		# loop with interrupts enabled are external-interrupt exits.
		loops=$(sed -n 's/.*xl_direct_loops=\([0-9]*\).*/\1/p' /proc/cmdline)
		_o=$(kvm-np --loop "${loops:-50000000}" loop-done 2>&1)
		_rc=$?
		echo "    $_o"
		ext=$(param exit_extint)
		echo "XLINFO xlprobe[baseline-loop] exit_extint=$ext exit_hits=$(param exit_hits)"
		if [ $_rc = 0 ] && [ "$ext" -gt 0 ]; then
			xl_pass probe-baseline-host-irqs-exit
		else
			xl_fail probe-baseline-host-irqs-exit "kvm-np rc=$_rc, $ext external-interrupt exits"
		fi
	fi
	rmmod xlprobe 2>/dev/null
	# VMWRITE before entry: #NP in the exception bitmap must make the
	# exit reach KVM, which reports it to user space.
	if run_probe probe-vmwrite-exception-bitmap exception mode=1 mech=kprobe; then
		hook_ok probe-kprobe-entry-exit-vmread
		eb=$(param last_eb_after)
		if [ $((eb & 2048)) != 0 ] && [ "$(param exit_np)" -ge 1 ] &&
		   [ "$(param last_np_errcode)" = 24 ]; then
			xl_pass probe-np-exit-counted
		else
			xl_fail probe-np-exit-counted "eb=$eb exit_np=$(param exit_np) err=$(param last_np_errcode)"
		fi
	fi
	rmmod xlprobe 2>/dev/null
	# IPMODIFY on vmx_handle_exit: the #NP exit handled by the module.
	if run_probe probe-ipmodify-takes-exit skipped mode=2; then
		if [ "$(param np_handled)" = 1 ] && [ "$(param exit_np)" = 1 ]; then
			xl_pass probe-np-handled-once
		else
			xl_fail probe-np-handled-once "np_handled=$(param np_handled) exit_np=$(param exit_np)"
		fi
	fi
	rmmod xlprobe 2>/dev/null
	e9 probe-rmmod-done
	xl_check_fails probe-unloaded test -d /sys/module/xlprobe
	xl_check probe-np-native-after-rmmod kvm-np guest
	dmesg | grep xlprobe | sed 's/^/    /'
	e9 probe-end
	# ELI's direct mode in miniature (xlprobe mode=3).
	_nd=${XL_NO_DONE:-}
	XL_NO_DONE=1
	. /tests/bochs-direct.sh
	XL_NO_DONE=$_nd
fi
[ -n "${XL_NO_DONE:-}" ] || xl_done
