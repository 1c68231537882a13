"""`wasitool lock`: recompute checksums (`refresh`) and print the cache key (`hash`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasitool.toolchain.refresh import refresh_lock
from wasitool.toolchain.setup import default_lock_path


def main(args: argparse.Namespace) -> int:
    if args.lock_command == "hash":
        return _hash(args)
    return _refresh(args)


def _hash(args: argparse.Namespace) -> int:
    """The lock's content digest: what CI keys its caches on (comments and layout do not change it)."""
    from wasitool.toolchain.lock import load_lock

    print(load_lock(Path(args.lock) if args.lock else default_lock_path()).digest)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from wasitool.commands._progress import RichReporter

    reporter = RichReporter()
    lock_path = Path(args.lock) if args.lock else default_lock_path()
    results = refresh_lock(lock_path, args.tool, args.version, args.mirror, reporter)
    table = Table(title=f"{args.tool} {args.version} in {lock_path.name}", title_justify="left")
    for column in ("source", "platform", "file", "sha256", "status"):
        table.add_column(column, overflow="fold")
    for r in results:
        status = f"[red]failed: {r.error}[/]" if r.error else ("[yellow]updated[/]" if r.changed else "[green]same[/]")
        table.add_row(r.kind, r.platform, r.file_name, r.new_sha256 or r.old_sha256, status)
    Console().print(table)
    return 1 if any(r.error for r in results) else 0
