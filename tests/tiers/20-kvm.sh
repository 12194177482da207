#!/bin/bash
# Tier "kvm": `exitless bench` and `exitless stat` on this machine's
# /dev/kvm with the built-in micro-VM. Skips (77) without a
# usable /dev/kvm. The checks themselves live in tests/kvm/checks.sh.
set -u
cd "${XL_TOP:?run through scripts/check.sh}"
scripts/deps.sh kvm || { echo "SKIP kvm: missing packages (scripts/deps.sh kvm)"; echo "kvm: 0 passed, 0 failed, 1 skipped"; exit 77; }
exec bash tests/kvm/checks.sh
