"""`wasi:cli` 0.2: environment, exit, stdin/stdout/stderr and the terminal interfaces.

The guest sees exactly the run's argv and environment (nothing of the host's unless given) and no
initial working directory. `exit(ok)` ends the run with status 0, `exit(err)` with 1 (a result carries no
number), `exit-with-code(n)` with n, as the wasmtime CLI. A standard stream is a terminal for the guest
only when the host's is one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from wasmtime.component import Variant

from wasitool.wasip2.io import InputStream, OutputStream
from wasitool.wasip2.resources import Resource


class Exit(Exception):
    """Raised by `wasi:cli/exit`: the run ends with status `code`."""

    def __init__(self, code: int) -> None:
        super().__init__(f"exit({code})")
        self.code = code


class TerminalInput(Resource):
    kind = "terminal-input"
    type_id = 7


class TerminalOutput(Resource):
    kind = "terminal-output"
    type_id = 8


def _exit(status: Variant) -> None:
    raise Exit(0 if status.tag == "ok" else 1)


def _exit_with_code(code: int) -> None:
    raise Exit(code)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def functions(argv: list[str], env: list[tuple[str, str]],
              stdio: tuple[int, int, int]) -> dict[str, dict[str, Callable[..., Any]]]:
    """wasi:cli's functions by interface, for a guest with this argv, environment and stdio fds."""
    stdin, stdout, stderr = stdio
    environment = list(env)
    arguments = list(argv)
    return {
        "wasi:cli/environment": {
            "get-environment": lambda: environment,
            "get-arguments": lambda: arguments,
            "initial-cwd": lambda: None,
        },
        "wasi:cli/exit": {"exit": _exit, "exit-with-code": _exit_with_code},
        "wasi:cli/stdin": {"get-stdin": lambda: InputStream(stdin)},
        "wasi:cli/stdout": {"get-stdout": lambda: OutputStream(stdout)},
        "wasi:cli/stderr": {"get-stderr": lambda: OutputStream(stderr)},
        "wasi:cli/terminal-input": {},
        "wasi:cli/terminal-output": {},
        "wasi:cli/terminal-stdin": {"get-terminal-stdin": lambda: TerminalInput() if _isatty(stdin) else None},
        "wasi:cli/terminal-stdout": {"get-terminal-stdout": lambda: TerminalOutput() if _isatty(stdout) else None},
        "wasi:cli/terminal-stderr": {"get-terminal-stderr": lambda: TerminalOutput() if _isatty(stderr) else None},
    }


RESOURCES: dict[str, tuple[type[Resource], ...]] = {
    "wasi:cli/terminal-input": (TerminalInput,),
    "wasi:cli/terminal-output": (TerminalOutput,),
}
