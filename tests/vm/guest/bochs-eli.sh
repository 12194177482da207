# Bochs rig: exitless.ko's VMX backend end to end.
# kvm_intel runs on Bochs' emulated VT-x; exitless.ko (experimental=1)
# hooks its VM entry/exit, and xl-elitest (tests/vm/src/xl-elitest.c)
# runs a spinning 64-bit guest through baseline, eli, did, back to
# baseline, and a guest that keeps interrupts off; KVM's own exit
# counters give exits per interrupt. Then a hostile guest (xl-elitest
# hostile: the registration hypercall from CPL 3 and with pages the host
# must not write, descriptor-table instructions at CPL 3 in direct mode,
# KVM_SET_SREGS in direct mode, writes to the shadow IDT), detach of a
# halted and of a paused vCPU (lifetime), two vCPUs in direct mode at
# once and INIT/SIPI between them (smp), and the ioctl
# fuzzer on a VM with a running vCPU (eli_fuzz). Standalone
# (xltest=bochs-eli) or
# sourced by bochs-tier.sh with XL_NO_DONE=1.
#   XLELI {json}: the figures, saved by the host side
command -v xl_done >/dev/null 2>&1 || . /tests/lib.sh

e9() { command -v xl-e9 >/dev/null && xl-e9 "XLE9 $*"; }

# xl-elitest fuzzhold (a running guest attached in eli/did) for up to
# SECONDS, its output in LOG; once it says which fd is its VM: fh_pid and
# fh_fd set, 0. 1 (and the process killed) when it did not get there.
fuzzhold_start() {
	local log=$1 secs=$2 i
	rm -f /tmp/fuzzhold.stop
	xl-elitest 0 fuzzhold "$secs" >"$log" 2>&1 &
	fh_pid=$!
	for i in $(seq 100); do
		fh_fd=$(sed -n 's/^XLINFO fuzzhold pid [0-9]* vm_fd \([0-9]*\)$/\1/p' "$log")
		[ -n "$fh_fd" ] && return 0
		sleep 0.2
	done
	kill "$fh_pid" 2>/dev/null
	return 1
}

# rmmod raced against detach: the process that holds the VM attached in
# eli/did (xl-elitest fuzzhold, whose guest keeps registering its shadow
# page, so its vCPU is often inside exitless' exit handlers, the sleeping
# one included) is killed, and rmmod is retried meanwhile until it goes;
# then the module loads again. Three rounds.
eli_rmmod_race() {
	local exp=$1 round tries
	for round in 1 2 3; do
		fuzzhold_start /tmp/race.log 120 || {
			xl_fail eli-rmmod-race "round $round: xl-elitest fuzzhold did not start"
			return 1
		}
		sleep 1
		kill -9 "$fh_pid"
		tries=0
		until rmmod exitless 2>/dev/null; do
			tries=$((tries + 1))
			[ "$tries" -ge 600 ] && break
			sleep 0.05
		done
		wait "$fh_pid" 2>/dev/null
		if [ "$tries" -ge 600 ]; then
			xl_fail eli-rmmod-race "round $round: rmmod still refused 30 s after the VM's process was killed"
			return 1
		fi
		echo "XLINFO rmmod-race round $round: rmmod went after $tries retries"
		if ! modprobe exitless experimental="$exp" selftest=1; then
			xl_fail eli-rmmod-race "round $round: modprobe again failed"
			return 1
		fi
	done
	xl_pass eli-rmmod-race
}

# The ioctl fuzzer (xl-kmodtest fuzz) beside a VM whose vCPU runs a guest
# kept attached in eli and did by its own process (xl-elitest fuzzhold,
# switching modes every 100 ms): the fuzzer's sessions race to attach it
# and a VM without vCPUs, set every mode and register the host's IRQs.
# XL_ELI_FUZZ calls (xl_eli_fuzz=N on the command line, default 1500) in
# two processes; WARN/BUG/Oops are counted by the caller.
eli_fuzz() {
	local calls r=0

	calls=$(cmdarg xl_eli_fuzz)
	if ! fuzzhold_start /tmp/fuzzhold.log 900; then
		cat /tmp/fuzzhold.log
		xl_fail eli-fuzz-running-vm "xl-elitest fuzzhold did not start"
		return 1
	fi
	xl-kmodtest fuzz 4242 "${calls:-1500}" 2 "$fh_pid:$fh_fd" || r=1
	touch /tmp/fuzzhold.stop
	wait "$fh_pid" || r=1
	grep -E '^XL(TEST|INFO)' /tmp/fuzzhold.log | grep -v hooks
	return $r
}
cmdarg() { sed -n "s/.*$1=\\([A-Za-z0-9_,.-]*\\).*/\\1/p" /proc/cmdline; }
n=$(cmdarg xl_eli_count)
n=${n:-1000}

