#!/bin/bash
# Tier "model": the `exitless model` command end to end (the scenario
# claims themselves are unit-tested in tests/scenario/): its table, its
# JSON, its exit codes on bad input. Needs only the build.
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
X=${XL_BUILD:-build}/exitless
P=0 F=0
check() {	# check NAME COND...
	local name=$1; shift
	if "$@"; then echo "PASS model/$name"; P=$((P + 1));
	else echo "FAIL model/$name"; F=$((F + 1)); fi
}
out=$("$X" model --count 2000); rc=$?
echo "$out"
check table-rc test "$rc" = 0
check table-labelled grep -q '^MODEL: ' <<<"$out"
json=$("$X" model --count 500 --json) || true
row() {	# row MODE IRQ FIELD -> value
	jq -r --arg m "$1" --arg i "$2" \
		".rows[] | select(.mode==\$m and .irq==\$i) | $3" <<<"$json"
}
check json-origin test "$(jq -r .origin <<<"$json")" = modelled
check json-rows test "$(jq '.rows | length' <<<"$json")" = 15
check baseline-device-2-exits test "$(row baseline device .exits_per_irq)" = 2
check eli-device-0-exits test "$(row eli device .exits_per_irq)" = 0
check eli-host-1-np test "$(row eli host .by_reason.np_exc)" = 1
check pi-device-0-exits test "$(row pi device .exits_per_irq)" = 0
check did-virtual-0-exits test "$(row did virtual .exits_per_irq)" = 0
check did-ipi-virtual-0-exits test "$(row did-ipi virtual .exits_per_irq)" = 0
check nothing-lost test "$(jq '[.rows[].lost] | add' <<<"$json")" = 0
"$X" model --mode eli --guest halt --count 100 >/dev/null
check halt-guest-rc test $? = 0
for bad in "--count 0" "--count -1" "--count abc" "--guest sleep" "--mode xyz" "extra"; do
	# shellcheck disable=SC2086
	"$X" model $bad >/dev/null 2>&1
	check "bad-input:${bad// /_}" test $? = 2
done
"$X" model --help | grep -q MODELLED
check help-says-modelled test $? = 0
echo "model: $P passed, $F failed, 0 skipped"
[ "$F" = 0 ]
