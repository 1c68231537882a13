"""What every runtime (Python engines, native, node, CLIs) is asked to run, and what it reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Preopen:
    """A host directory made visible to the guest under `guest` (e.g. `.` or `/sandbox`)."""

    host: Path
    guest: str


@dataclass(frozen=True)
class Invoke:
    """Call an exported function of a library module instead of `_start`."""

    export: str
    args: tuple[int | float, ...] = ()


@dataclass(frozen=True)
class RunSpec:
    """One run of a module: argv[1:], environment, preopens and stdin are all explicit."""

    module: Path
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    dirs: tuple[Preopen, ...] = ()
    stdin: bytes | None = None
    invoke: Invoke | None = None
    argv0: str | None = None  # defaults to the module's file name

    @property
    def argv(self) -> list[str]:
        """The full argv the guest sees."""
        return [self.argv0 or self.module.name, *self.args]


@dataclass
class RunResult:
    """Outcome of one run. `unsupported` is set (and the rest ignored) when a runtime cannot run it."""

    exit_code: int
    stdout: bytes = b""
    stderr: bytes = b""
    results: list[int | float] = field(default_factory=list)  # values returned by an invoked export
    unsupported: str | None = None
