#!/usr/bin/env python3
"""Turn the `exitless bench --json` output of a Bochs boot into a result
file and checks (tests/vm/README.md, Bochs rig).

usage: bench-result.py [--apicv] LOG OUT.json

LOG is build/logs/bochs-TEST.log: the guest printed the benchmark's JSON
between XLBENCH-JSON-BEGIN/END lines and the facts of the machine as
XLINFO lines (vmx flags, kvm_intel parameters, command line).  OUT.json
gets the benchmark's JSON plus a "rig" object saying where it ran.
--apicv: the second run of the same bench, with kvm_intel enable_apicv=Y
(XLBENCH-APICV-JSON block, XLINFO apicv.kvm_intel.* lines): the
comparison row "kvm-apicv", KVM's own posted-interrupt path; its checks
are named kvm-apicv-* instead of bench-*.

Prints one "XLTEST PASS|FAIL|SKIP name[: why]" line per check:
  bench-json                the JSON is there and parses
  bench-GUEST-PATH-nothing-lost   sent == handled, lost == 0, per run
  bench-msi-exits-per-irq   APICv off (kvm_intel.enable_apicv=N): on the
                            KVM_SIGNAL_MSI path every guest mode costs
                            >= 1 VM exit per interrupt (KVM injects, the
                            EOI exits). SKIP with APICv on, where KVM posts
                            the interrupt to a running vCPU without an exit
  kvm-apicv-on              (--apicv) kvm_intel ran with enable_apicv=Y
  kvm-apicv-posted-running  (--apicv) the computing guest (vCPU in guest
                            mode) takes every path's interrupts at < 0.1
                            exits per interrupt: posted, EOI virtualized
then a table of exits per interrupt.  Exit 0 unless a check failed.
"""
import datetime
import json
import re
import sys



