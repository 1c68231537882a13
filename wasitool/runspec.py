"""What every runtime (Python engines, native, node, CLIs) is asked to run, and what it reports back.

These types sit on `wasitool run`'s start-up path, so they are NamedTuples and a slotted class rather
than dataclasses: importing `dataclasses` (and with it `inspect`) costs about 7 ms per process.
"""

from __future__ import annotations

from pathlib import Path

from wasitool.errors import WasiError
from wasitool.typed import NamedTuple


class Preopen(NamedTuple):
    """A host directory made visible to the guest under `guest` (e.g. `.` or `/sandbox`).

    `readonly`: the guest may read and list it but change nothing in it (no write, create, remove,
    rename, link, symlink, truncate or set-times right on it or on anything opened under it).
    """

    host: Path
    guest: str
    readonly: bool = False


class Invoke(NamedTuple):
    """Call an exported function of a library module instead of `_start`."""

    export: str
    args: tuple[int | float, ...] = ()


def parse_number(text: str) -> int | float:
    """`42`, `-1`, `0x10` become ints; `1.5`, `inf`, `nan` become floats."""
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise WasiError(f"invoke argument `{text}` is not a number") from None


class RunSpec(NamedTuple):
    """One run of a module: argv[1:], environment, preopens and stdin are all explicit.

    `requires` names the wasm features the module needs (a runtime lacking one reports `unsupported`);
    `native_binary` is the same program built for the host, for the `native` runtime.
    """

    module: Path
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    dirs: tuple[Preopen, ...] = ()
    stdin: bytes | None = None
    invoke: Invoke | None = None
    argv0: str | None = None  # defaults to the module's file name
    timeout: float | None = None  # seconds; every runtime stops the run then (exit 124)
    requires: tuple[str, ...] = ()
    native_binary: Path | None = None

    @property
    def argv(self) -> list[str]:
        """The full argv the guest sees."""
        return [self.argv0 or self.module.name, *self.args]


class RunResult:
    """Outcome of one run. `unsupported` is set (and the rest ignored) when a runtime cannot run it.

    `trap` names the wasm trap that ended the run (exit 134), so that it is told apart from a guest's
    `proc_exit(134)`; `timeout` is the time limit in seconds when the run was stopped by it (exit 124).
    """

    __slots__ = ("exit_code", "results", "stderr", "stdout", "timeout", "trap", "unsupported")

    def __init__(
        self,
        exit_code: int,
        stdout: bytes = b"",
        stderr: bytes = b"",
        results: list[int | float] | None = None,
        unsupported: str | None = None,
        trap: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.results: list[int | float] = results if results is not None else []
        self.unsupported = unsupported
        self.trap = trap
        self.timeout = timeout

    def _fields(self) -> tuple[object, ...]:
        return (self.exit_code, self.stdout, self.stderr, self.results, self.unsupported, self.trap, self.timeout)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunResult) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable (typeshed types __hash__ as a method)

    def __repr__(self) -> str:
        return "RunResult({})".format(", ".join(f"{name}={getattr(self, name)!r}" for name in (
            "exit_code", "stdout", "stderr", "results", "unsupported", "trap", "timeout")))

    def replace(self, **changes: object) -> RunResult:
        """A copy with some fields changed."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return RunResult(**values)
