#!/usr/bin/env python3
"""Turn the XLL2 line of the Bochs test bochs-l2 (a Linux guest under
QEMU/KVM in the emulated host, exitless_guest.ko in it, exitless attached
with `exitless attach --pid`) into a result file and checks.

usage: l2-result.py LOG OUT.json

LOG is build/logs/bochs-TEST.log (tests/vm/guest/bochs-l2.sh ran).
OUT.json gets the batches, exits per interrupt, the guest's boot time and
a "rig" object saying where they ran (origin EMULATED).

Each batch sends COUNT interrupts to the guest's virtio-rng config vector
(exitless.ko's test device; did: virtual interrupts of that vector) and
reads the guest's /proc/interrupts and KVM's exit counter of the QEMU VM
(debugfs kvm/PID-FD/exits) around it. Every exit of the VM during the
batch counts, the guest's own (timer, its EOIs) included.

Prints one "XLTEST PASS|FAIL name[: why]" line per check:
  l2-json                 the XLL2 line is there and parses
  l2-BATCH-nothing-lost   handled by the guest == sent
  l2-baseline-exits       baseline >= 1 exit per interrupt (APICv off)
  l2-eli-dev-exits, l2-did-virq-exits: < 0.1 exits per interrupt once
                          the exits for the host's own interrupts on the
                          vCPU's CPU are taken out (exitless.ko counts
                          them per vector; an exit in every mode), and
                          under half of baseline's with them. Also
                          recorded: the exits of as long a time idle in
                          the same mode (the guest's timer, the guard)
then a table. Exit 0 unless a check failed.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigresult  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    checks = rigresult.Checks()
    res = checks.res
    data = rigresult.json_line(log, "XLL2", checks, "l2-json",
                               "no XLL2 line in %s (bochs-l2.sh did not "
                               "get to its batches)" % sys.argv[1])
    if data is None:
        return 1
    head, emu = rigresult.run_head(log)
    boot = re.search(r"^XLINFO l2 boot: QEMU start to the guest's /init "
                     r"done in ([0-9.]+) s", log, re.M)
    e9 = dict((k, float(v)) for v, k in re.findall(
        r"^\s*([0-9.]+) XLE9 (l2-qemu-start|l2-ready)\s*$", log, re.M))
    wall = None
    if "l2-qemu-start" in e9 and "l2-ready" in e9:
        wall = round(e9["l2-ready"] - e9["l2-qemu-start"], 1)
    data["boot"] = {
        "host_uptime_s": float(boot.group(1)) if boot else None,
        "wall_s": wall,
        "what": "QEMU started in the emulated host until the guest's /init "
                "has loaded virtio-pci and virtio-rng (wall: host seconds "
                "of the Bochs run, port 0xE9 markers)",
    }
    for b in data.get("batches", []):
        # the fields of xl-elitest's batches, which bench/report reads
        b["name"] = b.pop("batch")
        b["lost"] = max(b["sent"] - b["handled"], 0)
        n = b["sent"]
        b["exits_per_irq"] = round(b["exits"] / n, 3) if n else None
        # the same time idle in the same mode: the guest's own exits
        # (timer) and exitless' guard, which cost per second, not per
        # interrupt
        b["exits_per_irq_excl_idle"] = round(
            max(b["exits"] - b.get("idle_exits", 0), 0) / n, 3) \
            if n else None
        # the host's own interrupts on the vCPU's CPU, an exit in every
        # mode (counted per vector by exitless.ko), as eli-result.py
        b["exits_per_irq_excl_host_irqs"] = round(
            max(b["exits"] - b.get("host_irq_exits", 0), 0) / n, 3) \
            if n else None
    data["rig"] = {
        "label": "%s, corei7_skylake_x, x2APIC host, L2 Linux guest under "
                 "QEMU/KVM, EMULATED: exit counts are KVM's own, times "
                 "are Bochs times" % emu,
        "origin": "EMULATED",
        "emulator": emu,
        "host": "Debian 6.1 kernel with unmodified kvm_intel "
                "(enable_apicv=N preemption_timer=N) in Bochs, 2 CPUs",
        "guest": "the same Debian 6.1 kernel (PVH vmlinux) under "
                 "qemu-system-x86_64 -accel kvm -M pc -cpu host,"
                 "kvm-pv-eoi=off -smp 1 -m 160 -nodefaults (qboot, "
                 "-kernel/-initrd, idle=poll), exitless_guest.ko loaded",
        "module": "exitless.ko experimental=1 selftest=1, attached with "
                  "`exitless attach --pid`",
        "device": "the guest's virtio-rng-pci config interrupt (MSI-X, "
                  "handled by virtio_pci's vp_config_changed), sent by "
                  "exitless' test device (a host vector of the VM's own "
                  "on the vCPU's CPU, a physical IPI from the other CPU, "
                  "stand-in for an assigned device's MSI); did: virtual "
                  "interrupts of that vector (physical IPIs)",
    }
    rigresult.save(data, sys.argv[2], head)

    batches = {b["name"]: b for b in data.get("batches", [])}
    for name, b in batches.items():
        ok = b["sent"] > 0 and b["handled"] >= b["sent"]
        res("PASS" if ok else "FAIL", "l2-%s-nothing-lost" % name,
            "" if ok else "%d sent, %d handled" % (b["sent"], b["handled"]))
    for name in ("baseline-dev", "baseline-again"):
        b = batches.get(name)
        ok = b and b["exits_per_irq"] is not None and b["exits_per_irq"] >= 1
        res("PASS" if ok else "FAIL", "l2-%s-exits" % name,
            "" if ok else "%s" % (b and b["exits_per_irq"]))
    base = batches.get("baseline-dev")
    for name in ("eli-dev", "did-virq"):
        b = batches.get(name)
        ok = b and base and b["exits_per_irq_excl_host_irqs"] is not None \
            and b["exits_per_irq_excl_host_irqs"] < 0.1 and \
            b["exits_per_irq"] * 2 < base["exits_per_irq"]
        res("PASS" if ok else "FAIL", "l2-%s-exits" % name,
            "" if ok else "%s exits per interrupt, %s without the host's "
            "interrupts'" % (b and b["exits_per_irq"],
                             b and b["exits_per_irq_excl_host_irqs"]))
    print("EMULATED (%s): a Linux guest under QEMU/KVM, %d interrupts per "
          "batch" % (emu, data.get("count", 0)))
    print("  %-16s %6s %8s %7s %10s %9s %13s %6s" % (
        "batch", "sent", "handled", "exits", "exits/irq", "host irq",
        "w/o host irq", "idle"))
    for b in data.get("batches", []):
        print("  %-16s %6d %8d %7d %10s %9d %13s %6d" % (
            b["name"], b["sent"], b["handled"], b["exits"],
            b["exits_per_irq"], b.get("host_irq_exits", 0),
            b["exits_per_irq_excl_host_irqs"], b.get("idle_exits", 0)))
    print("  guest boot: %s s of host uptime, %s s wall in Bochs" %
          (data["boot"]["host_uptime_s"], data["boot"]["wall_s"]))
    return 1 if checks.fails else 0


if __name__ == "__main__":
    sys.exit(main())
