"""One exception family per room; the CLI catches `WasitoolError` once and prints one line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from wasitool import exitcodes


class WasitoolError(Exception):
    """A user-facing failure: `problem` says what went wrong, `fix` says what to do about it."""

    exit_code = exitcodes.ERROR

    def __init__(self, problem: str, fix: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def one_line(self) -> str:
        """The message as printed by the CLI: `problem (fix: ...)` on a single line."""
        text = " ".join(self.problem.split())
        return f"{text} (fix: {' '.join(self.fix.split())})" if self.fix else text

    def report(self) -> str:
        """What the CLI prints after `wasitool: error: `: `one_line()`, unless the error has details to list."""
        return self.one_line()


class ToolchainError(WasitoolError):
    """Lock file, download, verification, extraction or store failures."""


class BuildError(WasitoolError):
    """SCons build or example-table failures."""


class WasiError(WasitoolError):
    """A module that cannot be loaded, linked or run by the Python WASI runtime."""


class RuntimeNotFound(WasitoolError):
    """An external runtime (node, wasmtime CLI, ...) is not available on this machine."""


class CompileError(BuildError):
    """A compiler rejected the user's source; it has already printed why (exit status 1, like `cc`)."""

    exit_code = exitcodes.FAILED


class InternalError(Exception):
    """A wasitool bug caught where the original exception cannot travel on as itself (an engine run, a
    forked child): `kind` and `message` describe it, `details` holds its traceback when `__cause__` cannot.
    Not a WasitoolError: the CLI reports it as a bug (one line, a log file, exit 3)."""

    def __init__(self, kind: str, message: str, details: str = "") -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.details = details


@contextlib.contextmanager
def reading_json_lines(what: str, fix: str) -> Iterator[None]:
    """Failures while reading a file of JSON lines (`what`: "the recording x.jsonl") as one `WasiError` line."""
    try:
        yield
    except RecursionError:
        raise WasiError(f"cannot read {what}: a line nests too deep", fix) from None
    except OSError as exc:
        raise WasiError(f"cannot read {what}: {exc.strerror or exc}", fix) from None
    except ValueError as exc:
        raise WasiError(f"cannot read {what}: {exc}", fix) from None