def main():
    args = sys.argv[1:]
    apicv_run = bool(args) and args[0] == "--apicv"
    if apicv_run:
        args = args[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    sys.argv[1:] = args
    block = "XLBENCH-APICV-JSON" if apicv_run else "XLBENCH-JSON"
    pre = "kvm-apicv" if apicv_run else "bench"
    kpre = "apicv.kvm_intel." if apicv_run else "kvm_intel."
    log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    lines = log.splitlines()
    fails = 0

    def res(kind, name, why=""):
        nonlocal fails
        fails += kind == "FAIL"
        print("XLTEST %s %s%s" % (kind, name, ": " + why if why else ""))

    m = re.search(r"^%s-BEGIN\n(.*?)^%s-END" % (block, block), log,
                  re.S | re.M)
    if not m:
        res("SKIP", pre + "-json", "no %s block in the log (the guest "
            "skipped the benchmark)" % block)
        return 0
    try:
        data = json.loads(m.group(1))
    except ValueError as e:
        res("FAIL", pre + "-json", "not JSON: %s" % e)
        return 1
    res("PASS", pre + "-json")

    info = {}
    for ln in lines:
        mm = re.match(r"^XLINFO ([A-Za-z0-9_.-]+)=(.*)$", ln)
        if mm:
            info[mm.group(1)] = mm.group(2).strip()
    head = lines[0] if lines and lines[0].startswith("# bochs-run.sh") else ""
    emu = re.search(r"emulator=(.*?) \(/", head)
    emu = emu.group(1) if emu else "Bochs (emulator not named in the log)"
    hostapic = info.get("host-apic", "")
    mode = "x2APIC" if re.search(r"x2apic enabled|routing to:? (physical|"
                                 r"cluster) x2apic", hostapic, re.I) \
        else "xAPIC"
    apicv = info.get(kpre + "enable_apicv", "?")
    cmdline = info.get("boot-warnings", "")
    cmdline = cmdline.split("cmdline=", 1)[1] if "cmdline=" in cmdline else ""
    data["rig"] = {
        "label": "%s%s emulated VMX (corei7_skylake_x), %s host, "
                 "enable_apicv=%s" % ("kvm-apicv (KVM's own posted-"
                                      "interrupt path): " if apicv_run
                                      else "", emu, mode, apicv),
        "origin": "EMULATED",
        "emulator": emu + ", cpu model corei7_skylake_x",
        "host_apic_mode": mode,
        "host_apic": hostapic or None,
        "rig_command": "tests/vm/bochs-run.sh (tests/tiers/50-bochs.sh)",
        "bochs_run": head.lstrip("# "),
        "l1_kernel_cmdline": cmdline,
        "l1_cpus": (info.get("cpus") or "?").split()[0],
        "vmx_flags": info.get("vmx-flags"),
        "kvm_intel_params": {k[len(kpre):]: v for k, v in info.items()
                             if k.startswith(kpre)},
        "bench_cmd": info.get("bench-cmd"),
        "saved": datetime.datetime.now(datetime.timezone.utc)
                 .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": "exit counts are KVM's own vCPU stats under emulated VMX; "
                "times are Bochs times, not hardware times",
    }
    with open(sys.argv[2], "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")

    runs = data.get("runs", [])
    if not runs:
        res("FAIL", pre + "-runs", "the JSON has no runs")
    msi_seen = False
    print("    %-8s %-8s %6s %7s %6s %8s %8s %8s %8s" %
          ("guest", "path", "sent", "handled", "lost", "exits/i",
           "irq_ex/i", "irqwin/i", "halt/i"))
    for r in runs:
        g, p = r.get("guest", "?"), r.get("path", "?")
        if r.get("skipped"):
            res("SKIP", "%s-%s-%s" % (pre, g, p),
                r.get("skip_why", "skipped by the tool"))
            continue
        sent, handled = r.get("sent", 0), r.get("handled", -1)
        lost = r.get("lost", 0)
        name = "%s-%s-%s-nothing-lost" % (pre, g, p)
        if sent > 0 and sent == handled and lost == 0:
            res("PASS", name)
        else:
            res("FAIL", name, "sent %s handled %s lost %s" %
                (sent, handled, lost))
        pi = r.get("per_irq", {})
        print("    %-8s %-8s %6s %7s %6s %8s %8s %8s %8s" %
              (g, p, sent, handled, lost, pi.get("exits"),
               pi.get("irq_exits"), pi.get("irq_window_exits"),
               pi.get("halt_exits")))
        if p == "msi":
            msi_seen = True
            ex = pi.get("exits")
            if apicv == "N" and (not isinstance(ex, (int, float)) or ex < 1):
                res("FAIL", "bench-msi-exits-per-irq",
                    "guest %s: %s exits per interrupt, baseline without "
                    "APICv must be >= 1" % (g, ex))
    if apicv_run:
        res("PASS" if apicv == "Y" else "FAIL", "kvm-apicv-on",
            "" if apicv == "Y" else "kvm_intel enable_apicv=%s" % apicv)
        comp = [r for r in runs if r.get("guest") == "compute" and
                not r.get("skipped")]
        bad = ["%s %s" % (r.get("path"), r.get("per_irq", {}).get("exits"))
               for r in comp if not (r.get("per_irq", {}).get("exits", 1)
                                     < 0.1)]
        res("FAIL" if bad or not comp else "PASS", "kvm-apicv-posted-running",
            "no computing-guest run" if not comp else
            ("exits per interrupt >= 0.1: " + ", ".join(bad)) if bad else "")
    elif apicv != "N":
        res("SKIP", "bench-msi-exits-per-irq", "kvm_intel.enable_apicv=%s: "
            "KVM may post the interrupt without an exit" % apicv)
    elif msi_seen:
        bad = [r for r in runs if r.get("path") == "msi" and
               not r.get("skipped") and
               not (r.get("per_irq", {}).get("exits", 0) >= 1)]
        if not bad:
            res("PASS", "bench-msi-exits-per-irq")
    else:
        res("FAIL", "bench-msi-exits-per-irq", "no msi run in the result")
    print("    result: %s" % sys.argv[2])
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
