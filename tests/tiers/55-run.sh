#!/bin/bash
# Tier "run": `make run` as a user runs it (scripts/run.sh), end to end on
# this machine's best platform, plus its edges: the platform line is the
# first line and tells the truth, the MODELLED figures come before the
# first boot line, a progress line per stage (boot, each mode, each
# batch), one side-by-side table with nothing lost; bad options refused;
# bench/modes-table.py on a saved emulated run and on one that lost
# interrupts.
#
# XL_RUN_COUNT sets interrupts per batch of the end-to-end run (default
# 200: the table, not the figures, is what this tier checks; the bochs
# tier measures 1000 per batch). XL_RUN_FULL=0 skips the end-to-end run.
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
B=${XL_BUILD:-$PWD/build}
X=$B/exitless
XL_T_PREFIX=run/
# shellcheck source=tests/lib.sh
. tests/lib.sh
[ -x "$X" ] || { echo "run: $X missing (run make)"; echo "run: 0 passed, 1 failed, 0 skipped"; exit 1; }

# exitless platform: the first line, truthful about /dev/kvm
if [ -e /dev/kvm ]; then
	expect platform-line 0 '^platform: (hardware KVM|SOFTWARE KVM|KVM on VT-x EMULATED)' -- "$X" platform
else
	expect platform-line-no-kvm 0 '^platform: no KVM \(/dev/kvm does not exist' -- "$X" platform
	expect bench-names-platform-first 3 '^exitless bench: platform: no KVM' -- "$X" bench --count 10 --no-save
fi
kind=$("$X" platform --json | jq -r .kind)
check platform-json-kind grep -qxE 'none|software|hardware|emulated' <<<"$kind"
expect platform-bad-option 2 '^usage: exitless platform' -- "$X" platform --nope

# scripts/run.sh: usage errors before anything is installed or booted
expect usage-count-word 2 'count takes a number' -- scripts/run.sh --count abc
expect usage-count-range 2 'out of range' -- scripts/run.sh --count 5
expect usage-rig 2 'rig is auto, bochs or host' -- scripts/run.sh --rig qemu
expect usage-unknown 2 "unknown argument '--nope'" -- scripts/run.sh --nope
expect usage-missing-value 2 'needs a value' -- scripts/run.sh --count
expect help 0 'emulated VT-x host' -- scripts/run.sh --help
if [ "$kind" != hardware ]; then
	expect rig-host-refused 77 'needs hardware VT-x' -- scripts/run.sh --rig host
fi

# bench/modes-table.py: a saved emulated run, then the same losing one
M=$T/model.json
"$X" model --count 1000 --guest compute --json >"$T/c.json" &&
	"$X" model --count 1000 --guest halt --json >"$T/h.json" &&
	jq -s '{compute: .[0], halt: .[1]}' "$T/c.json" "$T/h.json" >"$M"
saved=$(ls bench/results/*-bochs-*-eli-did.json 2>/dev/null | tail -1)
if [ -n "$saved" ]; then
	expect table-from-saved-run 0 '^Nothing lost' -- \
		python3 bench/modes-table.py --modelled "$M" --measured "$saved" --json "$T/t.json"
	check table-row-baseline grep -qE '^baseline +device \(test device' "$T/out"
	check table-row-eli grep -qE '^eli +device \(test device' "$T/out"
	check table-row-did grep -qE '^did +virtual \(physical IPI' "$T/out"
	check table-row-pi-not-run grep -qE 'not run: posted IRTEs need an IOMMU that posts' "$T/out"
	check table-json-rows jq -e '[.rows[] | select(.emulated)] | length >= 8' "$T/t.json"
	# measured on a real host: latency columns; emulated: said why not
	jq '.batches[] |= (.latency_us = {"p50": 12.5, "p99": 40.1})' "$saved" >"$T/lat.json"
	expect table-measured-latency 0 '^eli +device \(test device.* 12\.5 +40\.1$' -- \
		python3 bench/modes-table.py --modelled "$M" --measured "$T/lat.json" --origin MEASURED
	expect table-emulated-no-latency 0 '^Latency is not shown: the emulator' -- \
		python3 bench/modes-table.py --modelled "$M" --measured "$T/lat.json"
	jq '(.batches[] | select(.name == "eli-dev")) |= (.lost = 1 | .handled = .sent - 1)' \
		"$saved" >"$T/lost.json"
	expect table-lost-fails 1 '^1 batches lost' -- \
		python3 bench/modes-table.py --modelled "$M" --measured "$T/lost.json"
else
	skip table-from-saved-run "no bench/results/*-bochs-*-eli-did.json"
fi
expect table-preview-modelled 0 '^MODELLED' -- python3 bench/modes-table.py --modelled "$M"

# The whole of `make run`, as a user sees it
if [ "${XL_RUN_FULL:-1}" = 0 ]; then
	skip end-to-end "XL_RUN_FULL=0"
else
	scripts/run.sh --count "${XL_RUN_COUNT:-200}" >"$T/run" 2>&1
	rc=$?
	cp "$T/run" "$B/logs/make-run.out"
	sed 's/^/    | /' "$T/run"
	if [ $rc = 77 ]; then
		skip end-to-end "no rig here ($(grep -m1 -E 'run.sh|SKIP' "$T/run"))"
	else
		check end-to-end-rc test "$rc" = 0
		check first-line-is-platform grep -qE '^platform: ' <(head -1 "$T/run")
		first() { grep -n -m1 -E "$1" "$T/run" | cut -d: -f1; }
		m=$(first '^MODELLED: the reference model')
		bt=$(first 'boot: |rig: this host')
		check modelled-before-boot test -n "$m" -a -n "$bt" -a "${m:-0}" -lt "${bt:-0}"
		for st in 'boot: Linux is up' 'mode eli$' 'mode did$' 'mode baseline again' \
			'batch eli-dev: ' 'batch did-virq: ' 'batch baseline-dev: '; do
			check "progress:${st%%:*}" grep -qE "\] $st" "$T/run"
		done
		check table-has-both-origins grep -qE '^ +(EMULATED|MEASURED) +MODELLED' "$T/run"
		check table-nothing-lost grep -q '^Nothing lost' "$T/run"
		check table-eli-row grep -qE '^eli +device \(test device, shadow IDT\) +[0-9]+ +[0-9]+ +0 ' "$T/run"
		check table-did-row grep -qE '^did +virtual \(physical IPI\) +[0-9]+ +[0-9]+ +0 ' "$T/run"
		check table-json grep -qE 'table data in .*/run/modes-.*\.json' "$T/run"
		json=$(sed -nE 's/.*table data in (.*\.json)$/\1/p' "$T/run")
		check json-latency-kept jq -e '[.rows[] | select(.emulated) |
			.emulated.latency_us.p50 > 0] | all and length > 0' "$json"
	fi
fi
summary run
