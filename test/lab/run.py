#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs the lab tests: every test_*.py here, every function test_* in it,
in file order. A module may define setup(lab) / teardown(lab) and LAB
(a Lab); the lab is torn down after the module whatever happens.
Prints "PASS: name" / "FAIL: name" lines.

    test/lab/run.py [MODULE[:TEST]] ...

LAB_PREFIX=xy in the environment goes in front of every module's lab
prefix (xylt, xyln, ...): several people can run the lab side by side.
"""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    want = sys.argv[1:]
    files = sorted(f for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    npass = nfail = 0
    for f in files:
        modname = f[:-3]
        sel = [w.split(":", 1)[1] if ":" in w else None for w in want
               if w.split(":")[0] == modname]
        if want and not sel:
            continue
        try:
            mod = load(os.path.join(HERE, f))
        except Exception:
            # a module that does not even load is a failure, not the end
            # of the run (the modules after it still run)
            traceback.print_exc()
            print("FAIL: lab %s load" % modname, flush=True)
            nfail += 1
            continue
        tests = [n for n in dir(mod) if n.startswith("test_") and callable(getattr(mod, n))]
        tests.sort(key=lambda n: getattr(mod, n).__code__.co_firstlineno)
        if sel and None not in sel:
            tests = [t for t in tests if t in sel]
        lab = getattr(mod, "LAB", None)
        try:
            if hasattr(mod, "setup"):
                mod.setup()
        except Exception:
            traceback.print_exc()
            print("FAIL: lab %s setup" % modname, flush=True)
            nfail += 1
            if lab:
                print(lab.daemon_log()[-3000:])
                lab.down()
            continue
        for t in tests:
            t0 = time.time()
            try:
                getattr(mod, t)()
                print("PASS: lab %s.%s (%.1fs)" % (modname, t, time.time() - t0), flush=True)
                npass += 1
            except Exception:
                traceback.print_exc()
                if lab:
                    print("--- daemon log (tail) ---\n" + lab.daemon_log()[-2000:])
                print("FAIL: lab %s.%s" % (modname, t), flush=True)
                nfail += 1
        try:
            if hasattr(mod, "teardown"):
                mod.teardown()
        except Exception:
            traceback.print_exc()
            print("FAIL: lab %s teardown" % modname, flush=True)
            nfail += 1
        finally:
            if lab:
                lab.down()
    print("lab: %d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
