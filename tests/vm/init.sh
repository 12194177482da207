#!/bin/busybox sh
# /init of the exitless test VMs (tests/vm/README.md). Runs one test script,
# /tests/$NAME.sh, chosen by xltest=NAME on the kernel command line, then
# checks dmesg for kernel warnings and powers off. Everything the host
# grades is printed on the serial console:
#   XLVM-INIT ...              /init reached
#   XLTEST PASS|FAIL|SKIP ...  from the test (tests/vm/guest/lib.sh)
#   XLTEST DONE ...            the test script ran to its end (xl_done)
#   XLTEST PASS|FAIL dmesg     no WARNING/BUG/Oops in the kernel log
#   XLVM-END                   about to power off
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
ln -sf /proc/self/fd /dev/fd 2>/dev/null
# Loglevel: quiet hides KERN_WARNING on the console; the dmesg check below
# catches those.
TEST=$(sed -n 's/.*xltest=\([A-Za-z0-9_-]*\).*/\1/p' /proc/cmdline)
echo "XLVM-INIT test=$TEST kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) uptime=$(cut -d' ' -f1 /proc/uptime)"
export XLTEST_NAME=$TEST
if [ "$TEST" = shell ]; then
	setsid cttyhack sh
elif [ -f "/tests/$TEST.sh" ]; then
	sh "/tests/$TEST.sh"
	rc=$?
	[ $rc = 0 ] || echo "XLTEST FAIL $TEST-script: exited with status $rc"
else
	echo "XLTEST FAIL $TEST: no /tests/$TEST.sh in the initramfs"
fi
bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection fault|Call Trace:|Kernel panic|UBSAN:|KASAN:|refcount_t:|list_(add|del) corruption' | head -5)
if [ -n "$bad" ]; then
	echo "XLTEST FAIL dmesg: kernel log has warnings:"
	dmesg | tail -60 | sed 's/^/XLVM-DMESG /'
else
	echo "XLTEST PASS dmesg"
fi
echo "XLVM-END uptime=$(cut -d' ' -f1 /proc/uptime)"
# xlsettle=S: wait S seconds (fractions allowed) so a slow UART (Bochs)
# drains the last lines;
# poweroff -f does not wait for the tty buffer.
settle=$(sed -n 's/.*xlsettle=\([0-9.]*\).*/\1/p' /proc/cmdline)
[ -n "$settle" ] && sleep "$settle"
poweroff -f
