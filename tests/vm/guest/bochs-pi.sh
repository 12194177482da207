# Bochs rig: `pi` on the emulated APICv host (Bochs 3.0's
# corei7_skylake_x: posted-interrupt processing, virtual-interrupt
# delivery; no IOMMU).
# 1. kvm_intel with enable_apicv=N: `exitless caps` says `pi` lacks APICv
#    and `attach --mode pi` is refused naming it, the VM stays attachable.
# 2. kvm_intel with enable_apicv=Y: `pi` can be entered (caps and
#    --check pi agree), posting an assigned device's IRQs cannot (the
#    IOMMU, named alone); xl-elitest's pi part (tests/vm/src/xl-elitest.c,
#    pi_part): KVM's own posted path (KVM_SIGNAL_MSI) beside virtual
#    interrupts posted by exitless into KVM's descriptor of the vCPU, to
#    the running vCPU and to the halted one, exits counted by KVM.
#    XLPI {json}: the figures, checked and saved by the host side
#    (tests/vm/bochs/eli-result.py --pi).
# kvm_intel is left as bochs-eli.sh wants it (enable_apicv=N).
# Standalone: tests/vm/bochs-run.sh bochs-pi; or sourced by bochs-tier.sh
# with XL_NO_DONE=1.
command -v xl_done >/dev/null 2>&1 || . /tests/lib.sh
X=/usr/bin/exitless
D=/sys/kernel/debug/exitless

e9() { command -v xl-e9 >/dev/null && xl-e9 "XLE9 $*"; }
pi_cmdarg() { sed -n "s/.*$1=\\([A-Za-z0-9_,.-]*\\).*/\\1/p" /proc/cmdline; }

# pi_refused_without_apicv: step 1 (the module is loaded)
pi_refused_without_apicv() {
	local out rc V i
	out=$($X caps 2>&1)
	echo "$out" | sed 's/^/    /'
	echo "$out" | grep -q '^pi no$' && echo "$out" | grep -q '^pi_missing .*APICv is off in kvm_intel' &&
		xl_pass pi-caps-names-apicv || xl_fail pi-caps-names-apicv "no 'pi no' naming APICv"
	xl-kmodtest vm >/tmp/pivm.log 2>&1 &
	V=$!
	i=0
	while ! grep -q '^vm:' /tmp/pivm.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	out=$($X attach --pid $V --mode pi --for 1 2>&1)
	rc=$?
	[ $rc = 3 ] && echo "$out" | grep -q "stays in 'baseline': APICv is off in kvm_intel" &&
		xl_pass pi-attach-refused-names-apicv || xl_fail pi-attach-refused-names-apicv "rc $rc: $out"
	grep -q '^attached 0$' $D/counters && xl_pass pi-refused-cleaned-up ||
		xl_fail pi-refused-cleaned-up "$(cat $D/counters)"
	out=$($X attach --pid $V --for 1 2>&1)
	[ $? = 0 ] && xl_pass pi-baseline-after || xl_fail pi-baseline-after "$out"
	kill $V 2>/dev/null
	wait $V 2>/dev/null
}

# pi_runs_with_apicv: step 2 (kvm_intel with APICv, the module loaded)
pi_runs_with_apicv() {
	local out rc n
	out=$($X caps 2>&1)
	echo "$out" | sed 's/^/    /'
	echo "$out" | grep -q '^cpu_posted_intr 1$' && echo "$out" | grep -q '^kvm_intel_apicv 1$' &&
		echo "$out" | grep -q '^pi yes$' && echo "$out" | grep -q '^pi_missing none$' &&
		xl_pass pi-caps-yes || xl_fail pi-caps-yes "not 'pi yes' with posted interrupts and APICv"
	# posted IRTEs: only VT-d is missing here, and only it is named
	out=$(echo "$out" | sed -n 's/^pi_irte_missing //p')
	case $out in
	*"IOMMU lacks posted interrupts"*)
		if echo "$out" | grep -q -E 'CPU|APICv|hooks=0'; then
			xl_fail pi-caps-irte-names-iommu-only "$out"
		else
			xl_pass pi-caps-irte-names-iommu-only
		fi ;;
	*) xl_fail pi-caps-irte-names-iommu-only "${out:-no pi_irte_missing line}" ;;
	esac
	out=$($X caps --check pi 2>&1)
	rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q '^pi: yes' && xl_pass pi-check-agrees ||
		xl_fail pi-check-agrees "rc $rc: $out"
	n=$(pi_cmdarg xl_eli_count)
	kp=/sys/module/kvm_intel/parameters
	# eli-result.py --pi reads the host's APIC mode and kvm_intel from these
	echo "XLINFO host-apic: $({ dmesg | grep -i x2apic; dmesg | grep -i -E 'apic: '; } |
		grep -v -i 'command line' | head -2 | tr '\n' ' ')"
	echo "XLINFO pi-kvm-intel: enable_apicv=$(cat $kp/enable_apicv) preemption_timer=$(cat $kp/preemption_timer)"
	# 6.12's KVM gives an irqfd its IRQ-bypass producer only with APICv
	# and an IOMMU that posts (kvm_arch_has_irq_bypass): the test MSI
	# cannot be bound here, so the registered-IRQ refusal is skipped
	case $(uname -r) in
	6.12.*) export XL_PI_NO_BYPASS="kernel $(uname -r): KVM binds no IRQ-bypass producer to an irqfd without an IOMMU that posts, so no IRQ can be bound to the VM here" ;;
	esac
	e9 pi-elitest
	xl-elitest "${n:-1000}" pi
	cat $D/pi | sed 's/^/    pi: /'
}

if ! modprobe kvm_intel 2>/dev/null || [ ! -c /dev/kvm ]; then
	xl_skip pi-bochs "kvm_intel or /dev/kvm not available"
elif ! command -v xl-elitest >/dev/null; then
	xl_skip pi-bochs "no xl-elitest in the initramfs"
else
	. /tests/bochs-kvm.sh
	e9 pi-start
	warn0=$(xl_kernel_warnings)
	if xl_kvm_intel >/dev/null && modprobe exitless selftest=1; then
		pi_refused_without_apicv
		rmmod exitless
	else
		xl_fail pi-refused-without-apicv "kvm_intel enable_apicv=N or exitless did not load"
	fi
	if ! grep -qw posted_intr /proc/cpuinfo; then
		xl_skip pi-with-apicv "no posted_intr in the vmx flags (an emulator without posted-interrupt processing)"
	elif xl_kvm_intel enable_apicv=Y preemption_timer=N >/dev/null &&
	     [ "$(cat /sys/module/kvm_intel/parameters/enable_apicv)" = Y ] &&
	     modprobe exitless selftest=1; then
		pi_runs_with_apicv
		rmmod exitless && xl_pass pi-rmmod || xl_fail pi-rmmod "rmmod exitless"
	else
		xl_fail pi-with-apicv "kvm_intel enable_apicv=Y or exitless did not load"
	fi
	xl_no_new_warnings pi-no-kernel-warnings "$warn0"
	xl_check pi-kvm-intel-apicv-off-again xl_kvm_intel
	e9 pi-done
fi
[ -n "${XL_NO_DONE:-}" ] || xl_done
