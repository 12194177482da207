#!/bin/bash
# usage: tests/vm/last-words.sh LOG
# The last 40 lines a VM rig's guest printed that are not XLTEST results,
# indented. Printed by qemu-run.sh and bochs-run.sh when a run fails:
# where the guest stopped (a hung task, a WARNING, a shell error) is there,
# and CI keeps only what the rigs print, not their logs.
log=${1:?usage: last-words.sh LOG}
[ -r "$log" ] || exit 0
# Bochs' logs end with its own port 0xE9 lines: the guest's end before.
sed '/^# bochs stdout/,$d' "$log" | grep -av '^XLTEST \|^# ' | tail -40 | sed 's/^/  | /'
