"""What a build command produced: the executables and objects written under a directory since a moment,
told apart by their first bytes (WebAssembly or a native format), for `wasitool exec`'s after-word."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

WASM_MAGIC = b"\0asm"
NATIVE_MAGICS = {  # first bytes -> the format's name
    b"\x7fELF": "ELF",
    b"\xfe\xed\xfa\xce": "Mach-O",
    b"\xfe\xed\xfa\xcf": "Mach-O",
    b"\xce\xfa\xed\xfe": "Mach-O",
    b"\xcf\xfa\xed\xfe": "Mach-O",
    b"MZ": "PE",
}
SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__"}
MAX_FILES = 20_000  # a bound on the walk: a build tree larger than this is sampled, not listed


class BuiltFiles(NamedTuple):
    """Files written since the command started: WebAssembly modules and native binaries (path, format)."""

    wasm: list[Path]
    native: list[tuple[Path, str]]


def built_since(root: Path, since: float) -> BuiltFiles:
    """The regular files under `root` modified at or after `since` (a `time.time()`), by their format."""
    wasm: list[Path] = []
    native: list[tuple[Path, str]] = []
    seen = 0
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            seen += 1
            if seen > MAX_FILES:
                return BuiltFiles(wasm, native)
            path = Path(directory, name)
            try:
                if path.is_symlink() or path.stat().st_mtime < since:
                    continue
                with open(path, "rb") as f:
                    head = f.read(4)
            except OSError:
                continue
            if head == WASM_MAGIC:
                wasm.append(path)
            else:
                kind = NATIVE_MAGICS.get(head) or NATIVE_MAGICS.get(head[:2])
                if kind is not None:
                    native.append((path, kind))
    return BuiltFiles(wasm, native)


def native_only_warning(built: BuiltFiles, root: Path) -> str | None:
    """The warning for a build that wrote native binaries and no WebAssembly, else None."""
    if built.wasm or not built.native:
        return None
    path, kind = built.native[0]
    more = f" and {len(built.native) - 1} more" if len(built.native) > 1 else ""
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    return (f"wasitool: warning: the command built native code ({shown}: {kind}{more}) and no WebAssembly: its "
            "build files set their own compiler. Name the tools on the command line instead, e.g. "
            "`wasitool exec -- make CC=wasm32-wasi-cc AR=\"wasm32-wasi-ar rc\" RANLIB=wasm32-wasi-ranlib` "
            "(the wrappers are on PATH)")
