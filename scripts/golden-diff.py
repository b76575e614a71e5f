#!/usr/bin/env python3
"""Compares two directories of golden reports (tests/golden before and after a change): verdict,
primary_cause and every check's status must be equal; every other difference is counted, request
lines apart from the rest. Usage: scripts/golden-diff.py OLD_DIR NEW_DIR (exit 1 on a changed verdict)."""
import json, os, sys
old_dir, new_dir = sys.argv[1], sys.argv[2]
bad, other, req = [], {}, 0
def walk(a, b, path):
    global req
    if type(a) != type(b):
        other.setdefault(path, 0); other[path] += 1; return
    if isinstance(a, dict):
        for k in set(a) | set(b):
            if k not in a or k not in b:
                other.setdefault(path + "." + k, 0); other[path + "." + k] += 1
            else:
                walk(a[k], b[k], path + "." + k)
    elif isinstance(a, list):
        if len(a) != len(b):
            other.setdefault(path + "[len]", 0); other[path + "[len]"] += 1
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, path + "[]")
    elif a != b:
        if path.endswith(".request"):
            req += 1
        else:
            other.setdefault(path, 0); other[path] += 1
names = sorted(os.listdir(old_dir))
assert names == sorted(os.listdir(new_dir)), "different file sets"
for n in names:
    a = json.load(open(os.path.join(old_dir, n))); b = json.load(open(os.path.join(new_dir, n)))
    for k in ("verdict", "primary_cause"):
        if a.get(k) != b.get(k): bad.append(f"{n}: {k} {a.get(k)} -> {b.get(k)}")
    for ca, cb in zip(a["checks"], b["checks"]):
        if (ca["id"], ca["status"]) != (cb["id"], cb["status"]):
            bad.append(f"{n}: {ca['id']} {ca['status']} -> {cb['id']} {cb['status']}")
    walk(a, b, "")
print(f"{len(names)} reports; verdict/primary_cause/status changes: {len(bad)}; request lines changed: {req}")
for x in bad: print("  CHANGED", x)
for p, c in sorted(other.items()): print(f"  other difference at {p}: {c}")
sys.exit(1 if bad else 0)
