"""Shared by the Bochs rig's host-side result scripts (eli-result.py,
l2-result.py): their XLTEST lines, the JSON line a guest script prints,
and which emulator ran (bochs-run.sh's first log line)."""
import datetime
import json
import re


class Checks:
    """One "XLTEST PASS|FAIL|SKIP name[: why]" line per check."""

    def __init__(self):
        self.fails = 0

    def res(self, kind, name, why=""):
        self.fails += kind == "FAIL"
        print("XLTEST %s %s%s" % (kind, name, ": " + why if why else ""))


def json_line(log, tag, checks, name, missing):
    """The object of the line "TAG {...}" in LOG, or None after a FAIL of
    NAME (MISSING says why there is no such line)."""
    m = re.search(r"^%s (\{.*\})\s*$" % tag, log, re.M)
    if not m:
        checks.res("FAIL", name, missing)
        return None
    try:
        data = json.loads(m.group(1))
    except ValueError as e:
        checks.res("FAIL", name, "not JSON: %s" % e)
        return None
    checks.res("PASS", name)
    return data


def run_head(log):
    """bochs-run.sh's first log line and the emulator it names."""
    head = log.splitlines()[0] if log.startswith("# bochs-run.sh") else ""
    emu = re.search(r"emulator=(.*?) \(/", head)
    return head, (emu.group(1) if emu
                  else "Bochs (emulator not named in the log)")


def save(data, path, head):
    """DATA with the bochs-run.sh line HEAD and the time, as JSON to PATH."""
    data["bochs_run"] = head.lstrip("# ")
    data["saved"] = (datetime.datetime.now(datetime.timezone.utc)
                     .strftime("%Y-%m-%dT%H:%M:%SZ"))
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
