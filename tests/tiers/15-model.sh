#!/bin/bash
# Tier "model": the `exitless model` command end to end (the scenario
# claims themselves are unit-tested in tests/scenario/): its table, its
# JSON, its exit codes on bad input. Needs only the build.
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
X=${XL_BUILD:-build}/exitless
XL_T_PREFIX=model/
# shellcheck source=tests/lib.sh
. tests/lib.sh
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
# --nodes: a VM over 4 nodes, one vCPU each, master on node 0; 1600
# interrupts per class cover every (source, target) pair alike. Through
# the master a device interrupt costs [device node != 0] + [vCPU node !=
# 0] messages: 24 / 16 pairs = 1.5; directly [device node != vCPU node]:
# 12 / 16 = 0.75.
nj=$("$X" model --nodes 4 --link-us 20 --count 1600 --json); rc=$?
check nodes-rc test "$rc" = 0
nrow() {	# nrow STRATEGY CLASS FIELD -> value
	jq -r --arg s "$1" --arg c "$2" \
		".rows[] | select(.strategy==\$s and .class==\$c) | $3" <<<"$nj"
}
check nodes-origin test "$(jq -r .origin <<<"$nj")" = modelled
check nodes-rows test "$(jq '.rows | length' <<<"$nj")" = 16
check nodes-link test "$(jq -r .link_us <<<"$nj")" = 20
check nodes-nothing-lost test "$(jq '[.rows[].lost] | add' <<<"$nj")" = 0
check nodes-master-device-msgs test "$(nrow master device .messages_per_irq)" = 1.5
check nodes-direct-device-msgs test "$(nrow direct device .messages_per_irq)" = 0.75
check nodes-master-level-msgs test "$(nrow master level-eoi .messages_per_irq)" = 3
check nodes-direct-level-msgs test "$(nrow direct-did level-eoi .messages_per_irq)" = 1.5
check nodes-master-device-exits test "$(nrow master device .exits_per_irq)" = 2
check nodes-did-device-0-exits test "$(nrow direct-did device .exits_per_irq)" = 0
check nodes-pi-timer-0-exits test "$(nrow direct-pi timer .exits_per_irq)" = 0
check nodes-did-ipi-icr-exit test "$(nrow direct-did ipi .exits_per_irq)" = 1
check nodes-did-level-eoi-exit test "$(nrow direct-did level-eoi .exits_per_irq)" = 1
check nodes-timer-no-messages test "$(jq '[.rows[] | select(.class=="timer") | .messages_per_irq] | add' <<<"$nj")" = 0
# 1.5 messages x 20 us + 1 exit x 2000 cycles / 2.93 GHz
check nodes-master-device-latency test "$(nrow master device '.latency_us * 1000 | round')" = 30683
"$X" model --nodes 2 --link-us 5 --count 40 | grep -q '^MODELLED: a VM over 2 nodes'
check nodes-table-labelled test $? = 0
"$X" model --help | grep -q MODELLED
check help-says-modelled test $? = 0
summary model
