#!/bin/bash
# Tier "bench": the MODELLED projection (bench/projection) on the model's
# own output: its arithmetic, its ordering, its labels and its errors.
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
scripts/deps.sh bench || { echo "SKIP bench: jq/python3/python3-matplotlib not installable"; exit 77; }
XL_T_PREFIX=bench/
# shellcheck source=tests/lib.sh
. tests/lib.sh
X=${XL_BUILD:-build}/exitless
J=$T/model.json
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
for step in "run-l3fwd-power.sh --cores 0-1 --duration 3 --on-ready" "xl-rr server --port 7777" \
	    "xl-rr' client --host guest --port 7777 --duration 3" "perf stat -e kvm:\* -e exitless:\*"; do
	for m in baseline eli pi did kvm-apicv; do
		check "dry-run-$m-${step%% *}" test "$(sed -n "/^== mode $m\$/,/^== mode/p" <<<"$plan" | grep -c -- "$step")" -ge 1
	done
done
check dry-run-perf-stat-per-workload test "$(grep -c 'perf stat -e' <<<"$plan")" = 15
# xl-rr for real on loopback: server + client, RESULT parsed, bad input.
RR=${XL_BUILD:-build}/bench/xl-rr
"$RR" server --port 0 --duration 5 > "$T/srv.txt" 2>&1 & srv=$!
i=0; while ! grep -q 'listening on port' "$T/srv.txt" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$T/srv.txt")
cli=$("$RR" client --host 127.0.0.1 --port "${port:-1}" --duration 1 --size 128); crc=$?
kill -INT $srv 2>/dev/null; wait $srv; src=$?
echo "$cli" | tail -1
res=$(grep '^RESULT role=client' <<<"$cli")
rv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$res"; }
check rr-client-rc test "$crc" = 0
check rr-server-clean-exit test "$src" = 0
check rr-transactions awk -v t="$(rv transactions)" 'BEGIN { exit !(t > 100) }'
check rr-tps-positive awk -v t="$(rv tps)" 'BEGIN { exit !(t > 100) }'
check rr-p50-le-p99-le-max awk -v a="$(rv p50_us)" -v b="$(rv p99_us)" -v c="$(rv max_us)" \
	'BEGIN { exit !(a > 0 && a <= b && b <= c * 1.02) }'
check rr-size test "$(rv size)" = 128
check rr-server-counted grep -qE '^RESULT role=server .*requests=[1-9]' "$T/srv.txt"
"$RR" client --host 127.0.0.1 --port "${port:-1}" --duration 1 >/dev/null 2>&1
check rr-no-server-rc-1 test $? = 1
for bad in "" "bogus" "client --host 127.0.0.1 --port 0 --duration 1" \
	   "client --host 127.0.0.1 --port 70000 --duration 1" "client --host 127.0.0.1 --port 9 --duration x" \
	   "client --host 127.0.0.1 --port 9 --duration 1 --size 4" "client --port 9 --duration 1" \
	   "server" "server --port 9 --size 64" "client --host h --port 9 --duration"; do
	# shellcheck disable=SC2086
	"$RR" $bad >/dev/null 2>&1
	check "rr-bad-input:${bad// /_}" test $? = 2
