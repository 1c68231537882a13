"""`wasitool setup`: install the pinned toolchain and report what the build will use."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wasitool.commands._progress import RichReporter
    from wasitool.store.records import InstalledTool

from wasitool.project import active_lock_path
from wasitool.store.layout import Layout
from wasitool.toolchain.setup import SetupOptions, SetupResult, run_setup


def main(args: argparse.Namespace) -> int:
    _exit_cleanly_on_sigterm()
    options = SetupOptions(
        lock_path=Path(args.lock) if args.lock else active_lock_path(),
        source_kind=args.source,
        offline=args.offline,
        mirror=args.mirror,
        frozen=args.frozen,
        platform=args.platform,
        tools=args.tool,
        force=args.force,
    )
    from wasitool.commands._progress import RichReporter

    reporter = RichReporter()
    result = run_setup(options, reporter)
    if args.json:
        print(json.dumps(result_json(result), indent=2, sort_keys=True))
    else:
        _print_summary(result, reporter)
    return 0


def result_json(result: SetupResult) -> dict[str, Any]:
    """The machine-readable form of a setup run."""
    return {
        "platform": result.toolchain.platform,
        "record": str(result.record),
        "wrappers": str(result.wrappers) if result.wrappers else None,
        "lock": str(result.lock),
        "downloads": str(Layout(result.store).downloads),
        "skipped": result.skipped,
        "tools": {
            name: {**outcome.tool.to_json(), "reused": outcome.reused, "failed_sources": outcome.failures}
            for name, outcome in result.outcomes.items()
        },
    }


def _provider(tool: InstalledTool) -> str:
    """The source, and what really provides the tool when the source says: the pip package (`ziglang`
    for wasi-sdk's roles) or a system source's detected compiler (`clang-16`)."""
    if tool.package:
        return f"{tool.source} package {tool.package}"
    if not tool.pinned and tool.commands:
        role = "cc" if "cc" in tool.commands else sorted(tool.commands)[0]
        return f"{tool.source}: {Path(tool.commands[role][0]).name}"
    return tool.source


def _print_summary(result: SetupResult, reporter: RichReporter) -> None:
    console = reporter.console
    for name, outcome in result.outcomes.items():
        tool = outcome.tool
        state = "already installed" if outcome.reused else "installed"
        console.print(f"[green]✓[/] {name} {tool.version} ({_provider(tool)}) {state}: {tool.root}",
                      highlight=False, soft_wrap=True)
    for name, why in result.skipped.items():
        console.print(f"[yellow]-[/] {name} not installed (optional): {why}", highlight=False, soft_wrap=True)
    console.print(f"toolchain of {result.lock} for {result.toolchain.platform} recorded in {result.record}",
                  highlight=False, soft_wrap=True)
    if result.wrappers:
        console.print(f"wrappers for make, CMake, … (`wasitool env`): {result.wrappers}", highlight=False,
                      soft_wrap=True)
    downloads = Layout(result.store).downloads
    if downloads.is_dir():
        console.print(f"verified downloads (usable as --mirror): {downloads}", highlight=False, soft_wrap=True)


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so staging dirs are removed on the way out, as on Ctrl-C."""
    import signal
    import sys

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
