"""`wasitool store list|gc|clean|path`: what the store holds and removing what no lock uses."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from wasitool.errors import WasitoolError
from wasitool.store.layout import Layout
from wasitool.toolchain.gc import Removal, clean, collect, inventory, tree_size

if TYPE_CHECKING:
    from rich.console import JustifyMethod


def main(args: argparse.Namespace) -> int:
    layout = Layout()
    if args.store_command == "path":
        print(layout.root)
        return 0
    if args.store_command == "list":
        return _list(layout, args.json)
    if args.store_command == "gc":
        return _gc(layout, args.dry_run, args.json)
    return _clean(layout, args.yes, args.json)


def _waiting(layout: Layout) -> Callable[[], None]:
    return lambda: print(f"waiting for another wasitool process to release the store ({layout.lock_file})",
                         file=sys.stderr)


def _list(layout: Layout, as_json: bool) -> int:
    from wasitool.engines import compile_cache

    root = layout.root
    tools = inventory(root)
    engine_cache = compile_cache.cache_dir()
    extras = {path.name: tree_size(path) for path in (layout.downloads, layout.cache, layout.records, layout.examples)
              if path.exists()}
    engine_size = tree_size(engine_cache) if engine_cache and engine_cache.is_dir() else 0
    engine = {"path": str(engine_cache) if engine_cache else None, "size": engine_size,
              "cap": compile_cache.max_bytes()}
    if as_json:
        print(json.dumps({"ok": True, "store": str(root), "tools": [t.to_json() for t in tools],
                          "sizes": extras, "engine_cache": engine}, indent=2, sort_keys=True))
        return 0
    from rich.table import Table

    from wasitool.console import console as make_console

    console = make_console()
    table = Table(title=f"store {root}", title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("tool", "left"), ("source", "left"), ("version", "left"), ("size", "right"), ("used by", "left"),
        ("last used", "left"))
    for column, justify in columns:
        table.add_column(column, justify=justify, overflow="fold")
    for tool in tools:
        users = "\n".join(tool.used_by) or "[yellow]no known lock (gc removes it)[/]"
        table.add_row(tool.name, tool.source, tool.version, _size(tool.size), users,
                      (tool.to_json()["last_used"] or "-").replace("T", " ").rstrip("Z"))
    console.print(table)
    for name, size in extras.items():
        console.print(f"{name}: {_size(size)}", highlight=False)
    console.print(f"engine compile cache: {_size(engine_size)} of {_size(compile_cache.max_bytes())} "
                  f"({engine['path'] or 'off'})", highlight=False)
    return 0


def _gc(layout: Layout, dry_run: bool, as_json: bool) -> int:
    removals, freed = collect(layout.root, dry_run, on_wait=_waiting(layout))
    if as_json:
        print(json.dumps({"ok": True, "dry_run": dry_run, "removed": [r.to_json() for r in removals],
                          "bytes": freed}, indent=2, sort_keys=True))
        return 0
    verb = "would remove" if dry_run else "removed"
    for item in _grouped(removals):
        print(f"{verb} {item}")
    print(f"{verb} {len(removals)} entries, {_size(freed)}" if removals else "nothing to remove")
    return 0


def _clean(layout: Layout, yes: bool, as_json: bool) -> int:
    root = layout.root

    def confirm(targets: list[Removal]) -> bool:
        total = sum(t.size for t in targets)
        if yes:
            return True
        if not sys.stdin.isatty() or as_json:
            raise WasitoolError(f"store clean removes every toolchain and cache in {root} ({_size(total)})",
                                "pass --yes to confirm")
        answer = input(f"remove every toolchain and cache in {root} ({_size(total)})? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    cleaned = clean(root, confirm, on_wait=_waiting(layout))
    if cleaned is None:
        print("nothing removed")
        return 1
    targets, freed = cleaned
    if as_json:
        print(json.dumps({"ok": True, "removed": [t.to_json() for t in targets], "bytes": freed}, indent=2))
    else:
        print(f"removed {len(targets)} entries from {root}, {_size(freed)}; `wasitool setup` installs again")
    return 0


def _grouped(removals: list[Removal]) -> list[str]:
    """One line per removal, but engine cache entries summed into one."""
    lines, engine, engine_size = [], 0, 0
    for item in removals:
        if item.why.startswith("engine compile cache"):
            engine, engine_size = engine + 1, engine_size + item.size
        else:
            lines.append(f"{item.path} ({_size(item.size)}): {item.why}")
    if engine:
        lines.append(f"{engine} engine compile cache entries ({_size(engine_size)}): over its size cap")
    return lines


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
