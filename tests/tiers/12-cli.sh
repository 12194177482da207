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
expect unknown-command 2 "" -- "$X" frobnicate
expect help 0 "commands:" -- "$X" --help
summary cli