if ! command -v xl-elitest >/dev/null; then
	xl_skip eli "no xl-elitest in the initramfs"
elif ! { . /tests/bochs-kvm.sh && xl_kvm_intel >/dev/null 2>&1; } || [ ! -c /dev/kvm ]; then
	xl_skip eli "kvm_intel does not load here"
else
	e9 eli-start
	warn0=$(xl_kernel_warnings)
	# The x2APIC lines first: 6.12 starts other APIC lines with "APIC: ".
	echo "XLINFO host-apic: $({ dmesg | grep -i x2apic; dmesg | grep -i -E 'apic: '; } |
		grep -v -i 'command line' | head -2 | tr '\n' ' ')"
	kp=/sys/module/kvm_intel/parameters
	echo "XLINFO eli-kvm-intel: enable_apicv=$(cat $kp/enable_apicv) preemption_timer=$(cat $kp/preemption_timer)"
	cs=/sys/devices/system/clocksource/clocksource0
	echo "XLINFO host-clock: $(cat $cs/current_clocksource) of $(cat $cs/available_clocksource); $(dmesg | grep -i -E 'clocksource|tsc:|lapic|apic timer' | tr '\n' ' ' | cut -c1-900)"
	# xl_eli_exp=0 on the kernel command line: the module as shipped
	# (eli refused), which checks hooks, detach and rmmod alone.
	exp=$(cmdarg xl_eli_exp)
	exp=${exp:-1}
	if modprobe exitless experimental="$exp" selftest=1; then
		xl_pass eli-module-loads
	else
		xl_fail eli-module-loads "modprobe exitless experimental=$exp selftest=1"
	fi
	e9 eli-loaded
	# xl_eli_parts=hostile: only the hostile guest (a shorter boot);
	# xl_eli_parts=compare: only the modes compared (make run);
	# xl_eli_parts=smp|remap|lifetime: only the two-vCPU part, the guest
	# mapping a frame of its own at the shadow IDT's address, or the
	# detach and destroy of a VM whose vCPU is halted or paused
	parts=$(cmdarg xl_eli_parts)
	rc=0
	if [ "$exp" != 1 ]; then
		xl-elitest "$n" refused || rc=$?
	elif [ "$parts" = smp ] || [ "$parts" = remap ] || [ "$parts" = lifetime ]; then
		xl-elitest "$n" "$parts" || rc=$?
	elif [ "${parts:-all}" != hostile ]; then
		xl-elitest "$n" || rc=$?
	fi
	if [ "$exp" = 1 ] && [ "${parts:-all}" != compare ] && [ "$parts" != smp ] && [ "$parts" != remap ] && [ "$parts" != lifetime ]; then
		e9 eli-hostile
		xl-elitest "$n" hostile || rc=$?
		e9 eli-lifetime
		xl-elitest "$n" lifetime || rc=$?
		e9 eli-smp
		xl-elitest "$n" smp || rc=$?
		e9 eli-fuzz
		eli_fuzz || rc=$?
		e9 eli-rmmod-race
		eli_rmmod_race "$exp" || rc=$?
	fi
	e9 eli-done rc=$rc
	cat /sys/kernel/debug/exitless/hooks | sed 's/^/XLINFO hooks[end] /'
	dmesg | grep exitless | tail -40 | sed 's/^/    /'
	if rmmod exitless; then
		xl_pass eli-rmmod
	else
		xl_fail eli-rmmod "rmmod exitless failed"
	fi
	e9 eli-rmmod
	xl_no_new_warnings eli-no-kernel-warnings "$warn0"
	xl_check eli-kvm-guest-after-rmmod kvm-smoke
fi
[ -n "${XL_NO_DONE:-}" ] || xl_done
