#!/usr/bin/env python3
"""The delivery modes side by side: exits per interrupt per mode and path,
with and without the guest's EOI, measured (EMULATED or MEASURED) beside
the reference model's figures for the same workload (MODELLED).

usage: modes-table.py --modelled MODEL.json [--measured RESULT.json
                      --origin EMULATED|MEASURED] [--platform LINE]
                      [--json OUT.json]

MODEL.json is {"compute": M, "halt": M} with M the output of
`exitless model --count N --guest G --json`. RESULT.json is what
tests/vm/bochs/eli-result.py writes from an xl-elitest run (its batches
and the "rig" it ran on). Without --measured only the MODELLED columns are
printed (make run shows them while the emulated host boots).

Measured exits per interrupt leave out the exits of the host's own
interrupts on the vCPU's CPU (counted per vector by exitless.ko), as
eli-result.py does: they happen in every mode and are not the cost of the
delivered interrupts.

Exit status: 0, or 1 when a measured batch lost interrupts or a file is
unreadable.
"""
import argparse
import datetime
import json
import sys

# batch of xl-elitest, mode, path, model mode, model interrupt, guest
ROWS = [
    ("baseline-dev", "baseline", "device (test device, KVM injects)",
     "baseline", "device", "compute"),
    ("baseline-irqfd", "baseline", "device (MSI via VFIO's irqfd path)",
     "baseline", "device", "compute"),
    ("baseline-msi", "baseline", "virtual (KVM_SIGNAL_MSI)",
     "baseline", "virtual", "compute"),
    ("eli-dev", "eli", "device (test device, shadow IDT)",
     "eli", "device", "compute"),
    ("eli-irqfd", "eli", "device (assigned IRQ, shadow IDT)",
     "eli", "device", "compute"),
    ("eli-irqfd-rerouted", "eli", "device (after the guest re-routed)",
     "eli", "device", "compute"),
    ("eli-msi-injected", "eli", "virtual (injection mode)",
     "eli", "virtual", "compute"),
    ("eli-dev-halted", "eli", "device, guest halted",
     "eli", "device", "halt"),
    ("did-virq", "did", "virtual (physical IPI)",
     "did-ipi", "virtual", "compute"),
    ("did-virq-halted", "did", "virtual, guest halted",
     "did-ipi", "virtual", "halt"),
    ("pi-device", "pi", "device (VT-d posted IRTE)",
     "pi", "device", "compute"),
    ("pi-virq", "pi", "virtual (posted into KVM's descriptor)",
     "pi", "virtual", "compute"),
    ("pi-virq-halted", "pi", "virtual, guest halted",
     "pi", "virtual", "halt"),
    ("baseline-again-dev", "baseline", "device (back from eli/did)",
     "baseline", "device", "compute"),
]
# batches a run of eli and did has not got, and why
PI_VIRQ = ("not run here: eli and did need kvm_intel without APICv, pi "
           "with it; tier bochs measures it (bench/results/*-pi.json)")
NOT_RUN = {
    "pi-device": "not run: posted IRTEs need an IOMMU that posts (VT-d "
                 "CAP.PI), which no emulator here has; modelled only",
    "pi-virq": PI_VIRQ,
    "pi-virq-halted": PI_VIRQ,
}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("modes-table.py: %s: %s" % (path, e))


def model_row(model, mode, irq, guest):
    for r in model.get(guest, {}).get("rows", []):
        if r["mode"] == mode and r["irq"] == irq:
            eoi = r.get("by_reason", {}).get("eoi_msr", 0.0)
            return {"exits_per_irq": r["exits_per_irq"],
                    "exits_per_irq_excl_eoi": r["exits_per_irq"] - eoi,
                    "lost": r["lost"], "sent": r["sent"]}
    return None


