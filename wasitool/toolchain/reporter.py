"""How the toolchain code reports progress, without knowing how it is displayed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Advance = Callable[[int], None]


class Reporter(Protocol):
    """Receives notes ("archive: connection refused, trying pip") and progress of long steps."""

    def note(self, message: str) -> None:
        """A one-line remark about what happened."""

    def task(self, description: str, total: int | None, unit: str = "bytes") -> AbstractContextManager[Advance]:
        """A progress task; the yielded callable advances it by n units (`bytes` or `files`)."""


class SilentReporter:
    """Reports nothing (library use and tests)."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)

    @contextmanager
    def task(self, description: str, total: int | None, unit: str = "bytes") -> Iterator[Advance]:
        yield lambda n: None
