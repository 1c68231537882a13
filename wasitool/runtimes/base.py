"""The one interface every runtime implements, plus helpers for runtimes that are external processes."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from wasitool.engines.limits import DEFAULT_CHECK_TIMEOUT as DEFAULT_TIMEOUT
from wasitool.engines.limits import MAX_TIMEOUT, TIMEOUT_EXIT, timeout_line
from wasitool.runspec import RunResult, RunSpec

__all__ = ["DEFAULT_TIMEOUT", "NOT_FOUND", "TIMEOUT_EXIT", "Runtime", "run_process", "timeout_seconds"]
NOT_FOUND = "not found"


class Runtime(Protocol):
    """A way to run a RunSpec: a Python engine, the native build, node, a wasm CLI (registered in
    `wasitool.runtimes.RUNTIMES`)."""

    name: str

    def available(self) -> str | None:
        """None when usable on this machine, else why not (e.g. "not found")."""
        ...

    def run(self, spec: RunSpec) -> RunResult:
        """Run `spec` (everything a runtime needs is in it: `requires`, `native_binary`); `unsupported`
        set when this runtime cannot."""
        ...


def timeout_seconds() -> float:
    """Per-run timeout: `$WASITOOL_TIMEOUT` seconds (at most MAX_TIMEOUT), else DEFAULT_TIMEOUT."""
    try:
        value = float(os.environ.get("WASITOOL_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
    return min(value, MAX_TIMEOUT) if value > 0 else DEFAULT_TIMEOUT  # NaN, zero, negative: the default


def readonly_unsupported(spec: RunSpec) -> RunResult | None:
    """`unsupported` for a spec with a read-only preopen, for the runtimes that cannot make one read-only."""
    if any(d.readonly for d in spec.dirs):
        return RunResult(0, unsupported="cannot preopen a directory read-only")
    return None


def host_process_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for a runtime process: PATH and a fixed locale, nothing else from the host.

    The guest's own variables are handed to the runtime explicitly (flags or a config), never inherited.
    """
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C"}
    env.update(extra or {})
    return env


def find_executable(name: str, env_var: str) -> Path | None:
    """`$env_var` if set (a path or a command name), else `name` on PATH."""
    found = shutil.which(os.environ.get(env_var) or name)
    return Path(found) if found else None


def run_process(
    argv: Sequence[str | os.PathLike[str]],
    *,
    stdin: bytes | None,
    env: Mapping[str, str],
    cwd: Path | None = None,
    timeout: float | None = None,
    executable: Path | None = None,
) -> RunResult:
    """Run one process to completion with captured output; a timeout becomes exit 124 and a reason.

    `executable` runs that file with `argv[0]` kept as given (so a native build sees the guest's argv0).
    """
    limit = timeout_seconds() if timeout is None else min(timeout, MAX_TIMEOUT)  # a platform time_t holds it
    try:
        proc = subprocess.run(
            [os.fspath(a) for a in argv],
            input=stdin or b"",
            capture_output=True,
            env=dict(env),
            cwd=cwd,
            timeout=limit,
            check=False,
            executable=executable,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = (exc.stderr or b"") + timeout_line(limit).encode()
        return RunResult(TIMEOUT_EXIT, exc.stdout or b"", stderr, timeout=limit)
    except OSError as exc:
        return RunResult(127, b"", f"wasitool: cannot start {argv[0]}: {exc.strerror}\n".encode())
    code = proc.returncode
    if code < 0:  # killed by a signal: report it the way a shell would
        code = 128 - code
    return RunResult(code, proc.stdout, proc.stderr)


def is_component(module: str | os.PathLike[str]) -> bool:
    """True when `module` is a WASI 0.2 component (its header says layer 1), False for a core module."""
    from wasitool.component.binary import is_component as component_header

    try:
        with open(module, "rb") as f:
            return component_header(f.read(8))
    except OSError:
        return False


def no_components(spec: RunSpec, why: str) -> RunResult | None:
    """`unsupported` for a component, for the runtimes that run core modules only (`why`: what they lack)."""
    return RunResult(0, unsupported=f"runs core modules only: {why}") if is_component(spec.module) else None


def components_only(spec: RunSpec) -> RunResult | None:
    """`unsupported` for a core module or an invoked export, for the runtimes that run command components only."""
    if not is_component(spec.module):
        return RunResult(0, unsupported="runs WASI 0.2 components only")
    if spec.invoke is not None:
        return RunResult(0, unsupported="runs a component's wasi:cli/run only (no --invoke)")
    return None


def lacking(spec: RunSpec, supported: set[str] | frozenset[str]) -> RunResult | None:
    """An `unsupported` result naming the features `spec.requires` that `supported` lacks, else None."""
    missing = [f for f in spec.requires if f not in supported]
    if not missing:
        return None
    return RunResult(0, unsupported=f"lacks wasm feature(s): {', '.join(missing)}")
