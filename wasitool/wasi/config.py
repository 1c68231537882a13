"""What a WASI context is built from, and the exception `proc_exit` raises."""

from __future__ import annotations

from wasitool import exitcodes
from wasitool.runspec import Preopen
from wasitool.typed import NamedTuple


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


# The highest proc_exit code that is the process's exit status. As in the wasmtime CLI, a guest giving
# more (126..2**32-1: statuses the shell reserves, or that the OS would truncate modulo 256, turning
# 256 into success) makes the run fail with status 1.
EXIT_CODE_MAX = exitcodes.GUEST_MAX
INVALID_EXIT_STATUS = exitcodes.FAILED


class ProcExit(Exception):
    """Raised by `proc_exit`; engines stop the instance and use `code` as the exit status.

    `code` is the exit status (`exit_status(rval)`); `rval` is what the guest passed.
    """

    def __init__(self, code: int, rval: int | None = None) -> None:
        super().__init__(f"proc_exit({code if rval is None else rval})")
        self.code = code
        self.rval = code if rval is None else rval


def exit_status(rval: int) -> int:
    """The process exit status for `proc_exit(rval)` (u32): rval for 0..125, else 1 (as the wasmtime CLI)."""
    return rval if 0 <= rval <= EXIT_CODE_MAX else INVALID_EXIT_STATUS
