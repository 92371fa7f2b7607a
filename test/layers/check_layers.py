#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks the daemon's include graph against its layers (docs/architecture.md).

Each folder of src/ is a layer with a rank; a file may include headers of
its own layer or of a lower one, never of a higher one, and the data path
(netif, kni, dp, inet, ipvs, worker) never includes the config parser
(cfg), the control server (ctl) or the control side (control). Also finds
any circle among the files' includes. Prints every violation with the file
and line; exit 1 when there is one.

Usage: test/layers/check_layers.py [SRC_DIR]
"""
import os
import re
import sys

# bottom-up; the same rank is one layer (netif and kni: the ports)
RANK = {"netif": 1, "kni": 1, "dp": 2, "inet": 3, "ipvs": 4, "worker": 5,
        "cfg": 6, "ctl": 6, "control": 7}
DATA_PATH = {"netif", "kni", "dp", "inet", "ipvs", "worker"}
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    top = rel.split("/", 1)[0]
    return top if top in RANK else None


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
    src = os.path.normpath(src)
    graph, bad = {}, []
    for root, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)
            me = layer_of(rel)
            graph[rel] = []
            with open(os.path.join(root, f), encoding="utf-8") as fh:
                for ln, line in enumerate(fh, 1):
                    m = INC.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    if os.path.exists(os.path.join(src, inc)):
                        graph[rel].append((inc, ln))
                    them = layer_of(inc)
                    if me is None or them is None or them == me:
                        continue
                    if me in DATA_PATH and them in ("cfg", "ctl", "control"):
                        bad.append("%s:%d: data-path layer '%s' includes %s (control side)"
                                   % (rel, ln, me, inc))
                    elif RANK[them] > RANK[me]:
                        bad.append("%s:%d: layer '%s' includes %s of the higher layer '%s'"
                                   % (rel, ln, me, inc, them))
    # circles among files (headers pull each other in)
    state = {}

    def visit(n, path):
        state[n] = 1
        for inc, ln in graph.get(n, []):
            if state.get(inc) == 1:
                cyc = path[path.index(inc):] + [inc] if inc in path else [n, inc]
                bad.append("include circle: " + " -> ".join(cyc))
            elif inc in graph and not state.get(inc):
                visit(inc, path + [inc])
        state[n] = 2

    for n in sorted(graph):
        if not state.get(n):
            visit(n, [n])
    for b in bad:
        print(b)
    print("layers: %d files, %d violations" % (len(graph), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
