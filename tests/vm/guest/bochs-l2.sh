# Bochs rig: a real Linux guest (L2) under QEMU/KVM inside the emulated
# host, with exitless_guest.ko (kmod/guest/) registering its shadow-IDT
# page; exitless.ko (experimental=1 selftest=1) attached to that QEMU with
# `exitless attach --pid`. Overlay from tests/vm/prep-l2.sh (QEMU, the
# same pinned kernel, the guest's initramfs tests/vm/l2/init.sh).
#
# The interrupts: the guest's virtio-rng-pci config interrupt (MSI-X,
# "virtio0-config" in its /proc/interrupts), whose Linux handler
# (virtio_pci's vp_config_changed) handles every one. exitless.ko's test
# device (debugfs selftest) stands in for a passthrough device's MSI: a
# physical interrupt on a host vector of the VM's own on the vCPU's CPU,
# sent from the other CPU, reaching the guest as that guest vector: in
# baseline through the host handler and KVM's injection, in eli through
# the shadow IDT; in did a virtual interrupt of that vector becomes a
# physical IPI. Counted by the guest (/proc/interrupts) and by KVM
# (debugfs kvm/PID-FD/exits).
#   XLL2 {json}: the figures, saved by the host side (tests/vm/bochs/l2-result.py)
# Standalone (xltest=bochs-l2) or sourced with XL_NO_DONE=1.
command -v xl_done >/dev/null 2>&1 || . /tests/lib.sh
. /tests/bochs-kvm.sh

l2_e9() { command -v xl-e9 >/dev/null && xl-e9 "XLE9 $*"; }
L2LOG=/tmp/l2.log
L2N=${XL_L2_COUNT:-$(sed -n 's/.*xl_l2_count=\([0-9]*\).*/\1/p' /proc/cmdline)}
L2N=${L2N:-1000}
ST=/sys/kernel/debug/exitless/selftest
# xl_l2_verbose: the guest kernel's log on its console (slower: an exit to
# QEMU per character)
grep -q xl_l2_verbose /proc/cmdline && XL_L2_QUIET="earlyprintk=ttyS0"

# l2_wait PATTERN TRIES: until the guest's console has PATTERN (0.1 s steps)
l2_wait() {
	local i=0
	while ! grep -q "$1" "$L2LOG" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -ge "$2" ] && return 1
		kill -0 "$QPID" 2>/dev/null || return 1
		# how far the guest got: on the console, and with host
		# seconds (port 0xE9)
		if [ $((i % 300)) = 0 ]; then
			_d=$(echo /sys/kernel/debug/kvm/"$QPID"-*)
			_p="l2-wait $((i / 10)) s: $(wc -c <"$L2LOG") bytes from the guest: $(tail -c 60 "$L2LOG" | tr -dc '[:print:]'); KVM exits $(cat "$_d/exits" 2>/dev/null) io $(cat "$_d/io_exits" 2>/dev/null) mmio $(cat "$_d/mmio_exits" 2>/dev/null) irq $(cat "$_d/irq_exits" 2>/dev/null) halt $(cat "$_d/halt_exits" 2>/dev/null)"
			echo "XLINFO $_p"
			l2_e9 "$_p"
		fi
		sleep 0.1
	done
	return 0
}

# l2_cmd CMD: runs CMD in the guest; its output on stdout
l2_cmd() {
	local n0 l0 i=0
	n0=$(grep -c '^XLL2-END' "$L2LOG")
	l0=$(wc -l <"$L2LOG")
	echo "$1" >/tmp/l2.in
	while [ "$(grep -c '^XLL2-END' "$L2LOG")" -le "$n0" ]; do
		i=$((i + 1))
		[ "$i" -ge 600 ] && return 1
		sleep 0.1
	done
	tail -n +"$((l0 + 1))" "$L2LOG" | tr -d '\r' | sed '/^XLL2-END/,$d'
}

l2_guest_irqs() {
	l2_cmd "grep virtio0-config /proc/interrupts" |
		awk '/virtio0-config/ {s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; print s}'
}

l2_exits() {
	cat /sys/kernel/debug/kvm/"$QPID"-*/exits 2>/dev/null | head -1
}

l2_hooks_line() {
	sed -n "s/^  $1/&/p" /sys/kernel/debug/exitless/hooks | head -1
}

# Exits for the host's own interrupts on the vCPU's CPU (every vector of
# debugfs hooks' np_exits_by_vector and extint_exits_by_vector but the
# test device's host vector): in eli and did a host interrupt that finds
# the vCPU in the guest is an exit in every mode, taken out as
# eli-result.py takes it out of xl-elitest's batches.
l2_hostirq_exits() {
	local hv
	hv=$(sed -n 's/.*testdev irq [0-9]* host_vector \(0x[0-9a-f]*\) .*/\1/p' /sys/kernel/debug/exitless/hooks | head -1)
	grep -E '^  (np|extint)_exits_by_vector' /sys/kernel/debug/exitless/hooks |
		awk -v hv="$hv" '{for (i = 2; i <= NF; i++) {split($i, a, ":"); if (a[1] != hv) s += a[2]}} END {print s + 0}'
}

