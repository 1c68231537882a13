"""What a WASI context is built from, and the exception `proc_exit` raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from wasitool.runspec import Preopen


@dataclass
class WasiConfig:
    """argv, environment, preopened directories and the host fds behind guest fds 0, 1, 2."""

    argv: list[str] = field(default_factory=list)
    env: list[tuple[str, str]] = field(default_factory=list)
    preopens: list[Preopen] = field(default_factory=list)
    stdin: int = 0
    stdout: int = 1
    stderr: int = 2


class ProcExit(Exception):
    """Raised by `proc_exit`; engines stop the instance and use `code` as the exit status."""

    def __init__(self, code: int) -> None:
        super().__init__(f"proc_exit({code})")
        self.code = code
