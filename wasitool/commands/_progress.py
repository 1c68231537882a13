"""A `Reporter` that draws rich progress bars and notes on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Column

from wasitool.toolchain.reporter import Advance


class RichReporter:
    """Progress bars for downloads (bytes) and extractions (files); notes as dim lines."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)

    def note(self, message: str) -> None:
        self.console.print(f"[yellow]{message}[/]", highlight=False, soft_wrap=True)

    @contextmanager
    def task(self, description: str, total: int | None, unit: str = "bytes") -> Iterator[Advance]:
        counter = (DownloadColumn(), TransferSpeedColumn()) if unit == "bytes" else (MofNCompleteColumn(),)
        label = TextColumn("{task.description}", table_column=Column(max_width=48, no_wrap=True, overflow="ellipsis"))
        columns = (SpinnerColumn(), label, BarColumn(), *counter, TimeElapsedColumn())
        with Progress(*columns, console=self.console, disable=not self.console.is_terminal) as progress:
            task_id = progress.add_task(description, total=total)
            yield lambda n: progress.advance(task_id, n)
