#!/bin/bash
# Tier "bench": the MODELLED projection (bench/projection) on the model's
# own output: its arithmetic, its ordering, its labels and its errors.
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
scripts/deps.sh bench || { echo "SKIP bench: jq/python3 not installable"; exit 77; }
P=0 F=0
check() {	# check NAME COND...
	local name=$1; shift
	if "$@"; then echo "PASS bench/$name"; P=$((P + 1));
	else echo "FAIL bench/$name"; F=$((F + 1)); fi
}
X=${XL_BUILD:-build}/exitless
J=$(mktemp); trap 'rm -f "$J"' EXIT
"$X" model --count 500 --json > "$J"
csv=$(bench/projection --model-json "$J" --csv --rates 0,1000,100000,200000)
check csv-rc test $? = 0
echo "$csv" | head -3
pct() {	# pct MODE RATE
	awk -F, -v m="$1" -v r="$2" '$2 == m && $5 == r { print $6 }' <<<"$csv"
}
check every-row-modelled test "$(tail -n +2 <<<"$csv" | cut -d, -f1 | sort -u)" = MODELLED
check zero-rate-is-100 test "$(pct baseline 0)" = 100.0
check zero-exits-is-100 test "$(pct eli 200000)" = 100.0
check more-exits-lower awk -v b="$(pct baseline 100000)" -v e="$(pct eli 100000)" 'BEGIN { exit !(b < e) }'
check higher-rate-lower awk -v a="$(pct baseline 1000)" -v b="$(pct baseline 200000)" 'BEGIN { exit !(b < a) }'
# 1 - 100000 * 2 * 2000 / 2.93e9 = 86.3%
check formula test "$(pct baseline 100000)" = 86.3
check table-labelled grep -q '^MODELLED projection' <(bench/projection --model-json "$J")
for bad in "--rates abc" "--rates -5" "--exit-cycles 0" "--ghz x" "--irq nope"; do
	# shellcheck disable=SC2086
	bench/projection --model-json "$J" $bad >/dev/null 2>&1
	check "bad-input:${bad// /_}" test $? = 2
done
echo '{"rows": []}' > "$J"
bench/projection --model-json "$J" >/dev/null 2>&1
check not-model-output-refused test $? = 2
# bench/run: its preflight tells the truth about this host, its plan
# covers every mode, its errors are usage errors.
pre=$(bench/run --preflight); prc=$?
echo "$pre"
if grep -qw vmx /proc/cpuinfo; then want_vtx=OK; else want_vtx=MISSING; fi
check preflight-vtx-truthful grep -qE "^$want_vtx +vt-x " <<<"$pre"
if [ -c /dev/kvm ]; then
	check preflight-names-kvm-tier grep -q 'tiers that run here: .*kvm' <<<"$pre"
fi
if grep -q '^MISSING' <<<"$pre"; then
	check preflight-rc-1-when-missing test "$prc" = 1
else
	check preflight-rc-0-when-complete test "$prc" = 0
fi
plan=$(bench/run --pid 4242 --guest root@guest --guest-bdf 0000:00:03.0 \
	--duration 3 --dry-run)
check dry-run-rc test $? = 0
for m in baseline eli pi did kvm-apicv; do
	check "dry-run-mode-$m" grep -q "^== mode $m\$" <<<"$plan"
done
check dry-run-samples-exits grep -q 'stat --pid 4242 --interval 1 --count 3 --json' <<<"$plan"
check dry-run-perf grep -q 'perf kvm stat record -p 4242' <<<"$plan"
for bad in "--pid x --guest g --guest-bdf b" "--pid 1 --guest g --guest-bdf b --modes nope" \
	   "--pid 1 --guest g --guest-bdf b --duration 0" "--pid 1" "--bogus"; do
	# shellcheck disable=SC2086
	bench/run $bad >/dev/null 2>&1
	check "run-bad-input:${bad// /_}" test $? = 2
done
# bench/report: the page renders from the stored results and the model,
# every plot is there, every table row names its origin.
R=$(mktemp -d)
bench/report --out "$R" --exitless "$X" >/dev/null
check report-rc test $? = 0
for svg in exits-per-irq-model exits-per-irq-results projection; do
	check "report-plot-$svg" grep -q '<rect\|<polyline' "$R/$svg.svg"
done
rows=$(grep '^| ' "$R/index.md" | grep -v '^| origin ' )
check report-has-rows test -n "$rows"
check report-every-row-has-origin test -z "$(grep -vE '^\| (MODELLED|EMULATED|SOFTWARE KVM|MEASURED) \|' <<<"$rows")"
check report-bochs-is-emulated grep -q '^| EMULATED | .*bochs' "$R/index.md"
rm -rf "$R"
bench/report --bogus >/dev/null 2>&1
check report-bad-input test $? = 2
for p in eli did directvisor kvm-posted-interrupts acrn-lapic-pt giantvm; do
	check "papers/$p.md" test -s "papers/$p.md"
done
echo "bench: $P passed, $F failed, 0 skipped"
[ "$F" = 0 ]
