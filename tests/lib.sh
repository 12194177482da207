# shellcheck shell=bash
# Reporting for the host-side test tiers (sourced): one line per check,
# "PASS name", "FAIL name: why" or "SKIP name: why", counted in P, F and S
# for the tier's closing line "TIER: P passed, F failed, S skipped".
# Each check may carry a prefix (XL_T_PREFIX, e.g. "run/").
# The guest side of the VM rigs has its own, tests/vm/guest/lib.sh.
P=0 F=0 S=0
T=$(mktemp -d /tmp/xl-tier.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass() { echo "PASS ${XL_T_PREFIX:-}$1"; P=$((P + 1)); }
fail() { echo "FAIL ${XL_T_PREFIX:-}$1${2:+: $2}"; F=$((F + 1)); }
skip() { echo "SKIP ${XL_T_PREFIX:-}$1: $2"; S=$((S + 1)); }
# check NAME CMD...: pass iff CMD exits 0 (its output is not shown)
check() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi
}
# expect NAME RC PATTERN -- CMD...: CMD exits RC and prints a line that
# matches PATTERN (on stdout or stderr)
expect() {
	local name=$1 want=$2 pat=$3 rc; shift 4
	"$@" >"$T/out" 2>"$T/err"; rc=$?
	cat "$T/err" >>"$T/out"
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, want $want: $(head -c 300 "$T/out")"
	elif ! grep -qE -- "$pat" "$T/out"; then
		fail "$name" "output lacks /$pat/: $(head -c 300 "$T/out")"
	else
		pass "$name"
	fi
}
# summary TIER: the closing line; exit status 1 when a check failed
summary() {
	echo "$1: $P passed, $F failed, $S skipped"
	[ "$F" = 0 ]
}
