"""`wasitool inspect FILE.wasm|NAME`: imports, exports, memory and sections (wasm-objdump, as tables)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wasitool.inspect_module import ModuleInfo, inspect

if TYPE_CHECKING:
    from rich.console import Console


def resolve(target: str) -> Path:
    """A path to a .wasm file as given, else the built module of the example called `target`."""
    path = Path(target)
    if path.suffix == ".wasm" or path.is_file():
        return path
    from wasitool.examples import get_example
    from wasitool.runtimes.matrix import ensure_built

    example = get_example(target)
    ensure_built([example])
    return example.module


def main(args: argparse.Namespace) -> int:
    info = inspect(resolve(args.target))
    if args.json:
        json.dump(info.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        render(info)
    return 0


def render(info: ModuleInfo, console: Console | None = None) -> None:
    """One rich table each for imports, exports, memory and sections."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    console.print(f"[bold]{info.path}[/]  {info.size} bytes"
                  + (f"  start function: {info.start}" if info.start else ""), highlight=False)
    imports = Table(title=f"imports ({len(info.imports)})", title_justify="left")
    for col in ("module", "name", "kind", "type"):
        imports.add_column(col)
    for imp in info.imports:
        imports.add_row(imp.module, imp.name, imp.kind, imp.detail)
    exports = Table(title=f"exports ({len(info.exports)})", title_justify="left")
    for col in ("name", "kind", "index", "type"):
        exports.add_column(col)
    for exp in info.exports:
        exports.add_row(exp.name, exp.kind, str(exp.index), exp.detail)
    memory = Table(title=f"memory ({len(info.memories)})", title_justify="left")
    for col in ("index", "initial pages", "initial bytes", "max pages", "imported"):
        memory.add_column(col)
    for mem in info.memories:
        memory.add_row(str(mem.index), str(mem.initial_pages), f"{mem.initial_bytes:,}",
                       "-" if mem.max_pages is None else str(mem.max_pages), "yes" if mem.imported else "no")
    sections = Table(title=f"sections ({len(info.sections)})", title_justify="left")
    for col, justify in (("section", "left"), ("name", "left"), ("start", "right"), ("size", "right"),
                         ("count", "right")):
        sections.add_column(col, justify=justify)
    for sec in info.sections:
        sections.add_row(sec.kind, sec.name if sec.name != sec.kind else "", f"0x{sec.start:08x}",
                         f"{sec.size:,}", "" if sec.count is None else str(sec.count))
    for table in (imports, exports, memory, sections):
        console.print(table)
    if info.target_features:
        console.print(f"target features: {', '.join(info.target_features)}", highlight=False)
