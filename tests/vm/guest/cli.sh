# The exitless tool against exitless.ko: attach --pid (pidfd_getfd of a
# process's KVM VM fd), mode, detach, counters, crash and VM-exit cleanup,
# and the errors when things are missing.
. /tests/lib.sh
X=/usr/bin/exitless
T=/usr/bin/xl-kmodtest
D=/sys/kernel/debug/exitless

if [ ! -x $X ]; then
	xl_fail cli-present "build/exitless not in the initramfs"
	xl_done
	exit 0
fi
out=$($X counters 2>&1)
rc=$?
[ $rc = 3 ] && echo "$out" | grep -q 'is exitless.ko loaded' && xl_pass no-module-message || xl_fail no-module-message "rc $rc: $out"
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
xl_check modprobe modprobe exitless
xl_check counters sh -c "$X counters | grep -q '^abi_version *1$'"
if [ ! -c /dev/kvm ]; then
	xl_skip cli-attach "/dev/kvm absent: kvm_amd/kvm_intel did not load in this VM"
	rmmod exitless
	xl_done
	exit 0
fi

# wait_for FILE PATTERN: up to 5 s
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "$2" "$1" 2>/dev/null
}

$T vm > /tmp/vm.log 2>&1 &
V=$!
wait_for /tmp/vm.log '^vm:' || xl_fail vm-holder "$(cat /tmp/vm.log)"
out=$($X attach --pid $$ --for 1 2>&1)
rc=$?
[ $rc = 3 ] && echo "$out" | grep -q 'no anon_inode:kvm-vm' && xl_pass attach-non-vm-process || xl_fail attach-non-vm-process "rc $rc: $out"
out=$($X attach --pid 999999 --for 1 2>&1)
[ $? = 3 ] && xl_pass attach-no-such-pid || xl_fail attach-no-such-pid "$out"
xl_check_fails attach-bad-mode-name $X attach --pid $V --mode fast
out=$($X attach --pid $V --mode eli --for 1 2>&1)
rc=$?
# no kvm_intel here: exitless.ko's own reason, not the tool's guess
[ $rc = 3 ] && echo "$out" | grep -q "refused by exitless.ko: mode 'eli' is not available: it needs the VMX entry/exit hooks" && xl_pass attach-mode-eli-refused || xl_fail attach-mode-eli-refused "rc $rc: $out"
grep -q '^attached 0$' $D/counters && xl_pass refused-attach-cleaned-up || xl_fail refused-attach-cleaned-up "$(cat $D/counters)"

$X attach --pid $V --for 60 > /tmp/a.log 2>&1 &
A=$!
wait_for /tmp/a.log 'attached, mode baseline' && xl_pass attach-pid || xl_fail attach-pid "$(cat /tmp/a.log)"
grep -q "^[0-9]* $V baseline " $D/vms && xl_pass debugfs-vm-pid || xl_fail debugfs-vm-pid "$(cat $D/vms)"
out=$($X attach --pid $V --for 1 2>&1)
[ $? = 1 ] && echo "$out" | grep -q 'already attached' && xl_pass attach-twice-refused || xl_fail attach-twice-refused "$out"
out=$($X mode --pid $V did 2>&1)
rc=$?
[ $rc = 3 ] && echo "$out" | grep -q "refused by exitless.ko: mode 'did' is not available: it needs the VMX entry/exit hooks" && xl_pass mode-did-refused || xl_fail mode-did-refused "rc $rc: $out"
xl_check mode-baseline $X mode --pid $V baseline
grep -q "^[0-9]* $V baseline 1 1" $D/vms && xl_pass mode-counted || xl_fail mode-counted "$(cat $D/vms)"
xl_check counters-json sh -c "$X counters --json | grep -q '\"attached\": *1[,]*$'"
xl_check detach $X detach --pid $V
wait $A
rc=$?
[ $rc = 0 ] && grep -q 'detached' /tmp/a.log && xl_pass attach-exited-after-detach || xl_fail attach-exited-after-detach "rc $rc: $(tail -3 /tmp/a.log)"
grep -q '^attached 0$' $D/counters && xl_pass detached-in-module || xl_fail detached-in-module "$(cat $D/counters)"
xl_check_fails detach-nothing-held $X detach --pid $V

