#!/bin/bash
# Tier "cli": the `exitless` tool's answers to bad input, on the build host
# (no module, no KVM needed: each is refused before anything is opened).
# Numbers out of their type's range must be refused, never wrapped into a
# valid one (4294967296 is not IRQ 0, 4294967297 is not PID 1).
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
X=${XL_BUILD:-build}/exitless
XL_T_PREFIX=cli/
# shellcheck source=tests/lib.sh
. tests/lib.sh
[ -x "$X" ] || { echo "cli: $X missing (run make)"; echo "cli: 0 passed, 1 failed, 0 skipped"; exit 1; }

expect attach-irq-2^32 2 "--irq '4294967296' is out of range \(0\.\.4294967295\)" -- \
	"$X" attach --pid 1 --irq 4294967296
expect attach-irq-negative 2 "--irq '-1' is not a number" -- "$X" attach --pid 1 --irq -1
expect attach-irq-word 2 "--irq '12x' is not a number" -- "$X" attach --pid 1 --irq 12x
expect attach-irq-empty 2 "--irq '' is not a number" -- "$X" attach --pid 1 --irq ''
expect attach-pid-2^32+1 2 "--pid '4294967297' is out of range \(1\.\.2147483647\)" -- \
	"$X" attach --pid 4294967297
expect attach-pid-0 2 "--pid '0' is out of range" -- "$X" attach --pid 0
expect attach-pid-huge 2 "--pid '99999999999999999999999' is out of range" -- \
	"$X" attach --pid 99999999999999999999999
expect attach-pid-space 2 "--pid ' 5' is not a number" -- "$X" attach --pid ' 5'
expect attach-fd-2^32 2 "--fd '4294967296' is out of range" -- "$X" attach --pid 1 --fd 4294967296
expect attach-for-0 2 "--for '0' is out of range" -- "$X" attach --pid 1 --for 0
expect detach-pid-2^32+1 2 "exitless detach: --pid '4294967297' is out of range" -- \
	"$X" detach --pid 4294967297
expect mode-pid-2^32+1 2 "exitless mode: --pid '4294967297' is out of range" -- \
	"$X" mode --pid 4294967297 eli
expect mode-unknown 2 "unknown mode 'fast'" -- "$X" mode --pid 1 fast
expect attach-mode-unknown 2 "unknown mode 'fast'" -- "$X" attach --pid 1 --mode fast
# exitless model --nodes: node count and link cost (µs per message)
expect model-nodes-0 2 "--nodes '0' must be 1\.\.8" -- "$X" model --nodes 0
expect model-nodes-9 2 "--nodes '9' must be 1\.\.8" -- "$X" model --nodes 9
expect model-nodes-2^32+1 2 "--nodes '4294967297' must be 1\.\.8" -- "$X" model --nodes 4294967297
expect model-nodes-negative 2 "--nodes '-1' must be" -- "$X" model --nodes -1
expect model-nodes-word 2 "--nodes 'two' must be" -- "$X" model --nodes two
expect model-link-negative 2 "--link-us '-1' must be a number of microseconds" -- \
	"$X" model --nodes 2 --link-us -1
expect model-link-nan 2 "--link-us 'nan' must be" -- "$X" model --nodes 2 --link-us nan
expect model-link-inf 2 "--link-us 'inf' must be" -- "$X" model --nodes 2 --link-us inf
expect model-link-overflow 2 "--link-us '1e400' must be" -- "$X" model --nodes 2 --link-us 1e400
expect model-link-garbage 2 "--link-us '5us' must be" -- "$X" model --nodes 2 --link-us 5us
expect model-link-empty 2 "--link-us '' must be" -- "$X" model --nodes 2 --link-us ''
expect model-link-without-nodes 2 "--link-us goes with --nodes" -- "$X" model --link-us 5
expect model-nodes-with-mode 2 "--mode and --guest do not apply with --nodes" -- \
	"$X" model --nodes 2 --mode eli
expect model-nodes-unknown-flag 2 "unrecognized option '--hops'" -- "$X" model --nodes 2 --hops 3
expect model-nodes-help 0 "--nodes N \(1\.\.8\)" -- "$X" model --help
expect model-nodes-table 0 "^MODELLED: a VM over 3 nodes" -- "$X" model --nodes 3 --count 90
expect model-nodes-link-fraction 0 "link 2\.5 us per message" -- \
	"$X" model --nodes 2 --link-us 2.5 --count 8
expect unknown-command 2 "" -- "$X" frobnicate
expect help 0 "commands:" -- "$X" --help
# a refusal is reported with exitless.ko's own reason (XL_IOC_WHY)
expect attach-help-refusal 0 "refused by exitless\.ko: \.\.\." -- "$X" attach --help
expect mode-help-refusal 0 "refused by exitless\.ko: \.\.\." -- "$X" mode --help
summary cli
