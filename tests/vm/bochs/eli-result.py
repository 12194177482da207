#!/usr/bin/env python3
"""Turn the XLELI line of an xl-elitest run in the Bochs rig into a result
file and the exits-per-interrupt checks of exitless.ko's eli and did.

usage: eli-result.py [--pi] LOG OUT.json

LOG is build/logs/bochs-TEST.log (tests/vm/guest/bochs-eli.sh ran
xl-elitest, tests/vm/src/xl-elitest.c).  OUT.json gets the batches plus a
"rig" object saying where they ran.

Every batch sends COUNT interrupts one at a time and reads KVM's own exit
counter around it.  The vCPU's pCPU also takes host interrupts while the
batch runs, each one an exit in every mode (in eli/did a #NP exit on the
host vector's not-present gate, re-raised on the host).  Those are counted
per vector by exitless.ko and taken out:
  exits_per_irq                         every exit of the batch / COUNT
  exits_per_irq_excl_host_irqs          what the delivered interrupts cost,
                                        their EOIs included
  exits_per_irq_excl_host_irqs_and_eoi  the same without the guest's EOI

The host's APIC mode (XLINFO host-apic, from the L1 kernel's dmesg) and
kvm_intel's enable_apicv (XLINFO eli-kvm-intel) decide what can be
asserted: on an x2APIC host exitless passes the x2APIC EOI MSR through, so
eli and did must cost ~0 exits per interrupt with the EOI; on an xAPIC
host (boot option nox2apic) the EOI is an MMIO write that exits, and only
delivery can be exit-less.  Without APICv every baseline interrupt exits
at least once (injection, EOI); with APICv KVM may post it.

Prints one "XLTEST PASS|FAIL|SKIP name[: why]" line per check:
  eli-json                      the XLELI line is there and parses
  eli-BATCH-nothing-lost        sent == handled == COUNT, lost == 0
  eli-baseline-exits-per-irq    APICv off: baseline (test device, MSI, test
                                MSI through its irqfd) >= 1 exit per
                                interrupt (SKIP with APICv on)
  eli-did-exits-with-eoi        x2APIC host: eli (test device; test MSI
                                bound like a VFIO vector, mapped by
                                kmod/vmx/assigned.c) and did: <= 0.01 exits per
                                interrupt, EOI included, over >= 1000
                                interrupts each (SKIP on an xAPIC host)
  eli-direct-delivery-no-exit   xAPIC host: delivery costs < 0.1 exit per
                                interrupt besides the EOI
  eli-eoi-exits                 xAPIC host: the EOI is the one exit left
  eli-host-irqs-not-lost        eli and did: every #NP exit of a vector
                                that is not the device's was re-raised on
                                the host (or, a vector of the VM, injected
                                into it), and every re-raised vector was in
                                service on the physical LAPIC
  eli-halted-vcpu-gets-device-irqs  eli, guest waiting in HLT: the vCPU
                                did halt (KVM halt exits) and every test-device
                                interrupt reached it (through the host handler)
  did-wakes-blocked-vcpu        did, guest waiting in HLT: the engine woke the
                                blocked vCPU (did_wakeups) and nothing was lost
  eli-detach-restores-baseline  back in baseline: >= 1 exit per interrupt
                                (APICv off; SKIP with APICv on)
then a table.  Exit 0 unless a check failed.

With --pi: the XLPI line of xl-elitest's pi part (tests/vm/guest/
bochs-pi.sh, kvm_intel with APICv), checks named pi-*:
  pi-json                       the XLPI line is there and parses
  pi-BATCH-nothing-lost         as above
  pi-virq-exits-with-eoi        virtual interrupts posted by exitless into
                                KVM's descriptor of the running vCPU: <= 0.01
                                exits per interrupt, EOI included, over >=
                                1000 interrupts (a notification that exited
                                counts against it)
  pi-halted-vcpu-woken          the same to the vCPU waiting in HLT: it did
                                halt, every interrupt woke it, no more than
                                its HLT exit per interrupt (<= 1.1)
  pi-kvm-apicv-beside           KVM's own posted path in the same VM
                                (KVM_SIGNAL_MSI): < 0.1 exits per interrupt
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigresult  # noqa: E402

DIRECT = ("eli-dev", "did-virq", "eli-irqfd")
MAX_EXITS_WITH_EOI = 0.01
MIN_COUNT = 1000
TENTH = ("eli-msi-injected", "eli-dev-halted", "did-virq-halted",
         "pi-virq-halted",
         "eli-dev-migrating", "eli-dev-after-migrating",
         "eli-dev-1k", "eli-dev-10k",
         "eli-irqfd-rerouted")
BASELINE = ("baseline-dev", "baseline-msi", "baseline-irqfd")


MAX_EXITS_HALTED = 1.1


def main():
    pi = sys.argv[1:2] == ["--pi"]
    if pi:
        del sys.argv[1]
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    checks = rigresult.Checks()
    res = checks.res
    tag, pre = ("XLPI", "pi") if pi else ("XLELI", "eli")
    data = rigresult.json_line(log, tag, checks, pre + "-json",
                               "no %s line in %s (xl-elitest did not "
                               "finish)" % (tag, sys.argv[1]))
    if data is None:
        return 1
    head, emu = rigresult.run_head(log)
    host = re.search(r"^XLINFO host-apic: (.*)$", log, re.M)
    host = host.group(1).strip() if host else ""
    # 6.1: "Switched APIC routing to physical x2apic"; 6.12 writes
    # "routing to: physical x2apic"
    x2apic = bool(re.search(r"x2apic enabled|routing to:? (physical|cluster) "
                            r"x2apic", host, re.I))
    mode = "x2APIC" if x2apic else "xAPIC"
    kvmi = re.search(r"^XLINFO %s-kvm-intel: (.*)$" % pre, log, re.M)
    kvmi = kvmi.group(1).strip() if kvmi else ""
    apicv = re.search(r"enable_apicv=(\S+)", kvmi)
    apicv_on = bool(apicv) and apicv.group(1) in ("Y", "1")
    krel = re.search(r"^XLVM-INIT .*kernel=(\S+)", log, re.M)
    krel = krel.group(1) if krel else "6.1"
    data["rig"] = {
        "label": "%s, corei7_skylake_x, %s host, EMULATED: exit counts "
                 "are KVM's own, times are Bochs times" % (emu, mode),
        "origin": "EMULATED",
        "emulator": emu,
        "host": "Debian %s kernel with unmodified kvm_intel (%s) in "
                "Bochs, 2 CPUs, %s (no IOMMU: x2APIC %s)" %
                (krel, kvmi or "parameters not logged", mode,
                 "kept because the rig's CPUID announces a hypervisor"
                 if x2apic else "off"),
        "host_apic_mode": mode,
        "host_apic": host or None,
        "module": "exitless.ko selftest=1, mode pi (virtual interrupts "
                  "posted into KVM's descriptor, read from the VMCS)"
                  if pi else "exitless.ko experimental=1 (VMX backend)",
        "device": "pi-virq*: virtual interrupts of exitless' selftest "
                  "virq, posted into KVM's descriptor of the vCPU (PIR, ON, "
                  "notification IPI or kvm_vcpu_wake_up); apicv-msi: "
                  "KVM_SIGNAL_MSI on KVM's own posted path"
                  if pi else "exitless test device: a host vector of the VM's own on "
                  "the vCPU's CPU, fired as a physical IPI from the other "
                  "CPU (stand-in for an assigned device's MSI); *-irqfd "
                  "batches: exitless test MSI, bound like a VFIO vector "
                  "(eventfd, KVM irqfd with an MSI route, IRQ-bypass "
                  "producer), registered as the VM's assigned IRQ",
    }
    rigresult.save(data, sys.argv[2], head)

    count = data.get("count", 0)
    batches = {b["name"]: b for b in data.get("batches", [])}
    for name, b in batches.items():
        want = count if name not in TENTH else max(count // 10, 1)
        ok = b["sent"] == want and b["handled"] == want and not b["lost"]
        check = name if name.startswith(pre + "-") else pre + "-" + name
        res("PASS" if ok else "FAIL", check + "-nothing-lost",
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

    if pi:
        pi_checks(need)
        table(batches, mode, kvmi)
        return 1 if checks.fails else 0

    apicv_why = ("APICv on (kvm_intel %s): KVM may post baseline "
                 "interrupts without an exit" % kvmi)
    if apicv_on:
        res("SKIP", "eli-baseline-exits-per-irq", apicv_why)
    else:
        need(BASELINE, lambda b: b["exits_per_irq_excl_host_irqs"] >= 1,
             "eli-baseline-exits-per-irq", "< 1 exit per interrupt")
    if x2apic:
        need(DIRECT, lambda b: b["sent"] >= MIN_COUNT and
             b["exits_per_irq_excl_host_irqs"] <= MAX_EXITS_WITH_EOI,
             "eli-did-exits-with-eoi", "fewer than %d interrupts or more "
             "than %s exits per interrupt, EOI included" %
             (MIN_COUNT, MAX_EXITS_WITH_EOI))
    else:
        res("SKIP", "eli-did-exits-with-eoi", "xAPIC host (no 'x2apic "
            "enabled' in its dmesg): the guest's EOI is an MMIO write that "
            "exits")
        need(DIRECT,
             lambda b: b["exits_per_irq_excl_host_irqs_and_eoi"] < 0.1,
             "eli-direct-delivery-no-exit",
             ">= 0.1 exit per interrupt besides the EOI")
        need(DIRECT, lambda b: b["eoi_exits"] <= b["sent"] + 1,
             "eli-eoi-exits", "more EOI exits than interrupts")

    def not_lost(b):
        if "np_reraised" not in b:
            return False
        return (b["host_np_exits"] == b["np_reraised"] + b["np_injected"]
                and b["reraise_not_in_service"] == 0)
    need(DIRECT, not_lost, "eli-host-irqs-not-lost",
         "#NP exits of host vectors that were neither re-raised nor "
         "injected, or a re-raised vector not in service (or xl-elitest "
         "without these counters)")
    need(("eli-dev-halted",), lambda b: b.get("halt_exits", 0) > 0,
         "eli-halted-vcpu-gets-device-irqs", "the vCPU never halted")
    need(("did-virq-halted",), lambda b: b.get("halt_exits", 0) > 0 and
         b.get("did_wakeups", 0) > 0, "did-wakes-blocked-vcpu",
         "no halt exit or no wakeup by the engine")
    if apicv_on:
        res("SKIP", "eli-detach-restores-baseline", apicv_why)
    else:
        need(("baseline-again-dev",),
             lambda b: b["exits_per_irq_excl_host_irqs"] >= 1,
             "eli-detach-restores-baseline", "< 1 exit per interrupt")

    table(batches, mode, kvmi)
    return 1 if checks.fails else 0


def pi_checks(need):
    """xl-elitest's pi part: see --pi in the docstring."""
    need(("pi-virq",), lambda b: b["sent"] >= MIN_COUNT and
         b["exits_per_irq_excl_host_irqs"] <= MAX_EXITS_WITH_EOI,
         "pi-virq-exits-with-eoi", "fewer than %d interrupts or more than "
         "%s exits per interrupt, EOI included" %
         (MIN_COUNT, MAX_EXITS_WITH_EOI))
    need(("pi-virq-halted",), lambda b: b.get("halt_exits", 0) > 0 and
         b["exits_per_irq_excl_host_irqs"] <= MAX_EXITS_HALTED,
         "pi-halted-vcpu-woken", "the vCPU never halted, or more than %s "
         "exits per interrupt" % MAX_EXITS_HALTED)
    need(("apicv-msi",), lambda b: b["exits_per_irq_excl_host_irqs"] < 0.1,
         "pi-kvm-apicv-beside", ">= 0.1 exits per interrupt on KVM's own "
         "posted path")


def table(batches, mode, kvmi):
    print("    %s host, kvm_intel %s" % (mode, kvmi or "?"))
    fmt = "    %-18s %5s %7s %5s %8s %9s %8s %8s %8s %8s"
    print(fmt % ("batch", "sent", "handled", "lost", "exits/i", "excl.host",
                 "excl.eoi", "eoi ex.", "host irq", "reraised"))
    for name, b in batches.items():
        print(fmt % (name, b["sent"], b["handled"], b["lost"],
                     "%.3f" % b["exits_per_irq"],
                     "%.3f" % b["exits_per_irq_excl_host_irqs"],
                     "%.3f" % b["exits_per_irq_excl_host_irqs_and_eoi"],
                     b["eoi_exits"], b["host_irq_exits"],
                     b.get("np_reraised", "-")))
    print("    result: %s" % sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
