# Bochs rig: ELI's direct mode in miniature with xlprobe mode=3 (see
# tests/vm/bochs/vmx-probe/xlprobe.c): external-interrupt exiting off
# while kvm-np --loop runs with interrupts enabled; host interrupts that
# arrive meanwhile go through the guest's IDT, hit not-present gates, exit
# as #NP and are re-raised on the host.  Standalone (xltest=bochs-direct)
# or sourced by bochs-probe.sh.
command -v xl_done >/dev/null 2>&1 || . /tests/lib.sh
ko=/lib/xlprobe.ko
loops=$(sed -n 's/.*xl_direct_loops=\([0-9]*\).*/\1/p' /proc/cmdline)
loops=${loops:-20000000}
p() { cat "/sys/module/xlprobe/parameters/$1"; }
pall() {
	_l=
	for f in /sys/module/xlprobe/parameters/*; do
		_l="$_l $(basename "$f")=$(cat "$f")"
	done
	echo "XLINFO xlprobe[$1]$_l"
}
if [ ! -f "$ko" ] || ! command -v kvm-np >/dev/null; then
	xl_skip direct "no xlprobe.ko or kvm-np in the initramfs"
elif ! { . /tests/bochs-kvm.sh && xl_kvm_intel >/dev/null 2>&1; } || [ ! -c /dev/kvm ]; then
	xl_skip direct "kvm_intel does not load here"
else
	command -v xl-e9 >/dev/null && xl-e9 "XLE9 direct-start"
	loc0=$(awk '/LOC:/ {s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s}' /proc/interrupts)
	if insmod "$ko" mode=3 trace=1 direct_budget=200; then
		command -v xl-e9 >/dev/null && xl-e9 "XLE9 direct-loaded"
		out=$(kvm-np --loop "$loops" loop-done 2>&1)
		rc=$?
		command -v xl-e9 >/dev/null && xl-e9 "XLE9 direct-kvm-np-done rc=$rc"
		echo "    $out"
		pall direct
		ext=$(p exit_extint) rr=$(p direct_reraised) np=$(p exit_np)
		pin=$(p last_pin_after) ended=$(p direct_ended) isr=$(p direct_isr_set)
		other=$(p direct_other_exit)
		# Host vectors came through the guest's IDT (acknowledged by
		# the CPU: ISR bit set) and were re-raised on the host; the
		# guest finished.  While direct mode lasted (until the guard
		# budget, if used up) there was no external-interrupt exit.
		why=
		[ $rc = 0 ] || why="$why kvm-np rc=$rc;"
		[ "$rr" -gt 0 ] || why="$why no host interrupt re-raised;"
		[ "$isr" = "$rr" ] || why="$why $isr of $rr re-raised vectors had their ISR bit set;"
		[ $((np + other)) -ge "$rr" ] || why="$why re-raised more than #NP+other exits;"
		[ "$ended" = 1 ] || [ "$ext" = 0 ] || why="$why $ext external-interrupt exits in direct mode;"
		echo "XLINFO direct reraised=$rr np_exits=$np other_exits=$other isr_set=$isr guard_ended=$ended extint_exits=$ext pin_after=$pin"
		if [ -z "$why" ]; then
			xl_pass direct-host-irqs-via-guest-idt-reraised
		else
			xl_fail direct-host-irqs-via-guest-idt-reraised "$why"
		fi
		rmmod xlprobe
	else
		xl_fail direct-host-irqs-via-guest-idt-reraised "insmod xlprobe mode=3 failed"
	fi
	loc1=$(awk '/LOC:/ {s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s}' /proc/interrupts)
	echo "XLINFO direct LOC timer interrupts before=$loc0 after=$loc1"
	if [ "$loc1" -gt "$loc0" ]; then
		xl_pass direct-host-timer-alive
	else
		xl_fail direct-host-timer-alive "LOC $loc0 -> $loc1"
	fi
	command -v xl-e9 >/dev/null && xl-e9 "XLE9 direct-end"
fi
[ -n "${XL_NO_DONE:-}" ] || xl_done
