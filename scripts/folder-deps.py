#!/usr/bin/env python3
"""Prints which top-level folders of src/Agent each folder depends on; exits 1 naming every two-way pair.

A folder is one namespace (src/Agent/Storage/S3 counts as Storage). Folder A depends on folder B when a file
under A names EtcdAgent.B: in a `using` line, a fully qualified name, or a short qualified name such as
`Scheduling.CronSchedule` (which C# resolves to EtcdAgent.Scheduling from inside EtcdAgent.*). Short names count
only when the part after the dot is a type or subnamespace declared in B, so a property that happens to be
called `Etcd` or `Output` is not mistaken for the folder. Comments and string literals are ignored.
Why it exists: docs/architecture.md, section 2 ("no two folders depend on each other both ways").
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "Agent")

DECLARATION = re.compile(
    r"\b(?:class|struct|interface|enum|record|delegate\s+[\w<>\[\],.? ]+?)\s+(?:class\s+|struct\s+)?([A-Z]\w*)")
# Verbatim and raw strings are rare here; plain and interpolated literals and both comment forms are what matter.
STRIP = re.compile(r'//[^\n]*|/\*.*?\*/|@"(?:[^"]|"")*"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])+\'', re.S)


def source_files(folder):
    for directory, _, names in os.walk(os.path.join(ROOT, folder)):
        for name in sorted(names):
            if name.endswith(".cs"):
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8") as f:
                    yield path, STRIP.sub(" ", f.read())


def main():
    folders = sorted(d for d in os.listdir(ROOT)
                     if os.path.isdir(os.path.join(ROOT, d)) and d not in ("bin", "obj"))
    code = {f: list(source_files(f)) for f in folders}

    # What a short qualified name may continue with: the folder's own types and its subfolders.
    members = {}
    for f in folders:
        names = set()
        for _, text in code[f]:
            names.update(DECLARATION.findall(text))
        for _, subdirs, _ in os.walk(os.path.join(ROOT, f)):
            names.update(subdirs)
            break
        members[f] = names

    mention = {o: re.compile(r"\bEtcdAgent\.%s\b|(?<![\w.])%s\.(?:%s)\b"
                             % (o, o, "|".join(sorted(members[o])) or "(?!)")) for o in folders}
    uses = {f: {} for f in folders}  # folder -> used folder -> first file that shows it
    for f in folders:
        for path, text in code[f]:
            for other in folders:
                if other != f and other not in uses[f] and mention[other].search(text):
                    uses[f][other] = os.path.relpath(path, ROOT)

    for f in folders:
        print("%-14s %s" % (f, ", ".join(sorted(uses[f])) or "nothing"))

    pairs = [(a, b) for a in folders for b in folders if a < b and b in uses[a] and a in uses[b]]
    if pairs:
        print()
        print("two-way dependencies (docs/architecture.md, section 2):")
        for a, b in pairs:
            print("  %s <-> %s: %s; %s" % (a, b, uses[a][b], uses[b][a]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
