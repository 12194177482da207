#!/bin/bash
# Tier "unit": the cmocka programs (mechanisms, model, parsers, CLI),
# built with ASan+UBSan by `make`. Counts cmocka's own result lines,
# skips included (a test that needs /dev/kvm skips where there is none).
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
B=${XL_BUILD:-build}
P=0 F=0 S=0 n=0
for t in "$B"/tests/*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	n=$((n + 1))
	out=$("$t" 2>&1); rc=$?
	echo "$out"
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' <<<"$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' <<<"$out" | awk '{s+=$1} END {print s+0}')
	s=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) test.*/\1/p' <<<"$out" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "unit: $(basename "$t") exited $rc without a cmocka failure (sanitizer?)"
		f=1
	fi
	P=$((P + p)) F=$((F + f)) S=$((S + s))
done
[ $n = 0 ] && { echo "unit: no test programs in $B/tests (run make)"; F=$((F + 1)); }
echo "unit: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
