"""`wasitool inspect FILE.wasm|NAME`: what a module holds, read without any toolchain.

Default: imports, exports, memory, globals and sections as tables. `--callers FUNC`: every call
chain from FUNC up to the exports; `--disasm FUNC`: one function's code; `--data`: the data segments
and their strings. `--json` prints any of them as JSON.

A component (WASI 0.2): its world, core modules and core instances, and which 0.2 functions the
program's preview1 calls became; `--wit` its WIT; the views above work on one of its core modules
(the program's, or `--module N`; `--module N` alone gives that module's tables).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wasitool import inspect_component as ic
from wasitool import inspect_module as im
from wasitool.errors import WasitoolError

if TYPE_CHECKING:
    from rich.console import Console

    from wasitool.wasmbin import Module


def resolve(target: str) -> Path:
    """A path to a .wasm file as given, else the built module of the example called `target`."""
    path = Path(target)
    if path.suffix == ".wasm" or path.is_file():
        return path
    from wasitool.example_table import get_example
    from wasitool.runtimes.matrix import ensure_built

    example = get_example(target)
    ensure_built([example])
    return example.module


def main(args: argparse.Namespace) -> int:
    path = resolve(args.target)
    if ic.is_component_file(path):
        if args.wit and args.module is not None:
            raise WasitoolError("--wit prints the whole component's WIT, not one core module's",
                                "leave out --module")
        if not (args.callers or args.disasm or args.data) and args.module is None:
            return _component(path, args)
        module, index, role = ic.core_module(path, args.module)
        print(f"wasitool: core module {index}{f' ({role})' if role else ''} of {path}", file=sys.stderr)
    elif args.module is not None or args.wit:
        raise WasitoolError(f"{path} is a core module, not a component: --module and --wit are for components",
                            "leave out --module and --wit")
    else:
        module = im.load(path)
    if args.callers:
        return _callers(module, args)
    if args.disasm:
        dis = im.disassemble(module, args.disasm, limit=args.limit or im.DEFAULT_INSTRUCTIONS)
        _emit(args, lambda: _asdict(dis), lambda: print(im.disassembly_text(dis)))
        return 0
    if args.data:
        segments = im.data_segments(module, limit=args.limit or im.DEFAULT_STRINGS)
        more = len(module.data_segments) - len(segments)
        _emit(args, lambda: {"segments": [_asdict(s) for s in segments], "more_segments": more},
              lambda: _print_data(segments, more))
        return 0
    info = im.inspect(path, module, limit=args.limit or im.DEFAULT_ROWS)
    _emit(args, info.to_json, lambda: render(info))
    return 0


def _component(path: Path, args: argparse.Namespace) -> int:
    if args.wit:
        text = ic.wit_text(path)
        if args.json:
            _dump({"wit": text})
        else:
            sys.stdout.write(text)
        return 0
    info = ic.inspect(path)
    _emit(args, info.to_json, lambda: ic.render(info))
    return 0


def _callers(module: Module, args: argparse.Namespace) -> int:
    report = im.callers(module, args.callers, limit=args.limit or im.DEFAULT_CHAINS)
    if args.json:
        _dump(im.callers_json(module, report))
        return 0
    for index, why in sorted(report.undecodable.items()):
        print(f"wasitool: warning: func[{index}] not decoded ({why}); its calls are missing", file=sys.stderr)
    for chain in report.chains:
        print(im.chain_text(module, chain))
    if report.truncated:
        print(f"wasitool: more chains not shown (the first {len(report.chains)} are above; raise --limit)",
              file=sys.stderr)
    return 0


def _emit(args: argparse.Namespace, as_json: Any, as_text: Any) -> None:
    if args.json:
        _dump(as_json())
    else:
        as_text()


def _dump(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _asdict(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data: dict[str, Any] = asdict(obj)
    return data


def _print_data(segments: list[im.DataInfo], more_segments: int) -> None:
    for seg in segments:
        where = (f"{seg.address:#x}-{seg.address + seg.size:#x}" if seg.address is not None
                 else "passive (copied by memory.init)")
        name = f" {seg.name}" if seg.name else ""
        print(f"data[{seg.index}]{name}: memory {seg.memory}, {where}, {seg.size} bytes, "
              f"{len(seg.strings)} strings")
        for s in seg.strings:
            at = f"{s.address:#x}" if s.address is not None else f"+{s.offset:#x}"
            print(f"  {at}  {_quote(s.text)}")
        if seg.more_strings:
            print(f"  … {seg.more_strings} more strings (raise --limit)")
    if more_segments:
        print(f"… {more_segments} more segments (raise --limit)")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def render(info: im.ModuleInfo, console: Console | None = None) -> None:
    """One rich table each for imports, exports, memory, globals and sections."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    names = f", {info.named_functions} named" if info.named_functions else ", no name section"
    console.print(f"[bold]{info.path}[/]  {info.size} bytes, {info.functions} functions{names}"
                  + (f"  start function: {info.start}" if info.start else ""), highlight=False)
    def title(key: str, rows: int) -> str:
        return f"{key} ({rows + info.omitted.get(key, 0)})"

    imports = Table(title=title("imports", len(info.imports)), title_justify="left")
    for col in ("module", "name", "kind", "type"):
        imports.add_column(col)
    for imp in info.imports:
        imports.add_row(imp.module, imp.name, imp.kind, imp.detail)
    exports = Table(title=title("exports", len(info.exports)), title_justify="left")
    for col in ("name", "kind", "index", "type"):
        exports.add_column(col)
    for exp in info.exports:
        exports.add_row(exp.name, exp.kind, str(exp.index), exp.detail)
    memory = Table(title=f"memory ({len(info.memories) + info.omitted.get('memories', 0)})", title_justify="left")
    for col in ("index", "initial pages", "initial bytes", "max pages", "imported"):
        memory.add_column(col)
    for mem in info.memories:
        memory.add_row(str(mem.index), str(mem.initial_pages), f"{mem.initial_bytes:,}",
                       "-" if mem.max_pages is None else str(mem.max_pages), "yes" if mem.imported else "no")
    globals_ = Table(title=title("globals", len(info.globals)), title_justify="left")
    for col in ("index", "name", "type", "mutable", "initial value", "meaning"):
        globals_.add_column(col)
    for glob in info.globals:
        value = f"{glob.value:#x} ({glob.value})" if isinstance(glob.value, int) and glob.value > 9 else (
            str(glob.value) if glob.value is not None else glob.init)
        name = glob.name or ""
        if glob.exports and glob.exports[0] != name:
            name += f" (export {glob.exports[0]})"
        globals_.add_row(str(glob.index), name, glob.type, "yes" if glob.mutable else "no", value, glob.meaning)
    sections = Table(title=title("sections", len(info.sections)), title_justify="left")
    for col in ("section", "name"):
        sections.add_column(col)
    for col in ("start", "size", "count"):
        sections.add_column(col, justify="right")
    for sec in info.sections:
        sections.add_row(sec.kind, sec.name if sec.name != sec.kind else "", f"0x{sec.start:08x}",
                         f"{sec.size:,}", "" if sec.count is None else str(sec.count))
    for key, table in (("imports", imports), ("exports", exports), ("memories", memory), ("globals", globals_),
                       ("sections", sections)):
        if key in info.omitted:
            table.caption = f"… {info.omitted[key]} more (raise --limit)"
            table.caption_justify = "left"
        console.print(table)
    if info.target_features:
        console.print(f"target features: {', '.join(info.target_features)}", highlight=False)