# The tool is killed while attached: closing the file detaches.
irq=$(awk -F: 'NR > 1 && $1 + 0 > 0 {print $1 + 0; exit}' /proc/interrupts)
$X attach --pid $V --irq $irq > /tmp/a2.log 2>&1 &
A=$!
wait_for /tmp/a2.log 'attached, mode baseline, 1 irqs' || xl_fail attach-irq "$(cat /tmp/a2.log)"
grep -q '^irqs_registered_now 1$' $D/counters && xl_pass attach-irq || xl_fail attach-irq "$(cat $D/counters)"
kill -9 $A
wait $A 2>/dev/null
grep -q '^attached 0$' $D/counters && grep -q '^irqs_registered_now 0$' $D/counters && xl_pass killed-tool-detached || xl_fail killed-tool-detached "$(cat $D/counters)"

# --device BDF: the device's VFIO MSI/MSI-X IRQs from /proc/interrupts,
# looked up again at every `exitless mode`. A stand-in /proc/interrupts
# (XL_PROC_INTERRUPTS) names two real IRQs of this host as vfio-msix of a
# device, then one, then none, as a guest enabling and dropping MSI-X would.
irqs=$(awk -F: 'NR > 1 && $1 + 0 > 0 {print $1 + 0}' /proc/interrupts | head -2)
i1=$(echo "$irqs" | sed -n 1p)
i2=$(echo "$irqs" | sed -n 2p)
P=/tmp/fake-interrupts
fake() {
	echo "           CPU0" >$P
	for q in "$@"; do
		echo " $q:  1  IR-PCI-MSIX-0000:00:09.0  0-edge  vfio-msix[0](0000:00:09.0)" >>$P
	done
	echo " $((i1 + i2 + 100)):  1  IR-PCI-MSIX-0000:00:0a.0  0-edge  vfio-msix[0](0000:00:0a.0)" >>$P
	echo " LOC:  5  Local timer interrupts" >>$P
}
fake "$i1" "$i2"
XL_PROC_INTERRUPTS=$P $X attach --pid $V --device 00:09.0 --for 60 > /tmp/a4.log 2>&1 &
A=$!
wait_for /tmp/a4.log 'attached, mode baseline, 2 irqs' && grep -q "^[0-9]* $V baseline 0 0 $i1,$i2$" $D/vms &&
	xl_pass attach-device-irqs || xl_fail attach-device-irqs "$(cat /tmp/a4.log; cat $D/vms)"
fake "$i2"
$X mode --pid $V baseline >/dev/null 2>&1
grep -q "^[0-9]* $V baseline 1 0 $i2$" $D/vms && xl_pass mode-follows-device-irqs ||
	xl_fail mode-follows-device-irqs "$(cat /tmp/a4.log; cat $D/vms)"
fake
$X mode --pid $V baseline >/dev/null 2>&1
grep -q "^[0-9]* $V baseline 2 0$" $D/vms && grep -q 'no VFIO MSI/MSI-X IRQs now' /tmp/a4.log &&
	xl_pass device-irqs-dropped || xl_fail device-irqs-dropped "$(cat /tmp/a4.log; cat $D/vms)"
$X detach --pid $V
wait $A
xl_check_fails attach-device-bad-bdf $X attach --pid $V --device 00:09
out=$(XL_PROC_INTERRUPTS=/nonexistent $X attach --pid $V --device 00:09.0 --for 1 2>&1)
[ $? != 0 ] && echo "$out" | grep -q '/proc/interrupts: No such file' && grep -q '^attached 0$' $D/counters &&
	xl_pass attach-device-no-interrupts-file || xl_fail attach-device-no-interrupts-file "$out"

# The VM process exits while attached: the attach command notices and ends.
$X attach --pid $V > /tmp/a3.log 2>&1 &
A=$!
wait_for /tmp/a3.log 'attached' || xl_fail attach-3 "$(cat /tmp/a3.log)"
kill -9 $V
wait $V 2>/dev/null
wait_for /tmp/a3.log 'detached' && grep -q 'exited' /tmp/a3.log && xl_pass vm-exit-detaches || xl_fail vm-exit-detaches "$(cat /tmp/a3.log)"
wait $A 2>/dev/null
grep -q '^attached 0$' $D/counters && xl_pass vm-exit-module-clean || xl_fail vm-exit-module-clean "$(cat $D/counters)"
xl_check rmmod rmmod exitless
xl_done
