# shellcheck shell=sh
# Helpers for the test scripts that run inside the VM (busybox sh).
# Source it first:  . /tests/lib.sh
# Every result is one console line the host (qemu-run.sh) grades:
#   xl_pass NAME           -> XLTEST PASS NAME
#   xl_fail NAME [WHY]     -> XLTEST FAIL NAME: WHY
#   xl_skip NAME WHY       -> XLTEST SKIP NAME: WHY
#   xl_done                -> XLTEST DONE NAME: P passed, F failed, S skipped
# A script that dies before xl_done counts as failed on the host.
XL_P=0
XL_F=0
XL_S=0

xl_pass() {
	XL_P=$((XL_P + 1))
	echo "XLTEST PASS $1"
}

xl_fail() {
	XL_F=$((XL_F + 1))
	echo "XLTEST FAIL $1: ${2:-failed}"
}

xl_skip() {
	XL_S=$((XL_S + 1))
	echo "XLTEST SKIP $1: ${2:?xl_skip needs a reason}"
}

xl_done() {
	echo "XLTEST DONE ${XLTEST_NAME:-test}: $XL_P passed, $XL_F failed, $XL_S skipped"
}

# xl_check NAME CMD...: pass when CMD exits 0; its output goes to the log.
xl_check() {
	_n=$1
	shift
	if _out=$("$@" 2>&1); then
		xl_pass "$_n"
	else
		_rc=$?
		echo "$_out" | tail -5 | sed 's/^/    /'
		xl_fail "$_n" "'$*' exited $_rc"
	fi
}

# xl_check_fails NAME CMD...: pass when CMD exits non-zero.
xl_check_fails() {
	_n=$1
	shift
	if _out=$("$@" 2>&1); then
		echo "$_out" | tail -5 | sed 's/^/    /'
		xl_fail "$_n" "'$*' succeeded but must fail"
	else
		xl_pass "$_n"
	fi
}

# xl_kernel_warnings: WARNING/BUG/Oops lines in the kernel log now.
xl_kernel_warnings() {
	dmesg | grep -c -E 'WARNING:|BUG:|Oops'
}

# xl_no_new_warnings NAME BEFORE: pass when the kernel log has no more of
# them than BEFORE (an earlier xl_kernel_warnings); else show them.
xl_no_new_warnings() {
	_w=$(xl_kernel_warnings)
	if [ "$_w" = "$2" ]; then
		xl_pass "$1"
	else
		dmesg | grep -A20 -E 'WARNING:|BUG:|Oops' | head -60 | sed 's/^/    /'
		xl_fail "$1" "$((_w - $2)) new WARNING/BUG/Oops"
	fi
}

# xl_module_load MOD: modprobe (dependencies from modules.dep).
xl_module_load() {
	modprobe "$1" 2>&1
}
