"""`wasitool toolchain`: what is installed and which commands the build will run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from wasitool.project import active_lock_path
from wasitool.toolchain.select import load_toolchain, record_of


def main(args: argparse.Namespace) -> int:
    if getattr(args, "cmake", None):
        return _write_cmake(Path(args.cmake), Path(args.lock) if args.lock else None, args.posix)
    lock = Path(args.lock) if args.lock else active_lock_path()
    toolchain = load_toolchain(args.platform, lock=lock)
    record = record_of(lock, platform=args.platform)
    if args.json:
        print(json.dumps({"platform": toolchain.platform, "record": str(record), "lock": str(lock),
                          "tools": {n: t.to_json() for n, t in toolchain.tools.items()},
                          "env": toolchain.env()}, indent=2, sort_keys=True))
        return 0
    from rich.markup import escape
    from rich.table import Table

    from wasitool.console import console as make_console

    console = make_console()
    console.print(f"[bold]toolchain of {lock} for {toolchain.platform}[/] (recorded in {record})",
                  highlight=False, soft_wrap=True)
    for name, tool in sorted(toolchain.tools.items()):
        trust = "sha256-pinned" if tool.pinned else "detected, not pinned"
        origin = f"{tool.source} package {tool.package}" if tool.package else tool.source
        console.print(f"\n[bold]{name}[/] {tool.version} from {origin} ({trust})", highlight=False)
        console.print(f"  root: {tool.root}", highlight=False, soft_wrap=True)
        table = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
        table.add_column("role", style="cyan", no_wrap=True)
        table.add_column("command", overflow="fold")
        for role, argv in sorted(tool.commands.items()):
            table.add_row(role, " ".join(part.replace(tool.root, "{root}") for part in argv))
        for role, path in sorted(tool.files.items()):
            table.add_row(role, f"{path.replace(tool.root, '{root}')} [dim](file)[/]")
        for role, why in sorted(tool.unavailable.items()):
            table.add_row(role, f"[dim]none: {escape(why)}[/]")
        if tool.sysroot:
            table.add_row("sysroot", tool.sysroot.replace(tool.root, "{root}"))
        console.print(table)
    for key, value in sorted(toolchain.env().items()):
        console.print(f"env {key}={value}", highlight=False, soft_wrap=True)
    return 0


def _write_cmake(dest: Path, lock: Path | None, posix_layer: bool = False) -> int:
    from wasitool.toolchain.cmake import write_cmake_toolchain
    from wasitool.toolchain.wrappers import installed_wrappers

    toolchain, wrappers, bin_dir = installed_wrappers(lock or active_lock_path())
    written = write_cmake_toolchain(toolchain, wrappers, bin_dir, dest, posix_layer)
    print(f"wrote {written} (use: cmake -DCMAKE_TOOLCHAIN_FILE={written} ...)")
    return 0
