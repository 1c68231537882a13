"""`wasitool lock`: recompute checksums (`refresh`), move a tool to a version (`update`), the cache key (`hash`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.project import active_lock_path
from wasitool.toolchain.refresh import RefreshedPin, refresh_lock, update_lock


def main(args: argparse.Namespace) -> int:
    if args.lock_command == "hash":
        return _hash(args)
    if args.lock_command == "update":
        return _update(args)
    return _refresh(args)


def _hash(args: argparse.Namespace) -> int:
    """The lock's content digest: what CI keys its caches on (comments and layout do not change it)."""
    from wasitool.toolchain.lock import load_lock

    print(load_lock(Path(args.lock) if args.lock else active_lock_path()).digest)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from wasitool.commands._progress import RichReporter

    lock_path = Path(args.lock) if args.lock else active_lock_path()
    results = refresh_lock(lock_path, args.tool, args.version, args.mirror, RichReporter())
    _print_table(f"{args.tool} {args.version} in {lock_path.name}", results)
    return 1 if any(r.error for r in results) else 0


def _update(args: argparse.Namespace) -> int:
    from wasitool.commands._progress import RichReporter

    lock_path = Path(args.lock) if args.lock else active_lock_path()
    old, results = update_lock(lock_path, args.tool, args.version, args.source, args.mirror, RichReporter())
    failed = [r for r in results if r.error]
    _print_table(f"{args.tool} {old.kind} {old.version} -> {args.version} in {lock_path.name}", results,
                 errors_below=bool(failed))
    if failed:
        by_error: dict[str, list[str]] = {}  # the same error for every platform is said once
        for r in failed:
            error = (r.error or "").replace(f" for {r.platform}", "").replace(r.platform, "<platform>")
            by_error.setdefault(error, []).append(r.platform)
        where = "any of its platforms" if len(failed) == len(results) else ", ".join(r.platform for r in failed)
        if len(by_error) == 1:
            ((error, _),) = by_error.items()
            raise ToolchainError(f"{lock_path} not changed: {args.tool} {args.version} could not be fetched for "
                                 f"{where}: {error}",
                                 f"check the version: {args.tool} {args.version} must be published for every "
                                 "platform the lock pins")
        print(f"{lock_path} not changed: {args.tool} {args.version} could not be fetched for {where}")
        for error, platforms in by_error.items():
            print(f"  {', '.join(platforms)}: {error}")
        return 1
    print(f"updated {lock_path}: {args.tool} {old.kind} {old.version} -> {args.version}; "
          "run `wasitool setup` to install it")
    return 0


def _print_table(title: str, results: list[RefreshedPin], errors_below: bool = False) -> None:
    """One row per pin; with `errors_below` a failed row says only `failed` (the errors follow, once)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("source", "platform", "file", "sha256", "status"):
        table.add_column(column, overflow="fold")
    for r in results:
        if r.error:
            status = "[red]failed[/]" if errors_below else f"[red]failed: {r.error}[/]"
        else:
            status = ("[yellow]updated[/]" if r.changed else "[green]same[/]") + (f" ({r.origin})" if r.origin else "")
        table.add_row(r.kind, r.platform, r.file_name, r.new_sha256 or r.old_sha256, status)
    Console().print(table)
