#!/usr/bin/env python3
"""Compile Verilog files with the slang front end (pyslang) and fail on any diagnostic.

Usage: slang_lint.py [--top MODULE] FILE...   (or -f filelist.f, relative to its folder)

Prints every diagnostic slang reports (errors and warnings alike, slang's default warning
set) and exits 1 when there is at least one, 0 when there are none, 2 when pyslang is missing
or the arguments are wrong.
"""
import os
import shlex
import sys


def main(argv):
    try:
        import pyslang
        from pyslang import driver
    except ImportError:
        print("slang_lint: pyslang is not installed (pip install pyslang)", file=sys.stderr)
        return 2
    files, top, i = [], None, 0
    while i < len(argv):
        a = argv[i]
        if a == "--top" and i + 1 < len(argv):
            top, i = argv[i + 1], i + 2
            continue
        if a == "-f" and i + 1 < len(argv):
            lst = argv[i + 1]
            base = os.path.dirname(lst)
            with open(lst, encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if line and not line.startswith("//"):
                        files.append(os.path.join(base, line))
            i += 2
            continue
        if a.startswith("-"):
            print(f"slang_lint: unknown option `{a}`", file=sys.stderr)
            return 2
        files.append(a)
        i += 1
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for f in files:
        if not os.path.isfile(f):
            print(f"slang_lint: {f}: no such file", file=sys.stderr)
            return 2
    d = driver.Driver()
    d.addStandardArgs()
    args = ["slang"]
    if top:
        args += ["--top", top]
    args += files
    if not d.parseCommandLine(" ".join(shlex.quote(a) for a in args), driver.CommandLineOptions()):
        return 2
    if not d.processOptions():
        return 2
    parsed = d.parseAllSources()
    comp = d.createCompilation()
    diags = [g for t in d.syntaxTrees for g in t.diagnostics] + list(comp.getAllDiagnostics())
    if diags or not parsed:
        sys.stdout.write(pyslang.DiagnosticEngine.reportAll(d.sourceManager, diags))
        print(f"slang_lint: {len(diags)} diagnostic(s)")
        return 1
    print(f"slang_lint: {len(files)} file(s), 0 diagnostics")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
