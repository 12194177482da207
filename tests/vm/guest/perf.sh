# perf sees exitless.ko's tracepoints: `perf list 'exitless:*'` and
# `perf record -e 'exitless:*'` around a real attach/mode/irq/detach run.
. /tests/lib.sh
P=$(ls /usr/bin/perf* 2>/dev/null | head -1)
if [ -z "$P" ]; then
	xl_fail perf-present "no perf in this initramfs (tests/vm/prep-perf.sh)"
	xl_done
	exit 0
fi
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
xl_check modprobe modprobe exitless
list=$($P list 'exitless:*' 2>&1)
echo "$list" | sed 's/^/    /'
for ev in attach detach mode_change irq_register; do
	echo "$list" | grep -q "exitless:$ev" && xl_pass "perf-list-$ev" || xl_fail "perf-list-$ev" "not in perf list"
done
if [ -c /dev/kvm ]; then
	$P record -q -e 'exitless:*' -a -o /tmp/perf.data -- /usr/bin/xl-kmodtest attach > /tmp/rec.log 2>&1
	rc=$?
	grep -c '^XLTEST PASS' /tmp/rec.log | sed 's/^/    attach test passes under perf: /'
	[ $rc = 0 ] && xl_pass perf-record || xl_fail perf-record "rc $rc: $(grep -v '^XLTEST PASS' /tmp/rec.log | tail -3)"
	s=$($P script -i /tmp/perf.data 2>&1)
	for ev in attach detach mode_change irq_register; do
		n=$(echo "$s" | grep -c "exitless:$ev:")
		[ "$n" -gt 0 ] && xl_pass "perf-script-$ev: $n" || xl_fail "perf-script-$ev" "no exitless:$ev sample"
	done
	echo "$s" | grep 'exitless:mode_change:' | head -2 | sed 's/^/    /'
else
	xl_skip perf-record "/dev/kvm absent: no attach to record"
fi
xl_check rmmod rmmod exitless
xl_done
