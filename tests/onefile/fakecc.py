"""A stand-in compiler for the fast one-file tests: "C" sources are WebAssembly text with `#include`.

    python fakecc.py LOG cc [-I DIR] [-MD -MF DEP] [-c] -o OUT SOURCE   (other flags are ignored)
    python fakecc.py LOG ld [flags] -o OUT OBJECT                       (copies OBJECT)
    python fakecc.py LOG component new --adapt wasi_snapshot_preview1=ADAPTER CORE -o OUT
                                           (OUT: "component", the adapter's bytes, then CORE's)

Every call appends its argv as one JSON line to LOG, so tests can see whether (and how) it ran.
With `$FAKECC_SLEEP` set, every call first sleeps that many seconds (a slow compiler).
`#include "name"` lines are replaced by the file, looked up beside the including file, then in the -I
dirs; a line `#error TEXT` fails the way a compiler does (message on stderr, exit 1). The expanded
text is assembled with wasmtime, so the output really runs; the depfile escapes spaces as clang does.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    log, mode, args = argv[0], argv[1], argv[2:]
    if os.environ.get("FAKECC_SLEEP"):
        time.sleep(float(os.environ["FAKECC_SLEEP"]))
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps([mode, *args]) + "\n")
    out = args[args.index("-o") + 1]
    if mode == "ld":
        Path(out).write_bytes(Path(args[-1]).read_bytes())
        return 0
    if mode == "component":
        adapter = args[args.index("--adapt") + 1].split("=", 1)[1]
        taken = {args.index("--adapt"), args.index("--adapt") + 1, args.index("-o"), args.index("-o") + 1}
        (core,) = [arg for i, arg in enumerate(args[1:], 1) if i not in taken]
        Path(out).write_bytes(b"component\n" + Path(adapter).read_bytes() + Path(core).read_bytes())
        return 0
    include_dirs = [a[2:] for a in args if a.startswith("-I") and a != "-I"]
    include_dirs += [args[i + 1] for i, a in enumerate(args) if a == "-I"]
    source = args[-1]
    headers: list[str] = []
    try:
        text = expand(Path(source), source, include_dirs, headers)
    except CompileFailure as exc:
        print(exc, file=sys.stderr)
        return 1
    import wasmtime

    Path(out).write_bytes(wasmtime.wat2wasm(text))
    if "-MF" in args:
        names = " \\\n  ".join(escape(n) for n in [source, *headers])
        Path(args[args.index("-MF") + 1]).write_text(f"{escape(out)}: {names}\n", encoding="utf-8")
    return 0


def escape(name: str) -> str:
    return name.replace(" ", "\\ ")


class CompileFailure(Exception):
    pass


def expand(path: Path, name: str, include_dirs: list[str], headers: list[str]) -> str:
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#error"):
            raise CompileFailure(f"{name}:{number}:1: error: {line[7:]}")
        if line.startswith("#include"):
            wanted = line.split('"')[1]
            for directory in [str(path.parent), *include_dirs]:
                candidate = Path(directory) / wanted
                if candidate.is_file():
                    headers.append(str(candidate))  # relative to the working directory, as clang writes it
                    lines.append(expand(candidate, str(candidate), include_dirs, headers))
                    break
            else:
                raise CompileFailure(f"{name}:{number}:10: fatal error: '{wanted}' file not found")
            continue
        lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
