"""A `Reporter` that draws rich progress bars and notes on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich import filesize
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Column
from rich.text import Text

from wasitool.console import console as make_console
from wasitool.toolchain.reporter import Advance


class RichReporter:
    """Progress bars for downloads (bytes) and extractions (files); notes as dim lines."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or make_console(stderr=True)

    def note(self, message: str) -> None:
        self.console.print(f"[yellow]{message}[/]", highlight=False, soft_wrap=True)

    @contextmanager
    def task(self, description: str, total: int | None, unit: str = "bytes") -> Iterator[Advance]:
        if unit != "bytes":
            counter: tuple[ProgressColumn, ...] = (MofNCompleteColumn(),)
        elif total is None:  # unknown length: the bytes so far and the speed, not "0/? bytes"
            counter = (_SoFarColumn(), _SpeedColumn())
        else:
            counter = (DownloadColumn(), TransferSpeedColumn())
        label = TextColumn("{task.description}", table_column=Column(max_width=48, no_wrap=True, overflow="ellipsis"))
        columns = (SpinnerColumn(), label, BarColumn(), *counter, TimeElapsedColumn())
        with Progress(*columns, console=self.console, disable=not self.console.is_terminal) as progress:
            task_id = progress.add_task(description, total=total)
            yield lambda n: progress.advance(task_id, n)


class _SoFarColumn(ProgressColumn):
    """Bytes received so far (`12.3 MB`), blank until the first byte."""

    def render(self, task: Task) -> Text:
        return Text(filesize.decimal(int(task.completed)) if task.completed else "", style="progress.download")


class _SpeedColumn(ProgressColumn):
    """Transfer speed (`1.2 MB/s`), blank until rich can tell it."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{filesize.decimal(int(speed))}/s" if speed else "", style="progress.data.speed")
