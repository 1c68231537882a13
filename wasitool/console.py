"""The one way wasitool makes a rich Console: a closed stdout ends the command like any other (exit 141)."""

from __future__ import annotations

from typing import Any

from rich.console import Console


class WasitoolConsole(Console):
    """A rich Console whose broken pipe is a BrokenPipeError, which the CLI turns into exit 141 (SIGPIPE's status).

    rich's own handling exits 1 in silence, as if the command had failed (`wasitool inspect X | head`)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def console(**options: Any) -> Console:
    """A console for wasitool's output (`stderr=True` for progress and messages)."""
    return WasitoolConsole(**options)
