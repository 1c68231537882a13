"""What a WASI context is built from, and the exception `proc_exit` raises."""

from __future__ import annotations

from typing import NamedTuple

from wasitool.runspec import Preopen


class WasiConfig(NamedTuple):
    """argv, environment, preopened directories and the host fds behind guest fds 0, 1, 2.

    A NamedTuple, not a dataclass: this module is on `wasitool run`'s start-up path.
    """

    argv: list[str] = []  # noqa: RUF012 - never mutated; NamedTuple defaults are shared values
    env: list[tuple[str, str]] = []  # noqa: RUF012
    preopens: list[Preopen] = []  # noqa: RUF012
    stdin: int = 0
    stdout: int = 1
    stderr: int = 2


class ProcExit(Exception):
    """Raised by `proc_exit`; engines stop the instance and use `code` as the exit status."""

    def __init__(self, code: int) -> None:
        super().__init__(f"proc_exit({code})")
        self.code = code