# l2_batch NAME CMD...: L2N interrupts, CMD written to the selftest file
# for each by xl-fire (tests/vm/bochs/xl-fire.c) from the other CPU, back to back
# with a short pause loop between them. Then the same time idle in the
# same mode: the exits the guest and the guard cost without interrupts.
l2_batch() {
	local name=$1 g0 g1 x0 x1 i0 i1 h0 h1 out sent busy secs
	shift
	g0=$(l2_guest_irqs)
	sleep 0.2
	h0=$(l2_hostirq_exits)
	x0=$(l2_exits)
	out=$(taskset -c "$FIRECPU" xl-fire "$L2N" "${XL_L2_SPIN:-5000}" "$@" 2>&1)
	x1=$(l2_exits)
	h1=$(l2_hostirq_exits)
	sent=$(echo "$out" | sed -n 's/^sent \([0-9]*\) .*/\1/p')
	busy=$(echo "$out" | sed -n 's/.* busy \([0-9]*\) .*/\1/p')
	secs=$(echo "$out" | sed -n 's/.* seconds \([0-9.]*\)$/\1/p')
	i0=$(l2_exits)
	sleep "${secs:-0}"
	i1=$(l2_exits)
	sleep 0.2
	g1=$(l2_guest_irqs)
	local handled=$((g1 - g0)) exits=$((x1 - x0)) idle=$((i1 - i0))
	sent=${sent:-0}
	local hostirq=$((h1 - h0))
	echo "XLINFO l2 batch $name: sent $sent (refused busy ${busy:-?}) in ${secs:-?} s, guest handled $handled, KVM exits $exits, $hostirq of them for host interrupts; idle for as long: $idle exits"
	L2JSON="$L2JSON${L2JSON:+,}{\"batch\":\"$name\",\"sent\":$sent,\"handled\":$handled,\"exits\":$exits,\"host_irq_exits\":$hostirq,\"seconds\":${secs:-0},\"idle_exits\":$idle}"
	if [ "$handled" -ge "$sent" ] && [ "$sent" -gt 0 ]; then
		xl_pass "l2-$name-handled"
	else
		xl_fail "l2-$name-handled" "$handled of $sent counted by the guest"
	fi
	L2_LAST_EXITS=$exits
	L2_LAST_IDLE=$idle
	L2_LAST_HOST=$hostirq
	L2_LAST_SENT=$sent
}