done
check rr-help "$RR" --help >/dev/null
# bench/run end to end against fakes (exitless refusing did, ssh running
# the guest side here, perf without exitless:* tracepoints); results in a
# temporary directory, never in bench/results/.
FB=$T/bin; mkdir -p "$FB" "$T/out"
results_before=$(ls bench/results)
cat > "$FB/exitless" <<'FAKE'
#!/bin/sh
[ "$1" = mode ] && echo "$4" >> "$XL_FAKE_MODES"
case "$1 $4" in
"mode did") echo "exitless mode: did: not available in this exitless.ko (fake)" >&2; exit 3 ;;
"mode "*) echo "exitless mode: VM of pid $3: $4" ;;
"stat "*) sleep 1; echo '{"samples":[{"vms":[{"vcpus":[{"per_sec":{"exits":1500}},{"per_sec":{"exits":500}}]}]}]}' ;;
esac
FAKE
cat > "$FB/perf" <<'FAKE'
#!/bin/sh
case $1 in
list) echo "  kvm:kvm_exit                                       [Tracepoint event]" ;;
*) while [ $# -gt 0 ] && [ "$1" != -- ]; do
	[ "$1" = -o ] && : > "$2"; shift; done; shift; "$@" ;;
esac
FAKE
cat > "$FB/ssh" <<'FAKE'
#!/bin/sh
shift
case "$*" in
*run-testpmd.sh*) echo "RESULT bdf=0000:00:03.0 mode=txonly seconds=1 tx_packets=2000000 tx_errors=0 rx_packets=0 rx_errors=0 rx_missed=0 tx_pps=2000000 exit=0" ;;
*run-l3fwd-power.sh*) echo XL_L3FWD_READY; sleep 1; echo "RESULT bdf=0000:00:03.0 mode=interrupt seconds=1 wakeups=321 exit=0" ;;
*xl-rr*) exec sh -c "$*" ;;
esac
FAKE
chmod +x "$FB"/*
rrp=$(( 20000 + $$ % 20000 ))
# a stand-in VM process: one thread named as QEMU names a vCPU thread
python3 -c '
import threading, time
def vcpu():
    with open("/proc/self/task/%d/comm" % threading.get_native_id(), "w") as f:
        f.write("CPU 0/KVM")
    time.sleep(120)
threading.Thread(target=vcpu, daemon=True).start()
time.sleep(120)' &
FV=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -qx 'CPU 0/KVM' /proc/$FV/task/*/comm 2>/dev/null && break; sleep 0.2; done
XL_FAKE_MODES=$T/modes.txt PATH=$FB:$PATH EXITLESS=$FB/exitless bench/run --no-preflight --pid $FV --guest root@127.0.0.1 \
	--guest-bdf 0000:00:03.0 --duration 1 --modes baseline,did,pi --out "$T/out" --rr-port $rrp \
	--traffic "echo traffic \$XL_MODE \$XL_DURATION >> '$T/traffic.txt'" > "$T/run.txt" 2>&1
