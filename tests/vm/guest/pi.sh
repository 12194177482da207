# VM test "pi": mode `pi` refused cleanly in the QEMU rig. QEMU's
# intel-iommu has interrupt remapping but no posted interrupts (VT-d
# CAP.PI clear) and TCG's -cpu max has no VMX, so exitless.ko must refuse
# `pi` for a VM with the e1000e's vfio MSI-X host IRQs registered, name
# the IOMMU, and change nothing (mode, IRQs, counters, delivery).
# Needs the initramfs of tests/vm/prep-pi.sh (vfio-pci, xl-pitest).
. /tests/lib.sh
X=/usr/bin/exitless
BDF=0000:00:03.0
D=/sys/kernel/debug/exitless

modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
modprobe e1000e
xl_check modprobe modprobe exitless

# exitless caps: host-wide answer
out=$($X caps 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
[ $rc = 0 ] && echo "$out" | grep -q '^iommu_posting 0$' && xl_pass caps-iommu-no-posting ||
	xl_fail caps-iommu-no-posting "rc $rc"
echo "$out" | grep -q '^pi no$' && xl_pass caps-pi-no || xl_fail caps-pi-no "no 'pi no' line"
echo "$out" | grep -q '^pi_irte no$' && echo "$out" | grep -q '^pi_irte_missing .*IOMMU lacks posted interrupts' &&
	xl_pass caps-names-iommu || xl_fail caps-names-iommu "pi_irte_missing does not name the IOMMU"
grep -q 'vmx' /proc/cpuinfo || { echo "$out" | grep -q '^pi_missing .*no Intel VT-x' &&
	xl_pass caps-names-cpu || xl_fail caps-names-cpu "pi_missing does not name the CPU"; }
out=$($X caps --check pi 2>&1)
rc=$?
[ $rc = 3 ] && echo "$out" | grep -q '^pi: no: ' && echo "$out" | grep -q '^pi_irte: no: .*IOMMU' &&
	xl_pass caps-check-pi-3 ||
	xl_fail caps-check-pi-3 "rc $rc: $out"
out=$($X caps --json 2>&1)
echo "$out" | grep -qE '"iommu_posting": *"0"' && xl_pass caps-json || xl_fail caps-json "$out"

if [ ! -c /dev/kvm ]; then
	xl_skip pi-refusal "/dev/kvm absent"
	xl_done
	exit 0
fi
xl_check assign $X assign $BDF
G=$(basename "$(readlink /sys/bus/pci/devices/$BDF/iommu_group)")
TR=/sys/kernel/tracing
echo 1 >$TR/events/exitless/pi_refused/enable
echo 1 >$TR/events/exitless/pi_irte/enable
dmesg >/tmp/dmesg.before
/usr/bin/xl-pitest $BDF "$G"
rc=$?
[ $rc = 0 ] && xl_pass pitest-exit || xl_fail pitest-exit "xl-pitest exited $rc"
dmesg >/tmp/dmesg.after
msg=$(diff /tmp/dmesg.before /tmp/dmesg.after | grep "mode 'pi' refused")
echo "    $msg"
echo "$msg" | grep -q "VM stays in 'baseline': .*IOMMU lacks posted interrupts" &&
	xl_pass dmesg-refusal-names-iommu || xl_fail dmesg-refusal-names-iommu "no such dmesg line"
n=$(diff /tmp/dmesg.before /tmp/dmesg.after | grep -ciE 'warn|error|bug' )
[ "$n" = 0 ] && xl_pass dmesg-quiet || xl_fail dmesg-quiet "$n warning/error lines"
grep "pi_refused:" $TR/trace | grep -q "mode 'pi': .*IOMMU lacks posted interrupts" &&
	xl_pass trace-pi-refused || xl_fail trace-pi-refused "$(grep exitless $TR/trace | tail -3)"
grep -q "pi_irte:" $TR/trace && xl_fail trace-no-irte-change "an IRTE was touched" ||
	xl_pass trace-no-irte-change
echo 0 >$TR/events/exitless/enable
grep -q '^irte_posts 0$' $D/pi && grep -q '^irte_posted_now 0$' $D/pi &&
	grep -q '^refusals 1$' $D/pi && xl_pass debugfs-pi-counters ||
	xl_fail debugfs-pi-counters "$(cat $D/pi)"
# per-IRQ checks with real KVM routes + irqfds bound to VFIO's producers
/usr/bin/xl-pitest $BDF "$G" routes
rc=$?
[ $rc = 0 ] && xl_pass pitest-routes-exit || xl_fail pitest-routes-exit "xl-pitest routes exited $rc"

# the tool's words for it: attach --mode pi on a KVM VM
xl-kmodtest vm >/tmp/pivm.log 2>&1 &
V=$!
i=0
while ! grep -q '^vm:' /tmp/pivm.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
out=$($X attach --pid $V --mode pi --for 1 2>&1)
rc=$?
# the module's own reason, through XL_IOC_WHY: what this host lacks
[ $rc = 3 ] && echo "$out" | grep -q "refused by exitless.ko: mode 'pi' refused.*stays in 'baseline': CPU has no Intel VT-x" &&
	xl_pass attach-mode-pi-refused || xl_fail attach-mode-pi-refused "rc $rc: $out"
grep -q '^attached 0$' $D/counters && xl_pass refused-attach-cleaned-up ||
	xl_fail refused-attach-cleaned-up "$(cat $D/counters)"
kill $V
wait $V 2>/dev/null
xl_check release $X release $BDF
xl_check rmmod rmmod exitless
xl_done
