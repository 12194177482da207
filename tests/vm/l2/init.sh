#!/bin/busybox sh
# /init of the Linux guest (L2) the Bochs test bochs-l2 runs under QEMU/KVM
# inside the emulated host (tests/vm/guest/bochs-l2.sh, tests/vm/prep-l2.sh).
# Prints on its console (QEMU's serial, a pipe the host reads):
#   XLL2 up ...              /init reached, the guest's uptime
#   XLL2 device ...          its virtio-rng's config interrupt: IRQ and
#                            the vector Linux gave it (irq_vectors trace)
#   XLL2 guestmod-unattached rc=N: exitless_guest.ko loaded before the
#                            host attached (must fail) and its message
#   XLL2 READY               then runs each line the host writes to the
#                            console as a command, ending with XLL2-END
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing
echo "XLL2 up uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
# The vector of each IRQ as Linux's vector domain assigns it.
echo 1 >/sys/kernel/tracing/events/irq_vectors/vector_config/enable
for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m" || echo "XLL2 insmod $m failed"
done
irq=$(sed -n 's/^ *\([0-9]*\):.*virtio0-config$/\1/p' /proc/interrupts)
vec=$(sed -n "s/.*vector_config: irq=$irq vector=\([0-9]*\) .*/\1/p" /sys/kernel/tracing/trace | tail -1)
echo 0 >/sys/kernel/tracing/events/irq_vectors/vector_config/enable
echo "XLL2 device virtio0-config irq=${irq:-none} vector=${vec:-none}"
insmod /lib/modules/exitless_guest.ko 2>/dev/null
rc=$?
echo "XLL2 guestmod-unattached rc=$rc $(dmesg | grep exitless_guest | tail -1)"
stty -echo 2>/dev/null
echo "XLL2 READY uptime=$(cut -d' ' -f1 /proc/uptime)"
while read -r line; do
	eval "$line"
	echo "XLL2-END"
done
poweroff -f
