"""`wasitool toolchain`: what is installed and which commands the build will run."""

from __future__ import annotations

import argparse
import json

from wasitool.toolchain.paths import load_toolchain, pointer_path


def main(args: argparse.Namespace) -> int:
    toolchain = load_toolchain(args.platform)
    if args.json:
        print(json.dumps({"platform": toolchain.platform, "pointer": str(pointer_path(args.platform)),
                          "tools": {n: t.to_json() for n, t in toolchain.tools.items()},
                          "env": toolchain.env()}, indent=2, sort_keys=True))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"toolchain for {toolchain.platform}", title_justify="left")
    for column in ("tool", "source", "version", "role", "command"):
        table.add_column(column, overflow="fold")
    for name, tool in sorted(toolchain.tools.items()):
        source = tool.source + ("" if tool.pinned else " (unpinned)")
        for i, (role, argv) in enumerate(sorted(tool.commands.items())):
            first = i == 0
            table.add_row(name if first else "", source if first else "", tool.version if first else "",
                          role, " ".join(argv))
    console = Console()
    console.print(table)
    for key, value in sorted(toolchain.env().items()):
        console.print(f"env {key}={value}", highlight=False)
    return 0
