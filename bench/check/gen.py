#!/usr/bin/env python3
"""Generate a jobflow and a Python file of the same shape and size.

usage: gen.py LINES OUT_DIR   -> OUT_DIR/flow.jf and OUT_DIR/flow.py

Both files have exactly LINES lines, built from the same 11-line unit with line
for line equivalent statements: assignments, a command with a template, an
if/else, a for loop, a dictionary, a case (glob match), a try, calls, string
templates. The jobflow is one long jobflow expression (jobs joined by
connectors), as real flows are; it is far beyond the original engine's 65,536
characters and 4,096 jobs, so `jfc check` reports W0004 and W0005, one each
(expected).
"""
import os
import sys

JF_HEAD = ["|total = 0|", "[kinds = []] ->"]
PY_HEAD = ["total = 0", "kinds = []"]

# {n} is the unit number; {{ }} are literal braces.
JF_UNIT = [
    "[host_{n} = 'web{n}', port_{n} = 8000 + {n} % 50] ->",
    "['echo $host_{n} ${{port_{n}}}'] =>",
    "{{ if port_{n} > 8025 | then: print('high', port_{n})",
    "  else: print('low', port_{n} - 8000) }} ->",
    "{{ for i in [1, 2, 3] | [total = total + i * {n}] }} ->",
    "[cfg_{n} = {{name = host_{n}, port = port_{n}, tags = ['x', 'y']}}] ->",
    "{{ case host_{n} | 'web1*', 'web2*': [kind_{n} = 'a']",
    "  else: [kind_{n} = 'b'] }} ->",
    "{{ try | [value_{n} = int(string({n})) * 2]",
    "}} ->",
    "print(length(cfg_{n}['tags']), kind_{n}, value_{n}, 'host $host_{n} done') ->",
]
PY_UNIT = [
    "host_{n} = 'web{n}'; port_{n} = 8000 + {n} % 50",
    "run(f'echo {{host_{n}}} {{port_{n}}}')",
    "if port_{n} > 8025: print('high', port_{n})",
    "else: print('low', port_{n} - 8000)",
    "for i in [1, 2, 3]: total = total + i * {n}",
    "cfg_{n} = {{'name': host_{n}, 'port': port_{n}, 'tags': ['x', 'y']}}",
    "if fnmatch(host_{n}, 'web1*') or fnmatch(host_{n}, 'web2*'): kind_{n} = 'a'",
    "else: kind_{n} = 'b'",
    "try: value_{n} = int(str({n})) * 2",
    "except ValueError: pass",
    "print(len(cfg_{n}['tags']), kind_{n}, value_{n}, f'host {{host_{n}}} done')",
]
JF_PAD = "[kinds = kinds + ['pad{r}']] ->"
PY_PAD = "kinds = kinds + ['pad{r}']"
JF_TAIL = ["print('total', total, length(kinds))"]
PY_TAIL = ["print('total', total, len(kinds))"]


def main():
    lines, out_dir = int(sys.argv[1]), sys.argv[2]
    assert len(JF_UNIT) == len(PY_UNIT)
    units, rest = divmod(lines - len(JF_HEAD) - len(JF_TAIL), len(JF_UNIT))
    jf, py = list(JF_HEAD), list(PY_HEAD)
    for n in range(units):
        jf.extend(line.format(n=n) for line in JF_UNIT)
        py.extend(line.format(n=n) for line in PY_UNIT)
    for r in range(rest):
        jf.append(JF_PAD.format(r=r))
        py.append(PY_PAD.format(r=r))
    jf.extend(JF_TAIL)
    py.extend(PY_TAIL)
    assert len(jf) == len(py) == lines, (len(jf), len(py), lines)
    os.makedirs(out_dir, exist_ok=True)
    for name, text in (("flow.jf", jf), ("flow.py", py)):
        with open(os.path.join(out_dir, name), "w") as f:
            f.write("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
