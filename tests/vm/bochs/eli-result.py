#!/usr/bin/env python3
"""Turn the XLELI line of an xl-elitest run in the Bochs rig into a result
file and the exits-per-interrupt checks of issue 5.

usage: eli-result.py LOG OUT.json

LOG is build/logs/bochs-TEST.log (tests/vm/guest/bochs-eli.sh ran
xl-elitest, tests/vm/src/xl-elitest.c).  OUT.json gets the batches plus a
"rig" object saying where they ran.

Every batch sends COUNT interrupts one at a time and reads KVM's own exit
counter around it.  The vCPU's pCPU also takes host interrupts while the
batch runs (in Bochs mostly the host LAPIC timer, ~150,000/s of guest
time: Bochs' LAPIC timer counts ~140x faster than the rate the kernel
takes from CPUID 0x15), each one an exit in every mode.  Those are counted
per vector by exitless.ko and taken out:
  exits_per_irq_excl_host_irqs          what the delivered interrupts cost
  exits_per_irq_excl_host_irqs_and_eoi  the same without the guest's EOI,
                                        which exits on an xAPIC host (Bochs)
                                        in every mode

Prints one "XLTEST PASS|FAIL|SKIP name[: why]" line per check:
  eli-json                      the XLELI line is there and parses
  eli-BATCH-nothing-lost        sent == handled == COUNT, lost == 0
  eli-baseline-exits-per-irq    baseline (test device, MSI, test MSI
                                through its irqfd) >= 1 exit per interrupt
  eli-direct-delivery-no-exit   eli (test device; test MSI bound like a
                                VFIO vector, mapped by kmod/assigned.c) and
                                did: delivery costs < 0.1 exit per
                                interrupt besides the EOI
  eli-eoi-exits                 eli and did: the EOI is the one exit left
                                (an xAPIC host cannot pass it through)
  eli-host-irqs-keep-arriving   eli and did: host interrupts still reached
                                the host (exits for them were counted and
                                the host ran their handlers)
  eli-halted-vcpu-gets-device-irqs  eli, guest waiting in HLT: the vCPU
                                did halt (KVM halt exits) and every test-device
                                interrupt reached it (through the host handler)
  did-wakes-blocked-vcpu        did, guest waiting in HLT: the engine woke the
                                blocked vCPU (did_wakeups) and nothing was lost
  eli-detach-restores-baseline  back in baseline: >= 1 exit per interrupt
then a table.  Exit 0 unless a check failed.
"""
import datetime
import json
import re
import sys

DIRECT = ("eli-dev", "did-virq", "eli-irqfd")
TENTH = ("eli-msi-injected", "eli-dev-halted", "did-virq-halted",
         "eli-irqfd-rerouted")
BASELINE = ("baseline-dev", "baseline-msi", "baseline-irqfd")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    fails = 0

    def res(kind, name, why=""):
        nonlocal fails
        fails += kind == "FAIL"
        print("XLTEST %s %s%s" % (kind, name, ": " + why if why else ""))

    m = re.search(r"^XLELI (\{.*\})\s*$", log, re.M)
    if not m:
        res("FAIL", "eli-json", "no XLELI line in %s (xl-elitest did not "
            "finish)" % sys.argv[1])
        return 1
    try:
        data = json.loads(m.group(1))
    except ValueError as e:
        res("FAIL", "eli-json", "not JSON: %s" % e)
        return 1
    res("PASS", "eli-json")
    head = log.splitlines()[0] if log.startswith("# bochs-run.sh") else ""
    host = re.search(r"^XLINFO host-apic: (.*)$", log, re.M)
    data["rig"] = {
        "label": "bochs-2.7 emulated VMX (corei7_skylake_x), EMULATED: "
                 "exit counts are KVM's own, times are Bochs times",
        "host": "Debian 6.1 kernel with unmodified kvm_intel "
                "(enable_apicv=N, preemption_timer=N) in Bochs, 2 CPUs, "
                "xAPIC (no IOMMU: x2APIC refused without IR)",
        "host_apic": host.group(1).strip() if host else None,
        "module": "exitless.ko experimental=1 (VMX backend)",
        "device": "exitless test device: a host vector of the VM's own on "
                  "the vCPU's CPU, fired as a physical IPI from the other "
                  "CPU (stand-in for an assigned device's MSI); *-irqfd "
                  "batches: exitless test MSI, bound like a VFIO vector "
                  "(eventfd, KVM irqfd with an MSI route, IRQ-bypass "
                  "producer), registered as the VM's assigned IRQ",
        "bochs_run": head.lstrip("# "),
        "saved": datetime.datetime.now(datetime.timezone.utc)
                 .strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with open(sys.argv[2], "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")

    count = data.get("count", 0)
    batches = {b["name"]: b for b in data.get("batches", [])}
    for name, b in batches.items():
        want = count if name not in TENTH else max(count // 10, 1)
        ok = b["sent"] == want and b["handled"] == want and not b["lost"]
        res("PASS" if ok else "FAIL", "eli-%s-nothing-lost" % name,
            "" if ok else "sent %s handled %s lost %s of %s" %
            (b["sent"], b["handled"], b["lost"], want))

    def need(names, check, name, why):
        missing = [n for n in names if n not in batches]
        if missing:
            res("FAIL", name, "no batch %s" % ", ".join(missing))
            return
        bad = [n for n in names if not check(batches[n])]
        res("FAIL" if bad else "PASS", name,
            (why + ": " + ", ".join(bad)) if bad else "")

    need(BASELINE, lambda b: b["exits_per_irq_excl_host_irqs"] >= 1,
         "eli-baseline-exits-per-irq", "< 1 exit per interrupt")
    need(DIRECT, lambda b: b["exits_per_irq_excl_host_irqs_and_eoi"] < 0.1,
         "eli-direct-delivery-no-exit",
         ">= 0.1 exit per interrupt besides the EOI")
    need(DIRECT, lambda b: b["eoi_exits"] <= b["sent"] + 1,
         "eli-eoi-exits", "more EOI exits than interrupts")
    need(DIRECT, lambda b: b.get("host_irq_exits", 0) > 0,
         "eli-host-irqs-keep-arriving", "no host interrupt during the batch")
    need(("eli-dev-halted",), lambda b: b.get("halt_exits", 0) > 0,
         "eli-halted-vcpu-gets-device-irqs", "the vCPU never halted")
    need(("did-virq-halted",), lambda b: b.get("halt_exits", 0) > 0 and
         b.get("did_wakeups", 0) > 0, "did-wakes-blocked-vcpu",
         "no halt exit or no wakeup by the engine")
    need(("baseline-again-dev",),
         lambda b: b["exits_per_irq_excl_host_irqs"] >= 1,
         "eli-detach-restores-baseline", "< 1 exit per interrupt")

    fmt = "    %-18s %5s %7s %5s %8s %8s %8s %9s %8s"
    print(fmt % ("batch", "sent", "handled", "lost", "exits/i", "excl.host",
                 "excl.eoi", "via host", "host irq"))
    for name, b in batches.items():
        print(fmt % (name, b["sent"], b["handled"], b["lost"],
                     "%.3f" % b["exits_per_irq"],
                     "%.3f" % b["exits_per_irq_excl_host_irqs"],
                     "%.3f" % b["exits_per_irq_excl_host_irqs_and_eoi"],
                     b["dev_irqs_via_host"], b["host_irq_exits"]))
    print("    result: %s" % sys.argv[2])
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
