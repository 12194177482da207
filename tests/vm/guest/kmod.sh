# exitless.ko inside the VM: load, parameters, ioctl ABI, fuzzer,
# attach/detach on a KVM VM fd, rmmod refused while open, unload.
. /tests/lib.sh
T=/usr/bin/xl-kmodtest
KV=$(uname -r)
D=/sys/kernel/debug/exitless

if [ ! -f "/lib/modules/$KV/extra/exitless.ko" ]; then
	xl_fail kmod-present "exitless.ko not in the initramfs (make -C kmod pinned)"
	xl_done
	exit 0
fi
xl_check modinfo-params sh -c "modinfo exitless | grep -q '^parm:.*max_vms:' && modinfo exitless | grep -q '^parm:.*max_irqs:' && modinfo exitless | grep -q '^parm:.*verbose:'"
xl_check_fails insmod-bad-param insmod "/lib/modules/$KV/extra/exitless.ko" max_irqs=0
# KVM: under TCG -cpu max only SVM is emulated; kvm_amd gives /dev/kvm.
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
xl_check modprobe modprobe exitless max_vms=8 verbose=1
xl_check kvm-dependency-loaded grep -q '^kvm ' /proc/modules
xl_check dev-node test -c /dev/exitless
xl_check sysfs-param-max_vms grep -qx 8 /sys/module/exitless/parameters/max_vms
xl_check sysfs-param-max_irqs grep -qx 32 /sys/module/exitless/parameters/max_irqs
xl_check debugfs-counters grep -q '^attached 0$' $D/counters
xl_check tracepoints test -d /sys/kernel/tracing/events/exitless/attach -a -d /sys/kernel/tracing/events/exitless/mode_change -a -d /sys/kernel/tracing/events/exitless/irq_register -a -d /sys/kernel/tracing/events/exitless/detach

$T abi
if [ -c /dev/kvm ]; then
	# trace the attach test: the events must fire
	echo 1 > /sys/kernel/tracing/events/exitless/enable
	$T attach
	echo 0 > /sys/kernel/tracing/events/exitless/enable
	tr=$(cat /sys/kernel/tracing/trace)
	for ev in attach: detach: mode_change: irq_register:; do
		if echo "$tr" | grep -q " $ev "; then
			xl_pass "trace-$ev"
		else
			xl_fail "trace-$ev" "no $ev event in the trace buffer"
		fi
	done
	echo "$tr" | grep -q 'detach: vm=[0-9]* why=close' && xl_pass trace-detach-on-close || xl_fail trace-detach-on-close "no why=close detach"
	dmesg | grep -q 'mode .eli. is not available' && xl_pass mode-rejected-logged || xl_fail mode-rejected-logged "no dmesg line for eli"
else
	xl_skip attach "/dev/kvm absent: kvm_amd/kvm_intel did not load in this VM"
	$T attach
fi
$T fuzz 12345 20000
$T fuzz 777 5000 3
grep -q '^attached 0$' $D/counters && xl_pass debugfs-attached-0-after || xl_fail debugfs-attached-0-after "$(cat $D/counters | tr '\n' ' ')"

# rmmod while a session is open (attached when KVM is there): refused.
$T hold > /tmp/hold.log 2>&1 &
hp=$!
i=0
while ! grep -q '^hold:' /tmp/hold.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat /tmp/hold.log
if [ -c /dev/kvm ]; then
	grep -q '^[0-9]* [0-9]* baseline ' $D/vms && xl_pass debugfs-vms-lists-vm || xl_fail debugfs-vms-lists-vm "$(cat $D/vms)"
fi
if rmmod exitless 2>/tmp/rmmod.err; then
	xl_fail rmmod-refused-while-open "rmmod succeeded with /dev/exitless open"
else
	# busybox rmmod passes O_NONBLOCK: a held module gives EWOULDBLOCK
	grep -qi 'in use\|busy\|temporarily unavailable' /tmp/rmmod.err && xl_pass rmmod-refused-while-open || xl_fail rmmod-refused-while-open "$(cat /tmp/rmmod.err)"
fi
xl_check still-loaded-after-refusal grep -q '^exitless ' /proc/modules
kill -9 $hp
wait $hp 2>/dev/null
xl_check rmmod-after-close rmmod exitless
xl_check dev-node-gone test ! -e /dev/exitless
xl_check debugfs-gone test ! -e $D
xl_check reload modprobe exitless
xl_check rmmod-again rmmod exitless
xl_done
