#!/bin/bash
# Runs the test tiers in tests/tiers/ (all, or the ones named) and prints
# one closing line: "total: N passed, N failed, N skipped".
#
# A tier is an executable tests/tiers/NN-NAME.sh. Its contract:
#   - it installs what it needs with scripts/deps.sh TIER;
#   - its last line of output is "NAME: P passed, F failed, S skipped";
#   - it exits 0 when nothing failed, 1 when something failed, and 77
#     when the machine lacks what the whole tier needs, after printing
#     "SKIP NAME: <what is missing>".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export XL_TOP=$top XL_BUILD=${BUILD:-$top/build}
mkdir -p "$XL_BUILD/logs"

want=("$@")
tiers=()
for f in tests/tiers/[0-9][0-9]-*.sh; do
	name=$(basename "$f" .sh); name=${name#[0-9][0-9]-}
	if [ ${#want[@]} -gt 0 ]; then
		printf '%s\n' "${want[@]}" | grep -qx "$name" || continue
	fi
	tiers+=("$f")
done

P=0 F=0 S=0 skipped_tiers=() failed_tiers=()
for f in "${tiers[@]}"; do
	name=$(basename "$f" .sh); name=${name#[0-9][0-9]-}
	log=$XL_BUILD/logs/tier-$name.log
	echo "=== tier $name ($(date -u +%T))"
	start=$(date +%s)
	bash "$f" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	echo "=== tier $name: rc=$rc, $(( $(date +%s) - start )) s"
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
	if [ "$rc" = 77 ]; then
		skipped_tiers+=("$name")
	fi
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		fl=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
		P=$((P + p)) F=$((F + fl)) S=$((S + ${s:-0}))
	elif [ "$rc" != 77 ]; then
		echo "check: tier $name printed no summary line; counted as 1 failure"
		F=$((F + 1))
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		failed_tiers+=("$name")
		[ -n "$line" ] && [ "${fl:-0}" = 0 ] && F=$((F + 1))
	fi
done
echo
[ ${#skipped_tiers[@]} -gt 0 ] && echo "check: skipped tiers: ${skipped_tiers[*]} (see SKIP lines above)"
[ ${#failed_tiers[@]} -gt 0 ] && echo "check: failed tiers: ${failed_tiers[*]} (logs in $XL_BUILD/logs/)"
echo "total: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
