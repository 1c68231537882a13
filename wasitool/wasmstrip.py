"""`wasm32-wasi-strip`: strip a linked wasm module the way `llvm-strip` does, for toolchains without one.

`python -m wasitool.wasmstrip [OPTIONS] FILE...` takes the options build systems pass to `$STRIP`:
`-g`/`-S`/`-d`/`--strip-debug` drop the DWARF sections only (the `name` section stays, as in the modules
wasitool builds); no option, `-s`/`--strip-all`, `--strip-unneeded` or `-x` drop every custom section but
an object file's `linking` and `reloc.*` ones (the names too). `-o OUT` writes one input elsewhere.
Files are replaced in one rename. Errors are one line on stderr and status 1.

The compiler wrappers call it with `--strip-debug` after each link made without `-g`, so what users build
through the wrappers carries no DWARF from the C library.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from wasitool.wasmbin import split_sections, strip_debug_sections

USAGE = "usage: wasm32-wasi-strip [-g|--strip-debug|-s|--strip-all|--strip-unneeded] [-o OUT] FILE..."
DEBUG_OPTIONS = ("-g", "-S", "-d", "--strip-debug", "--strip-dwarf")
ALL_OPTIONS = ("-s", "--strip-all", "--strip-unneeded", "-x", "--discard-all")
# Custom sections an object file needs to be linked; they never appear in a linked module.
_LINKING = ("custom:linking", "custom:reloc.")


def strip_all(data: bytes) -> bytes:
    """`data` without its custom sections (names, producers, DWARF, …) but those of an object file's
    linking metadata; every other section is kept byte for byte. ValueError if `data` is not a module."""
    kept = [data[:8]]
    for section in split_sections(data):
        if section.id == 0 and not section.name.startswith(_LINKING):
            continue
        kept += [bytes([section.id]), _uleb(len(section.payload)), section.payload]
    return b"".join(kept)


def _uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def main(argv: Sequence[str] | None = None) -> int:
    """The command; returns its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug_only, output, files = False, None, []
    while args:
        arg = args.pop(0)
        if arg == "--":
            files += args
            break
        if arg in DEBUG_OPTIONS:
            debug_only = True
        elif arg in ALL_OPTIONS:
            debug_only = False
        elif arg == "-o" and args:
            output = args.pop(0)
        elif arg.startswith("-o") and len(arg) > 2:
            output = arg[2:].removeprefix("=")
        elif arg in ("-h", "--help"):
            print(USAGE)
            return 0
        elif arg.startswith("-") and arg != "-":
            return _fail(f"unsupported option {arg}", USAGE)
        else:
            files.append(arg)
    if not files or (output is not None and len(files) > 1):
        return _fail("name one input with -o, or any number without it", USAGE)
    for name in files:
        try:
            with open(name, "rb") as f:
                data = f.read()
            stripped = strip_debug_sections(data) if debug_only else strip_all(data)
            target = output or name
            if stripped != data or target != name:
                _write(target, stripped, os.stat(name).st_mode)
        except OSError as exc:
            return _fail(f"{exc.filename or name}: {exc.strerror or exc}", "check the path")
        except ValueError as exc:
            return _fail(f"{name}: {exc}", "strip a wasm module or object file")
    return 0


def _write(path: str, data: bytes, mode: int) -> None:
    from wasitool.store.atomic import replacing

    with replacing(Path(path), mode & 0o7777) as tmp, open(tmp, "xb") as f:
        f.write(data)


def _fail(problem: str, fix: str) -> int:
    sys.stderr.write(f"wasm32-wasi-strip: error: {problem} (fix: {fix})\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