def fmt(v):
    return "-" if v is None else "%.3f" % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modelled", required=True)
    ap.add_argument("--measured")
    ap.add_argument("--origin", default="EMULATED",
                    choices=("EMULATED", "MEASURED"))
    ap.add_argument("--platform", default="")
    ap.add_argument("--json")
    a = ap.parse_args()
    model = load(a.modelled)
    measured = load(a.measured) if a.measured else None
    batches = {b["name"]: b for b in (measured or {}).get("batches", [])}
    count = model.get("compute", {}).get("count")

    rows, bad = [], 0
    for name, mode, path, mmode, mirq, guest in ROWS:
        m = model_row(model, mmode, mirq, guest)
        b = batches.get(name)
        row = {"batch": name, "mode": mode, "path": path, "guest": guest,
               "modelled": m, "model_mode": mmode}
        if b:
            row[a.origin.lower()] = {
                "sent": b["sent"], "handled": b["handled"],
                "lost": b["lost"],
                "exits_per_irq": b["exits_per_irq_excl_host_irqs"],
                "exits_per_irq_excl_eoi":
                    b["exits_per_irq_excl_host_irqs_and_eoi"],
                "host_irq_exits": b.get("host_irq_exits"),
                "latency_us": b.get("latency_us"),
            }
            bad += b["lost"] > 0 or b["handled"] != b["sent"]
        elif measured is not None:
            row["not_run"] = NOT_RUN.get(name, "no such batch in this run")
        elif mode not in ("baseline", "eli", "did", "pi"):
            continue
        rows.append(row)

    if measured is None:
        print("MODELLED: the reference model's exits per interrupt for the "
              "workload about to run (N=%s per row)" % count)
        f = "  %-9s %-38s %10s %12s"
        print(f % ("mode", "path", "exits/irq", "without EOI"))
        for r in rows:
            if r["batch"] in ("baseline-again-dev", "eli-irqfd-rerouted",
                              "baseline-irqfd", "eli-irqfd"):
                continue
            m = r["modelled"] or {}
            print(f % (r["mode"], r["path"], fmt(m.get("exits_per_irq")),
                       fmt(m.get("exits_per_irq_excl_eoi"))))
        print("  (model: x2APIC EOI passed through in eli/did, APICv in pi;"
              " did = did-ipi, the guest vector as a physical IPI)")
        return 0

    o = a.origin
    rig = measured.get("rig", {})
    if o == "MEASURED":
        # eli-result.py describes the emulated host; this ran here
        rig = {"label": "MEASURED on this host's VT-x: exit counts are "
                        "KVM's own", "origin": "MEASURED"}
    if a.platform:
        print(a.platform)
    print("origin: %s" % rig.get("label", o))
    if rig.get("host"):
        print("  host: %s" % rig["host"])
    print("MODELLED: the reference model (model/), same interrupts, same "
          "paths")
    print()
    # latency means something only on a real host (MEASURED)
    lat = o == "MEASURED"
    f = "%-9s %-36s %6s %7s %5s  %9s %9s  %9s %9s" + \
        ("  %8s %8s" if lat else "")
    head = ["", "", "", "", "", o, "", "MODELLED", ""]
    print(f % tuple(head + ([o, ""] if lat else [])))
    print(f % tuple(["mode", "path", "sent", "handled", "lost", "exits/irq",
                     "w/o EOI", "exits/irq", "w/o EOI"] +
                    (["p50 us", "p99 us"] if lat else [])))
    for r in rows:
        m = r["modelled"] or {}
        x = r.get(o.lower())
        model = [fmt(m.get("exits_per_irq")),
                 fmt(m.get("exits_per_irq_excl_eoi"))]
        if x:
            lu = x.get("latency_us") or {}
            lcols = ["%.1f" % lu["p50"] if "p50" in lu else "-",
                     "%.1f" % lu["p99"] if "p99" in lu else "-"]
            print(f % tuple([r["mode"], r["path"], x["sent"], x["handled"],
                             x["lost"], fmt(x["exits_per_irq"]),
                             fmt(x["exits_per_irq_excl_eoi"])] + model +
                            (lcols if lat else [])))
        else:
            print(f % tuple([r["mode"], r["path"], "", "", "", "-", "-"] +
                            model + (["-", "-"] if lat else [])))
            print("          %s" % r["not_run"])
    print()
    print("exits/irq: VM exits per delivered interrupt counted by KVM, the "
          "exits of the host's own")
    print("interrupts on that CPU left out; w/o EOI: the same without the "
          "guest's EOI exit.")
    apic = (rig.get("host_apic") or "").lower()
    if apic and not ("x2apic enabled" in apic or "routing to physical x2apic" in apic
            or "routing to cluster x2apic" in apic):
        print("On an xAPIC host the guest's EOI exits in every mode (the "
              "x2APIC EOI MSR cannot be")
        print("passed through); the model assumes x2APIC, so compare the "
              "w/o EOI columns.")
    if lat:
        print("p50/p99 us: round trip of each interrupt, from the send call "
              "to the guest's handler count")
        print("seen by the sender (send path and polling included, the same "
              "in every mode).")
    else:
        print("Latency is not shown: the emulator's clock says nothing about "
              "hardware (the JSON keeps it).")
    print("%s lost." % ("Nothing" if not bad else "%d batches" % bad))
    if a.json:
        out = {"platform": a.platform, "origin": o, "rig": rig,
               "count": measured.get("count"), "rows": rows,
               "saved": datetime.datetime.now(datetime.timezone.utc)
               .strftime("%Y-%m-%dT%H:%M:%SZ")}
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=2)
            fh.write("\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
