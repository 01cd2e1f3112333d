#!/usr/bin/env python3
"""tests/layers.py: the library's include rules (docs/architecture.md).

Prints one "ok - t0100-layers: ..." or "FAIL - ..." line per rule: every
#include "x/y.h" of common/ goes to an allowed folder, headers include
one another without a circle, and no library file is over the size limit.
Usage: layers.py TOP
"""
import os
import re
import sys

# folder -> the folders it may include (itself always allowed)
ALLOWED = {
    "base": set(),
    "stream": {"base"},
    "binlog": {"stream", "base"},
    "mysql": {"binlog", "stream", "base"},
    "wh": {"stream", "base"},
    "odps": {"wh", "stream", "base"},
    "transform": {"stream", "base"},
    "sink": {"wh", "odps", "stream", "base"},
    "engine": {"sink", "transform", "odps", "wh", "mysql", "binlog", "stream", "base"},
}
MAX_LINES = 1000
NAME = "t0100-layers"
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    top = sys.argv[1]
    lib = os.path.join(top, "common")
    fails = 0
    graph = {}
    files = []
    for d in sorted(os.listdir(lib)):
        p = os.path.join(lib, d)
        if not os.path.isdir(p):
            print(f"FAIL - {NAME}: common/ holds only folders: common/{d}")
            fails += 1
            continue
        for f in sorted(os.listdir(p)):
            if f.endswith((".c", ".h")):
                files.append((d, f))

    bad = []
    for d, f in files:
        path = os.path.join(lib, d, f)
        text = open(path, encoding="utf-8", errors="replace").read()
        incs = INC.findall(text)
        graph[f"{d}/{f}"] = [i for i in incs if "/" in i]
        if d not in ALLOWED:
            bad.append(f"common/{d}/ is not a known layer")
            continue
        for i in incs:
            if "/" not in i:
                bad.append(f"common/{d}/{f}: #include \"{i}\" does not name its folder")
                continue
            to = i.split("/")[0]
            if to != d and to not in ALLOWED[d]:
                bad.append(f"common/{d}/{f} includes {i} ({d} may include "
                           f"{', '.join(sorted(ALLOWED[d])) or 'nothing'})")
    if bad:
        for b in bad:
            print(f"FAIL - {NAME}: layering: {b}")
        fails += 1
    else:
        print(f"ok - {NAME}: every include of common/ goes down the layers ({len(files)} files)")

    # circles among headers (and .c -> .h), by depth-first search
    state = {}
    circle = []

    def visit(n, stack):
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, []):
            if m not in graph:
                continue
            if state.get(m) == 1:
                circle.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m, stack)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [])
    if circle:
        print(f"FAIL - {NAME}: no include circle: {' -> '.join(circle[0])}")
        fails += 1
    else:
        print(f"ok - {NAME}: no include circle among {len(graph)} files")

    big = []
    for d, f in files:
        if f.endswith(".c"):
            n = sum(1 for _ in open(os.path.join(lib, d, f), encoding="utf-8", errors="replace"))
            if n > MAX_LINES:
                big.append(f"common/{d}/{f} ({n})")
    for f in sorted(os.listdir(os.path.join(top, "cmd"))):
        if f.endswith(".c"):
            n = sum(1 for _ in open(os.path.join(top, "cmd", f), encoding="utf-8"))
            if n > MAX_LINES:
                big.append(f"cmd/{f} ({n})")
    if big:
        print(f"FAIL - {NAME}: no .c file over {MAX_LINES} lines: {', '.join(big)}")
        fails += 1
    else:
        print(f"ok - {NAME}: no .c file over {MAX_LINES} lines")

    # the programs are thin: cmd/ at most 15% of the C (.c and .h lines)
    def count(root):
        n = 0
        for dp, _, fs in os.walk(root):
            for f in fs:
                if f.endswith((".c", ".h")):
                    n += sum(1 for _ in open(os.path.join(dp, f), encoding="utf-8",
                                              errors="replace"))
        return n
    ncmd, nlib = count(os.path.join(top, "cmd")), count(lib)
    share = 100.0 * ncmd / (ncmd + nlib)
    if share <= 15.0:
        print(f"ok - {NAME}: cmd/ is {share:.1f}% of the C ({ncmd} of {ncmd + nlib} lines)")
    else:
        print(f"FAIL - {NAME}: cmd/ at most 15% of the C: {share:.1f}% ({ncmd} of {ncmd + nlib} lines)")
        fails += 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
