# Bochs rig, one boot (a boot costs ~2 minutes, so every VMX check that
# needs no exitless.ko is here): the emulated CPU has VMX, kvm_intel loads
# and runs a KVM guest, then the baseline benchmark of `exitless bench`
# counts real VMX exits per interrupt.  Run by tests/vm/bochs-run.sh.
#   XLINFO lines: facts for the record (vmx flags, kvm_intel parameters)
#   XLBENCH-JSON-BEGIN/END: the benchmark's JSON, saved by the host
#   XLE9 lines go to port 0xE9 (host wall-clock markers, see bochs-run.sh)
command -v xl_done >/dev/null 2>&1 || . /tests/lib.sh

e9() { command -v xl-e9 >/dev/null && xl-e9 "XLE9 $*"; }
e9 script-start

# Bench parameters, overridable on the kernel command line:
# xl_bench_count=N, xl_bench_paths=irqline,msi,irqfd, xl_bench_guest=halt|compute|both
cmdarg() { sed -n "s/.*$1=\\([A-Za-z0-9_,.-]*\\).*/\\1/p" /proc/cmdline; }
count=$(cmdarg xl_bench_count)
count=${count:-1000}
paths=$(cmdarg xl_bench_paths)
guest=$(cmdarg xl_bench_guest)

echo "XLINFO boot-warnings=$(dmesg | grep -c 'WARNING:') cmdline=$(cat /proc/cmdline)"
echo "XLINFO cpus=$(grep -c ^processor /proc/cpuinfo) online=$(cat /sys/devices/system/cpu/online)"
echo "XLINFO model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
vmxflags=$(sed -n 's/^vmx flags[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "XLINFO vmx-flags=$vmxflags"
if grep -qw vmx /proc/cpuinfo; then
	xl_pass cpu-has-vmx
else
	xl_fail cpu-has-vmx "no vmx flag in /proc/cpuinfo"
fi
want=$(cmdarg xl_cpus)
if [ -n "$want" ]; then
	got=$(grep -c ^processor /proc/cpuinfo)
	if [ "$got" = "$want" ]; then
		xl_pass "smp-$want-cpus"
	else
		xl_fail "smp-$want-cpus" "$got CPUs online"
	fi
fi

# The host's APIC mode (x2APIC with the rig's Bochs, xAPIC with nox2apic).
echo "XLINFO host-apic=$(dmesg | grep -v -i 'command line' | grep -m3 -i -E 'x2apic|apic routing' | sed 's/^\[[ 0-9.]*\] //' | paste -sd';' -)"
. /tests/bochs-kvm.sh
# enable_apicv=N preemption_timer=N: the baseline bench runs with the
# settings of eli and did (bochs-eli.sh), so the rows compare.
if xl_kvm_intel >/tmp/kvmi.out 2>&1; then
	xl_pass kvm-intel-loads
else
	tail -5 /tmp/kvmi.out | sed 's/^/    /'
	xl_fail kvm-intel-loads "modprobe kvm_intel enable_apicv=N preemption_timer=N failed"
fi
grep '^XLINFO' /tmp/kvmi.out
e9 kvm-intel-loaded
xl_check dev-kvm test -c /dev/kvm

if [ -c /dev/kvm ]; then
	xl_check kvm-guest-runs kvm-smoke
else
	xl_skip kvm-guest-runs "no /dev/kvm"
fi
e9 kvm-smoke-done

# Baseline: exits per interrupt counted by KVM (binary stats fd) while the
# micro-VM guest takes interrupts on each injection path.
if ! command -v exitless >/dev/null; then
	xl_skip bench-baseline "no exitless tool in the initramfs (make build/exitless)"
elif ! exitless bench --help >/dev/null 2>&1; then
	xl_skip bench-baseline "the exitless tool has no working 'bench' subcommand"
elif [ ! -c /dev/kvm ]; then
	xl_skip bench-baseline "no /dev/kvm"
else
	set -- --json --no-save --count "$count"
	[ -n "$paths" ] && set -- "$@" --paths "$paths"
	[ -n "$guest" ] && set -- "$@" --guest "$guest"
	echo "XLINFO bench-cmd=exitless bench $*"
	# run_bench MARK BLOCK CHECK WHAT -- ARGS: `exitless bench ARGS`
	# between e9 markers MARK-start/-done, its JSON between BLOCK-BEGIN
	# and BLOCK-END lines (the host side reads it), CHECK passes when it
	# ran and printed JSON
	run_bench() {
		local mark=$1 block=$2 check=$3 what=$4 rc
		shift 5
		e9 "$mark-start"
		exitless bench "$@" >/tmp/bench.json 2>/tmp/bench.err
		rc=$?
		e9 "$mark-done rc=$rc"
		echo "$block-BEGIN"
		cat /tmp/bench.json
		echo
		echo "$block-END"
		sed 's/^/    bench stderr: /' /tmp/bench.err | tail -20
		if [ $rc = 0 ] && [ -s /tmp/bench.json ]; then
			xl_pass "$check"
		else
			xl_fail "$check" "$what exited $rc"
		fi
	}
	run_bench bench XLBENCH-JSON bench-baseline-runs "exitless bench" -- "$@"

	# The comparison row "kvm-apicv": KVM's own posted-interrupt path,
	# the same bench with kvm_intel enable_apicv=Y (the CPU has
	# posted-interrupt processing and virtual-interrupt delivery), then
	# back to enable_apicv=N for what follows. xl_apicv_bench=0 on the
	# kernel command line skips it.
	if [ "$(cmdarg xl_apicv_bench)" = 0 ]; then
		xl_skip bench-kvm-apicv-runs "xl_apicv_bench=0"
	elif ! echo " $vmxflags " | grep -q ' posted_intr '; then
		xl_skip bench-kvm-apicv-runs "no posted_intr in the vmx flags"
	elif xl_kvm_intel enable_apicv=Y preemption_timer=N >/tmp/kvmi.out 2>&1 &&
	     [ "$(cat /sys/module/kvm_intel/parameters/enable_apicv)" = Y ]; then
		sed -n 's/^XLINFO kvm_intel\./XLINFO apicv.kvm_intel./p' /tmp/kvmi.out
		run_bench apicv-bench XLBENCH-APICV-JSON bench-kvm-apicv-runs \
			"exitless bench with enable_apicv=Y" -- "$@"
		xl_check kvm-intel-apicv-off-again xl_kvm_intel
	else
		tail -5 /tmp/kvmi.out | sed 's/^/    /'
		xl_fail bench-kvm-apicv-runs "kvm_intel does not load with enable_apicv=Y"
	fi
fi
e9 script-end
[ -n "${XL_NO_DONE:-}" ] || xl_done
