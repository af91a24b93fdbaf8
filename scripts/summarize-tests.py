#!/usr/bin/env python3
"""Count test results across meson (testlog.json) and pytest (JUnit XML) and
print the closing line "N passed, N failed".  A skipped test counts as failed:
nothing is skipped to stay green.  A missing result file is a failure too.
Exits 1 when anything failed."""
import json
import sys
import xml.etree.ElementTree as ET


def meson(path):
    passed = failed = 0
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get("result") == "OK":
                passed += 1
            else:
                failed += 1
                print(f"FAILED {r.get('name')} ({r.get('result')})")
    return passed, failed


def junit(path):
    root = ET.parse(path).getroot()
    passed = failed = 0
    for case in root.iter("testcase"):
        bad = [c for c in case if c.tag in ("failure", "error", "skipped")]
        if bad:
            failed += 1
            print(f"FAILED {case.get('classname')}::{case.get('name')} ({bad[0].tag})")
        else:
            passed += 1
    return passed, failed


def main(paths):
    total_p = total_f = 0
    for p in paths:
        try:
            ps, fs = junit(p) if p.endswith(".xml") else meson(p)
        except (OSError, ValueError, ET.ParseError) as e:
            print(f"FAILED {p}: no results ({e})")
            ps, fs = 0, 1
        print(f"  {p}: {ps} passed, {fs} failed")
        total_p += ps
        total_f += fs
    print(f"{total_p} passed, {total_f} failed")
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
