# VM test "vfio": `exitless assign` / `assign --test` / `release` on the
# rig's e1000e (00:03.0, alone in its IOMMU group under QEMU's intel-iommu),
# and the error cases. Needs the initramfs of tests/vm/prep-vfio.sh
# (vfio-pci, vfio_iommu_type1).
. /tests/lib.sh
BDF=0000:00:03.0
DEV=/sys/bus/pci/devices/$BDF
drv() { basename "$(readlink "$DEV/driver" 2>/dev/null)" 2>/dev/null; }

# run NAME RC PATTERN CMD...: pass when CMD exits RC and its output
# (stdout+stderr) matches the extended regex PATTERN.
run() {
	_n=$1 _want=$2 _pat=$3
	shift 3
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" = "$_want" ] && echo "$_out" | grep -qE "$_pat"; then
		xl_pass "$_n"
	else
		echo "$_out" | tail -15 | sed 's/^/    /'
		xl_fail "$_n" "'$*' exited $_rc (want $_want, output matching '$_pat')"
	fi
}

modprobe e1000e
[ "$(drv)" = e1000e ] && xl_pass e1000e-bound || xl_fail e1000e-bound "driver '$(drv)'"
G=$(basename "$(readlink "$DEV/iommu_group")")
[ -n "$G" ] && xl_pass iommu-group || xl_fail iommu-group "no iommu_group for $BDF"

# Errors first, while nothing is assigned.
run usage-no-bdf 2 'usage: exitless assign' exitless assign
run help 0 'driver_override' exitless assign --help
run bad-bdf-syntax 2 "bad PCI address '00:03'" exitless assign 00:03
run bad-bdf-device 2 'bad PCI address' exitless assign 0000:00:20.0
run bad-bdf-junk 2 'bad PCI address' exitless release 0000:00:03.0x
run no-such-device 3 'no such PCI device 0000:05:00.0' exitless assign 0000:05:00.0
run release-not-assigned 1 'not assigned \(driver e1000e\)' exitless release $BDF
[ "$(drv)" = e1000e ] && xl_pass errors-left-driver || xl_fail errors-left-driver "driver '$(drv)'"

# A group that is not viable: a fake sysfs tree (XL_SYSFS_ROOT) where a
# second member of the group is still bound to e1000e. Bridges are exempt.
F=/tmp/fakesys
mkdir -p $F/sys/kernel/iommu_groups/7/devices $F/sys/bus/pci/drivers/e1000e \
	$F/sys/bus/pci/drivers/pcieport
for d in 0000:01:00.0 0000:01:00.1 0000:00:1c.0; do
	mkdir -p $F/sys/devices/$d
	ln -s ../../../devices/$d $F/sys/bus/pci/devices/$d 2>/dev/null ||
		{ mkdir -p $F/sys/bus/pci/devices; ln -s ../../../devices/$d $F/sys/bus/pci/devices/$d; }
	ln -s ../../../kernel/iommu_groups/7 $F/sys/devices/$d/iommu_group
	ln -s ../../../../devices/$d $F/sys/kernel/iommu_groups/7/devices/$d
	echo 0x8086 >$F/sys/devices/$d/vendor
	echo 0x10d3 >$F/sys/devices/$d/device
	echo 0x020000 >$F/sys/devices/$d/class
done
echo 0x060400 >$F/sys/devices/0000:00:1c.0/class
ln -s ../../bus/pci/drivers/pcieport $F/sys/devices/0000:00:1c.0/driver
ln -s ../../bus/pci/drivers/e1000e $F/sys/devices/0000:01:00.1/driver
run group-not-viable 3 'group 7 is not viable: 0000:01:00.1 is bound to e1000e' \
	env XL_SYSFS_ROOT=$F exitless assign 01:00.0
rm $F/sys/devices/0000:01:00.1/driver
run group-viable-with-bridge 3 'vfio-pci driver is not available' \
	env XL_SYSFS_ROOT=$F exitless assign 01:00.0
rm -rf $F

# assign (short BDF form), twice.
run assign 0 "$BDF: e1000e -> vfio-pci, /dev/vfio/$G" exitless assign 00:03.0
[ "$(drv)" = vfio-pci ] && xl_pass assign-driver || xl_fail assign-driver "driver '$(drv)'"
[ -c /dev/vfio/$G ] && xl_pass assign-dev-node || xl_fail assign-dev-node "no /dev/vfio/$G"
grep -q '^driver=e1000e$' /run/exitless/assign-$BDF 2>/dev/null &&
	xl_pass assign-state || xl_fail assign-state "$(cat /run/exitless/assign-$BDF 2>&1)"
[ -d /sys/module/vfio_iommu_type1 ] && xl_pass assign-type1-loaded ||
	xl_fail assign-type1-loaded "vfio_iommu_type1 not loaded (softdep)"
run assign-again 0 'already assigned .*original driver e1000e' exitless assign $BDF

# The VFIO uAPI walk with a real interrupt (MSI-X, then MSI).
out=$(exitless assign --test $BDF 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
[ $rc = 0 ] && echo "$out" | grep -q "assign --test $BDF: PASS" &&
	xl_pass assign-test || xl_fail assign-test "exit $rc"
for s in container group iommu dma-map device-fd config bar0 bus-master reset dma-unmap fds; do
	echo "$out" | grep -qE "^  ok +$s " && xl_pass "test-step-$s" ||
		xl_fail "test-step-$s" "no ok line for $s"
done
n=$(echo "$out" | grep -cE '^  ok +irq-delivered ')
[ "$n" = 2 ] && xl_pass test-irq-msix-and-msi || xl_fail test-irq-msix-and-msi "$n of 2 interrupts reached the eventfd"
echo "$out" | grep -qE '^  (info|ok) +iommufd ' && xl_pass test-iommufd-reported ||
	xl_fail test-iommufd-reported "no iommufd line"
json=$(exitless assign --test --json $BDF 2>&1)
rc=$?
if [ $rc = 0 ] && echo "$json" | grep -qE '"verdict": *"pass"' &&
	[ "$(echo "$json" | head -c1)" = "{" ] &&
	[ "$(echo "$json" | grep -cE '"status": *"ok"')" -ge 14 ]; then
	xl_pass assign-test-json
else
	echo "$json" | tail -20 | sed 's/^/    /'
	xl_fail assign-test-json "exit $rc"
fi
[ "$(drv)" = vfio-pci ] && xl_pass test-kept-assigned || xl_fail test-kept-assigned "driver '$(drv)'"

# release refuses while a process holds the group open.
sleep 30 <>/dev/vfio/$G &
holder=$!
usleep 300000 2>/dev/null || sleep 1
run release-in-use 1 "in use: pid $holder \(sleep\) holds /dev/vfio/$G" exitless release $BDF
kill $holder
wait $holder 2>/dev/null

run release 0 "$BDF: vfio-pci -> e1000e" exitless release $BDF
[ "$(drv)" = e1000e ] && xl_pass release-driver-e1000e || xl_fail release-driver-e1000e "driver '$(drv)'"
ov=$(cat $DEV/driver_override)
[ "$ov" = "(null)" ] && xl_pass release-override-cleared || xl_fail release-override-cleared "driver_override '$ov'"
[ ! -e /run/exitless/assign-$BDF ] && xl_pass release-state-removed || xl_fail release-state-removed "state file left"
ls $DEV/net 2>/dev/null | grep -q . && xl_pass release-netdev-back || xl_fail release-netdev-back "no net interface under $DEV"
run release-again 1 'not assigned \(driver e1000e\)' exitless release $BDF
xl_done