l2_main() {
	local t0 t1 mode_out vcpu_tid
	xl_kvm_intel || { xl_fail l2-kvm-intel "modprobe kvm_intel failed"; return 1; }
	modprobe exitless experimental=1 selftest=1 ||
		{ xl_fail l2-exitless-load "modprobe exitless failed"; return 1; }
	[ -x /usr/bin/qemu-system-x86_64 ] ||
		{ xl_skip l2-boot "no QEMU in the initramfs (tests/vm/prep-l2.sh overlay)"; return 0; }
	rm -f /tmp/l2.in /tmp/l2.out "$L2LOG"
	mkfifo /tmp/l2.in /tmp/l2.out
	# the guest's console, also on ours as it comes (its lines as they are)
	if [ "${XL_L2_QUIET-quiet}" != quiet ]; then
		tee "$L2LOG" </tmp/l2.out &
	else
		cat /tmp/l2.out >"$L2LOG" &
	fi
	# -M pc with qboot and -kernel at the PVH entry: no SeaBIOS, no
	# decompressor; two vCPUs (the second for the guest module's CPU
	# hotplug, offline during the batches), no default devices, the
	# console a pipe, thread names ("CPU 0/KVM"); idle=poll: the guest
	# never halts, so its interrupts find it running, as a busy guest's.
	# kvm-pv-eoi=off: with KVM's paravirtual EOI the guest EOIs an
	# injected interrupt without an exit, KVM sees it only at the next
	# exit, and eli keeps the vCPU in injection mode until then (each
	# device interrupt meanwhile an exit); ELI intercepts that EOI.
	t0=$(cut -d' ' -f1 /proc/uptime)
	l2_e9 l2-qemu-start
	qemu-system-x86_64 -accel kvm -M pc -cpu host,kvm-pv-eoi=off -smp 2 -m 160 \
		-no-reboot -nodefaults -no-user-config -display none \
		-name l2,debug-threads=on \
		-bios /usr/share/qemu/qboot.rom -L /usr/share/qemu \
		-kernel /l2/vmlinux -initrd /l2/initrd.cpio.gz \
		-append "console=ttyS0 ${XL_L2_QUIET-quiet} panic=-1 idle=poll mitigations=off clearcpuid=avx512f" \
		-chardev pipe,id=con,path=/tmp/l2 -serial chardev:con \
		-device virtio-rng-pci >/tmp/qemu.err 2>&1 &
	QPID=$!
	if ! l2_wait "XLL2 READY" 20000; then
		l2_e9 l2-boot-failed
		xl_fail l2-boot "the guest did not come up: $(tail -c 600 "$L2LOG" | tr '\n' '|') qemu: $(tail -c 300 /tmp/qemu.err | tr '\n' '|')"
		kill "$QPID" 2>/dev/null
		return 1
	fi
	l2_e9 l2-ready
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "XLINFO l2 boot: QEMU start to the guest's /init done in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s of host uptime; $(grep '^XLL2 up' "$L2LOG" | tr -d '\r'); $(grep '^XLL2 READY' "$L2LOG" | tr -d '\r')"
	xl_pass l2-boot
	grep '^XLL2 ' "$L2LOG" | tr -d '\r' | sed 's/^/XLINFO /'
	GVEC=$(sed -n 's/^XLL2 device virtio0-config irq=[0-9]* vector=\([0-9]*\).*/\1/p' "$L2LOG" | tr -d '\r')
	[ -n "$GVEC" ] || { xl_fail l2-device "no vector for virtio0-config"; kill "$QPID"; return 1; }
	xl_pass l2-device

	# Before attach, the guest module must refuse to load, saying why.
	if grep -q '^XLL2 guestmod-unattached rc=[1-9].*not attached' "$L2LOG"; then
		xl_pass l2-guestmod-refused-unattached
	else
		xl_fail l2-guestmod-refused-unattached "$(grep '^XLL2 guestmod' "$L2LOG")"
	fi

	exitless attach --pid "$QPID" >/tmp/attach.log 2>&1 &
	APID=$!
	local i=0
	until grep -q attached /tmp/attach.log; do
		i=$((i + 1))
		[ $i -ge 300 ] && break
		sleep 0.1
	done
	VMID=$(sed -n 's/^exitless attach: vm \([0-9]*\) .*/\1/p' /tmp/attach.log)
	[ -n "$VMID" ] || { xl_fail l2-attach "$(cat /tmp/attach.log)"; kill "$QPID"; return 1; }
	xl_pass l2-attach

	# A guest without the module: reported, and eli/did refused saying so.
	echo "XLINFO l2 hooks before the guest module: $(l2_hooks_line guest_registered)"
	if l2_hooks_line guest_registered | grep -q 'guest_registered no'; then
		xl_pass l2-host-reports-unregistered
	else
		xl_fail l2-host-reports-unregistered "$(l2_hooks_line guest_registered)"
	fi
	for m in eli did; do
		mode_out=$(exitless mode --pid "$QPID" $m 2>&1)
		echo "XLINFO l2 mode $m without the guest module: $mode_out"
		case $mode_out in
		*"has not registered"*) xl_pass "l2-$m-refused-unregistered" ;;
		*) xl_fail "l2-$m-refused-unregistered" "$mode_out" ;;
		esac
	done
	exitless counters | grep -i guest | sed 's/^/XLINFO l2 counters: /'

	# The guest module, now that exitless is attached.
	l2_cmd "insmod /lib/modules/exitless_guest.ko && echo XLL2 guestmod ok; dmesg | grep exitless_guest | tail -1" |
		sed 's/^/XLINFO l2 guest: /'
	echo "XLINFO l2 hooks after the guest module: $(l2_hooks_line guest_registered)"
	if l2_hooks_line guest_registered | grep -q 'guest_registered yes vcpus 0:1 1:1'; then
		xl_pass l2-guestmod-registered
	else
		xl_fail l2-guestmod-registered "$(l2_hooks_line guest_registered)"
	fi
	exitless counters | grep -i guest | sed 's/^/XLINFO l2 counters: /'

	# CPU hotplug in the guest: its vCPU 1 leaves and comes back
	# (cpuhp), then stays offline (halted) for the batches on vCPU 0.
	l2_cmd "echo 0 >/sys/devices/system/cpu/cpu1/online" >/dev/null
	local off on
	off=$(l2_hooks_line guest_registered)
	l2_cmd "echo 1 >/sys/devices/system/cpu/cpu1/online" >/dev/null
	on=$(l2_hooks_line guest_registered)
	echo "XLINFO l2 guest CPU 1 offline: $off; online again: $on"
	case "$off|$on" in
	*"vcpus 0:1 1:0|"*"vcpus 0:1 1:1") xl_pass l2-guestmod-cpu-hotplug ;;
	*) xl_fail l2-guestmod-cpu-hotplug "offline: $off; online: $on" ;;
	esac
	l2_cmd "echo 0 >/sys/devices/system/cpu/cpu1/online" >/dev/null

	# The test device on the CPU vCPU 0 last ran on, the vCPU thread
	# pinned there, the interrupts sent from the other CPU.
	for t in /proc/"$QPID"/task/*; do
		grep -q '^CPU 0/KVM' "$t/comm" 2>/dev/null && vcpu_tid=${t##*/}
	done
	DEVCPU=$(echo "device $VMID $GVEC 0" >"$ST" &&
		sed -n 's/.*testdev irq [0-9]* host_vector 0x[0-9a-f]* cpu \([0-9]*\) .*/\1/p' /sys/kernel/debug/exitless/hooks | head -1)
	if [ -n "$DEVCPU" ] && [ -n "$vcpu_tid" ] &&
	   taskset -p -c "$DEVCPU" "$vcpu_tid" >/dev/null; then
		FIRECPU=$((1 - DEVCPU))
		xl_pass l2-test-device
		echo "XLINFO l2 test device on CPU $DEVCPU with the vCPU thread $vcpu_tid, sent from CPU $FIRECPU"
	else
		xl_fail l2-test-device "selftest device $VMID $GVEC 0 refused, or the vCPU thread ($vcpu_tid) not pinned: $(grep testdev /sys/kernel/debug/exitless/hooks)"
		kill "$QPID"
		return 1
	fi
	sleep 0.5
	L2JSON=
	l2_batch baseline-dev fire "$VMID"
	local base_x=$L2_LAST_EXITS base_s=$L2_LAST_SENT
	for m in eli did; do
		mode_out=$(exitless mode --pid "$QPID" $m 2>&1)
		echo "XLINFO l2 mode $m: $mode_out"
		case $mode_out in
		*": $m") xl_pass "l2-$m-mode" ;;
		*) xl_fail "l2-$m-mode" "$mode_out"; continue ;;
		esac
		sleep 0.5
		grep -E '^  vcpu 0 ' /sys/kernel/debug/exitless/hooks | sed 's/^/XLINFO l2 hooks: /'
		if [ $m = eli ]; then
			l2_batch eli-dev fire "$VMID"
		else
			l2_batch did-virq virq "$VMID" 0 "$GVEC"
		fi
		# the interrupts' own exits (the host's interrupts taken out):
		# fewer than a tenth of baseline's
		if [ $(((L2_LAST_EXITS - L2_LAST_HOST) * 10 * base_s)) -lt $((base_x * L2_LAST_SENT)) ]; then
			xl_pass "l2-$m-fewer-exits"
		else
			xl_fail "l2-$m-fewer-exits" "$L2_LAST_EXITS exits ($L2_LAST_HOST for host interrupts) for $L2_LAST_SENT interrupts, baseline $base_x for $base_s"
		fi
	done
	exitless mode --pid "$QPID" baseline >/dev/null 2>&1
	l2_batch baseline-again fire "$VMID"
	sed -n '/^vm /,$p' /sys/kernel/debug/exitless/hooks | head -30 | sed 's/^/XLINFO l2 hooks: /'
	echo "XLL2 {\"count\":$L2N,\"guest_vector\":$GVEC,\"batches\":[$L2JSON]}"

	# Unloading the guest module gives the page back: reported, refused.
	l2_cmd "rmmod exitless_guest; dmesg | grep exitless_guest | tail -1" | sed 's/^/XLINFO l2 guest: /'
	if l2_hooks_line guest_registered | grep -q 'guest_registered no'; then
		xl_pass l2-guestmod-released
	else
		xl_fail l2-guestmod-released "$(l2_hooks_line guest_registered)"
	fi
	mode_out=$(exitless mode --pid "$QPID" eli 2>&1)
	case $mode_out in
	*"has not registered"*) xl_pass l2-eli-refused-after-release ;;
	*) xl_fail l2-eli-refused-after-release "$mode_out" ;;
	esac

	# no end marker comes back from this one
	echo "poweroff -f" >/tmp/l2.in
	i=0
	# (a zombie answers kill -0: exited is State Z too)
	while grep -q '^State:.*[^Z] (' /proc/"$QPID"/status 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 300 ] && { kill "$QPID"; break; }
		sleep 0.1
	done
	wait "$APID" 2>/dev/null
	l2_e9 l2-done
	sed "s/^/XLINFO l2 attach: /" /tmp/attach.log
	return 0
}

l2_main
[ -n "${XL_NO_DONE:-}" ] || xl_done
