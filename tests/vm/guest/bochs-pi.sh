# Bochs rig: `pi` refused for the right reason. Bochs 2.7 emulates VT-x
# without posted-interrupt processing (pin-based allowed-1 bit 7 clear),
# kvm_intel loads with enable_apicv=N and there is no IOMMU, so `exitless
# caps` must say so and `exitless attach --mode pi` on a KVM VM must be
# refused naming the CPU, leaving the VM attachable in baseline.
# Standalone: tests/vm/bochs-run.sh bochs-pi; or sourced with XL_NO_DONE=1.
. /tests/lib.sh
X=/usr/bin/exitless
D=/sys/kernel/debug/exitless

modprobe kvm_intel 2>/dev/null
if ! modprobe exitless 2>/dev/null || [ ! -c /dev/kvm ]; then
	xl_skip pi-bochs "exitless.ko or /dev/kvm not available"
else
	out=$($X caps 2>&1)
	echo "$out" | sed 's/^/    /'
	echo "$out" | grep -q '^vmx 1$' && xl_pass pi-caps-vmx || xl_fail pi-caps-vmx "no 'vmx 1'"
	echo "$out" | grep -q '^cpu_posted_intr 0$' && xl_pass pi-caps-no-cpu-pi ||
		xl_fail pi-caps-no-cpu-pi "no 'cpu_posted_intr 0'"
	echo "$out" | grep -q '^pi_missing .*CPU lacks posted-interrupt processing' &&
		xl_pass pi-caps-names-cpu || xl_fail pi-caps-names-cpu "pi_missing does not name the CPU"
	grep -q N /sys/module/kvm_intel/parameters/enable_apicv 2>/dev/null &&
		{ echo "$out" | grep -q '^pi_missing .*APICv is off in kvm_intel' &&
		xl_pass pi-caps-names-apicv || xl_fail pi-caps-names-apicv "pi_missing does not name APICv"; }
	xl-kmodtest vm >/tmp/pivm.log 2>&1 &
	V=$!
	i=0
	while ! grep -q '^vm:' /tmp/pivm.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	out=$($X attach --pid $V --mode pi --for 1 2>&1)
	rc=$?
	[ $rc = 3 ] && echo "$out" | grep -q 'refused, the VM keeps its mode' &&
		xl_pass pi-attach-refused || xl_fail pi-attach-refused "rc $rc: $out"
	dmesg | grep "mode 'pi' refused" | tail -1 | grep -q "stays in 'baseline': CPU lacks posted-interrupt processing" &&
		xl_pass pi-dmesg-names-cpu || xl_fail pi-dmesg-names-cpu "$(dmesg | grep "mode 'pi'" | tail -1)"
	grep -q '^attached 0$' $D/counters && xl_pass pi-refused-cleaned-up ||
		xl_fail pi-refused-cleaned-up "$(cat $D/counters)"
	out=$($X attach --pid $V --for 1 2>&1)
	[ $? = 0 ] && xl_pass pi-baseline-after || xl_fail pi-baseline-after "$out"
	kill $V 2>/dev/null
	wait $V 2>/dev/null
	rmmod exitless && xl_pass pi-rmmod || xl_fail pi-rmmod "rmmod exitless"
fi
[ -n "${XL_NO_DONE:-}" ] || xl_done