frc=$?
tail -3 "$T/run.txt"
check fake-run-rc test "$frc" = 0
# each mode set, then again once l3fwd-power runs (the NIC's IRQs), then baseline at the end
check fake-run-mode-again-after-l3fwd test "$(tr '\n' ' ' < "$T/modes.txt")" = "baseline baseline did pi pi baseline "
check fake-run-went-past-refusal grep -q '^== mode pi$' "$T/run.txt"
check fake-run-one-json-per-mode test "$(ls "$T"/out/*-{baseline,did,pi}.json 2>/dev/null | wc -l)" = 3
jd=$(cat "$T"/out/*-did.json 2>/dev/null); jb=$(cat "$T"/out/*-baseline.json 2>/dev/null)
check fake-run-did-refused test "$(jq -r .status <<<"$jd")" = refused
check fake-run-did-message grep -q 'not available in this exitless.ko (fake)' <<<"$(jq -r .message <<<"$jd")"
check fake-run-baseline-ok test "$(jq -r .status <<<"$jb")" = ok
check fake-run-json-fields test "$(jq -r '[.origin, .host, .kernel, (.cpu|type), .nic.guest_bdf, .mode] | join(" ")' <<<"$jb")" \
	= "measured $(uname -n) $(uname -r) string 0000:00:03.0 baseline"
check fake-run-testpmd-parsed test "$(jq .testpmd.tx_packets <<<"$jb")" = 2000000
check fake-run-l3fwd-parsed test "$(jq .l3fwd_power.wakeups <<<"$jb")" = 321
check fake-run-rr-real awk -v t="$(jq .rr.tps <<<"$jb")" 'BEGIN { exit !(t > 100) }'
check fake-run-exits-per-s test "$(jq .exits_per_s.rr <<<"$jb")" = 2000
check fake-run-perf-warning jq -e '.warnings | any(test("exitless:\\*. skipped"))' <<<"$jb"
if [ "$(nproc)" -gt 1 ]; then
	check fake-run-warns-unpinned-vcpu jq -e '.warnings | any(test("vCPU threads not pinned to one host CPU: CPU 0 "))' <<<"$jb"
	# pinned: no such warning
	taskset -pc 0 "$(grep -lx 'CPU 0/KVM' /proc/$FV/task/*/comm | cut -d/ -f5)" >/dev/null
	PATH=$FB:$PATH EXITLESS=$FB/exitless XL_FAKE_MODES=/dev/null bench/run --no-preflight --pid $FV \
		--guest root@127.0.0.1 --guest-bdf 0000:00:03.0 --duration 1 --modes did --out "$T/out2" \
		--rr-port $rrp > "$T/run2.txt" 2>&1
	check fake-run-pinned-vcpu-no-warning jq -e '.warnings | all(test("not pinned") | not)' "$T"/out2/*-did.json
else
	echo "SKIP bench/fake-run-warns-unpinned-vcpu: one CPU, every thread is pinned"
fi
kill $FV 2>/dev/null
check fake-run-traffic-ran test "$(grep -c 'traffic baseline 1' "$T/traffic.txt" 2>/dev/null)" = 1
csvf=$(ls "$T"/out/*Z-"$(uname -n)".csv 2>/dev/null | head -1)
check fake-run-csv-header test "$(head -1 "$csvf" 2>/dev/null)" = \
	origin,status,host,kernel,mode,seconds,testpmd_tx_packets,testpmd_mpps,l3fwd_wakeups,rr_tps,rr_p50_us,rr_p99_us,exits_per_s_testpmd,exits_per_s_l3fwd,exits_per_s_rr
check fake-run-csv-rows test "$(awk -F, 'NR > 1 { print $5 "=" $2 }' "$csvf" 2>/dev/null | tr '\n' ' ')" = "baseline=ok did=refused pi=ok "
check fake-run-csv-mpps test "$(awk -F, '$5 == "baseline" { print $8 }' "$csvf" 2>/dev/null)" = 2
check fake-run-not-in-results test "$(ls bench/results)" = "$results_before"
# bench/report: the page renders from the stored results and the model,
# every plot is there, every table row names its origin.
plot_ok() {	# plot_ok DIR NAME: NAME.png is a PNG, NAME.svg an SVG with shapes
	[ "$(head -c 4 "$1/$2.png" 2>/dev/null | tail -c 3)" = PNG ] &&
		grep -q '<svg' "$1/$2.svg" && grep -q '<path' "$1/$2.svg"
}
plots_linked() {	# plots_linked DIR: every image index.md shows is there
	local img n=0
	for img in $(grep -o '](exits-[^)]*\.png)\|](projection\.png)\|](run-[^)]*\.png)' "$1/index.md" | tr -d '()]'); do
		plot_ok "$1" "${img%.png}" || return 1
		n=$((n + 1))
	done
	[ $n -gt 0 ]
}
R=$(mktemp -d)
bench/report --out "$R" --exitless "$X" >/dev/null
check report-rc test $? = 0
for plot in exits-per-irq-model exits-per-irq-results projection; do
	check "report-plot-$plot" plot_ok "$R" "$plot"
done
check report-plots-linked plots_linked "$R"
# modes whose projected curves coincide share one labelled line
check report-projection-merged grep -q '>eli, pi, did, did-ipi: ' "$R/projection.svg"
rows=$(grep '^| ' "$R/index.md" | grep -v '^| origin ' )
check report-has-rows test -n "$rows"
check report-every-row-has-origin test -z "$(grep -vE '^\| (MODELLED|EMULATED|SOFTWARE KVM|MEASURED) \|' <<<"$rows")"
check report-bochs-is-emulated grep -q '^| EMULATED | .*bochs' "$R/index.md"
if ! grep -q '"tool": "bench/run"' bench/results/*.json 2>/dev/null; then
	check report-says-no-run-results grep -q '^no bench/run results yet (no VT-x host has run it)$' "$R/index.md"
fi
# xl-elitest results (exitless.ko's VMX backend, saved by tier bochs)
if grep -lq '"batches"' bench/results/*.json 2>/dev/null; then
	check report-vmx-section-rows grep -qE '^\| EMULATED \| [^|]*\| baseline-msi \|' "$R/index.md"
fi
if grep -lq '"name": "eli-dev"' bench/results/*.json 2>/dev/null; then
	check report-plot-exits-per-irq-vmx test -n "$(ls "$R"/exits-per-irq-vmx-*.png 2>/dev/null)"
	check report-vmx-eli-row-emulated grep -qE '^\| EMULATED \| [^|]*\| eli-dev \|' "$R/index.md"
fi
rm -rf "$R"
# ... and from a fixture, so the section is checked on any machine
mkdir -p "$T/vmx"
cat >"$T/vmx/x-eli.json" <<'JSON'
{"count": 2, "rig": {"label": "bochs-2.7 emulated VMX", "host": "fixture"},
 "batches": [
  {"name": "baseline-dev", "sent": 2, "handled": 2, "lost": 0, "exits_per_irq": 3.5,
   "exits_per_irq_excl_host_irqs": 2.0, "exits_per_irq_excl_host_irqs_and_eoi": 1.0,
   "dev_irqs_via_host": 2},
  {"name": "eli-dev", "sent": 2, "handled": 2, "lost": 0, "exits_per_irq": 1.5,
   "exits_per_irq_excl_host_irqs": 1.0, "exits_per_irq_excl_host_irqs_and_eoi": 0.0,
   "dev_irqs_via_host": 0}]}
JSON
bench/report --out "$T/repv" --results "$T/vmx" --exitless "$X" >/dev/null
check report-vmx-fixture-rows test "$(grep -cE '^\| EMULATED \| x-eli.json \| (baseline|eli)-dev \| 2 \| 2 \| 0 \|' "$T/repv/index.md")" = 2
check report-vmx-fixture-values grep -qE '^\| EMULATED \| x-eli.json \| eli-dev \| 2 \| 2 \| 0 \| 1\.500 \| 1\.000 \| 0\.000 \| 0 \|' "$T/repv/index.md"
check report-vmx-fixture-plot plot_ok "$T/repv" exits-per-irq-vmx-x-eli
check report-vmx-fixture-plot-batches grep -q '>eli-dev<' "$T/repv/exits-per-irq-vmx-x-eli.svg"
# one chart per rig, from its latest file; the table keeps every file
mkdir -p "$T/vmx2"
for d in 20261101T000000Z:eli-old 20261102T000000Z:eli-new; do
	printf '{"batches": [{"name": "%s", "sent": 1, "handled": 1, "lost": 0, "exits_per_irq_excl_host_irqs": 0.5, "exits_per_irq_excl_host_irqs_and_eoi": 0.0}]}\n' \
		"${d#*:}" > "$T/vmx2/${d%%:*}-rig-a.json"
done
bench/report --out "$T/repv2" --results "$T/vmx2" --exitless "$X" >/dev/null
check report-vmx-latest-per-rig test "$(ls "$T"/repv2/exits-per-irq-vmx-*.png | xargs -n1 basename)" = exits-per-irq-vmx-rig-a.png
check report-vmx-latest-only grep -q '>eli-new<' "$T/repv2/exits-per-irq-vmx-rig-a.svg"
check report-vmx-older-not-plotted test -z "$(grep '>eli-old<' "$T/repv2/exits-per-irq-vmx-rig-a.svg")"
check report-vmx-older-in-table grep -qE '^\| [^|]*\| 20261101T000000Z-rig-a.json \| eli-old \|' "$T/repv2/index.md"
check report-no-run-results-said grep -q 'no bench/run results yet (no VT-x host has run it)' <<<"$(bench/report --out "$T/rep0" --results "$T/bin" --exitless "$X" >/dev/null; cat "$T/rep0/index.md")"
# bench/report on the fake run's files (in $T, not bench/results/).
bench/report --out "$T/rep" --results "$T/out" --exitless "$X" >/dev/null
check report-run-rc test $? = 0
rrow() { grep "^| MEASURED.* | $1 | " "$T/rep/index.md"; }
check report-run-baseline-row grep -qE '\| baseline \| ok \| 2\.000 \| 321 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|' <<<"$(rrow baseline)"
check report-run-did-refused grep -q '| did | refused | .*not available in this exitless.ko (fake)' <<<"$(rrow did)"
check report-run-origin-honest grep -q '^| MEASURED, preflight skipped, vmx no | ' <<<"$(rrow pi)"
check report-run-host-kernel grep -q "host / kernel / CPU: $(uname -n) / $(uname -r) / " "$T/rep/index.md"
check report-run-no-note test -z "$(grep 'no bench/run results yet' "$T/rep/index.md")"
for plot in run-throughput run-latency; do
	check "report-run-plot-$plot" plot_ok "$T/rep" "$plot"
done
check report-run-plots-linked plots_linked "$T/rep"
bench/report --bogus >/dev/null 2>&1
check report-bad-input test $? = 2
for p in eli did directvisor kvm-posted-interrupts acrn-lapic-pt giantvm; do
	check "papers/$p.md" test -s "papers/$p.md"
done
summary bench
