#!/usr/bin/env python3
"""Run this folder's cocotb test (test_design.py, or test_accel.py in an accelerator folder).

    python3 cocotb/run.py [--sim icarus|verilator] [--waves] [--param NAME=VALUE ...]

Sources come from ../filelist.f and the top module from ../format.json; the RTL carries its
own `timescale. Exit 0 when every test passes, 1 when one fails, 2 when cocotb is missing.
Tested with cocotb 1.9 (Icarus and Verilator 5.006) and cocotb 2.x (Icarus). The accelerator
test reads its files from POTMAC_* environment variables (see test_accel.py); relative paths
in them are made absolute here, relative to the caller's working directory.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", choices=["icarus", "verilator"], default="icarus")
    ap.add_argument("--waves", action="store_true", help="dump waveforms in the build folder")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="set a parameter of the top (e.g. Spram=1 or PostopDsp=1)")
    args = ap.parse_args()
    params = {}
    for p in args.param:
        name, sep, value = p.partition("=")
        if not sep or not name or not value.lstrip("-").isdigit():
            print(f"--param {p}: expected NAME=INTEGER", file=sys.stderr)
            return 2
        params[name] = int(value)
    try:
        from cocotb_tools.runner import get_results, get_runner  # cocotb 2.x
    except ImportError:
        try:
            from cocotb.runner import get_results, get_runner  # cocotb 1.8, 1.9
        except ImportError:
            print("cocotb is not installed (pip install cocotb)", file=sys.stderr)
            return 2
    accel = os.path.exists(os.path.join(HERE, "test_accel.py"))
    for var in ("POTMAC_PROGRAM", "POTMAC_WEIGHTS", "POTMAC_BIAS", "POTMAC_IMAGES", "POTMAC_EXPECTED"):
        if var in os.environ:
            os.environ[var] = os.path.abspath(os.environ[var])
    with open(os.path.join(ROOT, "format.json"), encoding="utf-8") as fh:
        top = json.load(fh)["top"]
    with open(os.path.join(ROOT, "filelist.f"), encoding="utf-8") as fh:
        sources = [os.path.join(ROOT, line.strip()) for line in fh if line.strip()]
    build_dir = os.path.join(ROOT, "build", "cocotb-" + args.sim)
    runner = get_runner(args.sim)
    runner.build(
        sources=sources,
        hdl_toplevel=top,
        build_dir=build_dir,
        timescale=("1ns", "1ps"),
        waves=args.waves,
        parameters=params,
        always=True,
    )
    xml = runner.test(
        hdl_toplevel=top,
        test_module="test_accel" if accel else "test_design",
        test_dir=HERE,
        build_dir=build_dir,
        results_xml=os.path.join(build_dir, "results.xml"),
        waves=args.waves,
    )
    total, failed = get_results(xml)
    print(f"cocotb {args.sim}: {total - failed} of {total} tests passed")
    return 1 if failed or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
