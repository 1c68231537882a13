"""The example's native build: the same program compiled for the host, as a reference point."""

from __future__ import annotations

import tempfile
from pathlib import Path

from wasitool.runspec import RunResult, RunSpec
from wasitool.runtimes.base import is_component, readonly_unsupported, run_process


class NativeRuntime:
    """Runs the native binary with the same argv, env (and nothing else) and stdin.

    Preopens are mapped by running in the directory preopened as `.`; a guest name that is neither `.`
    nor the host path itself cannot be mapped, and neither can invoking a library export.
    """

    name = "native"

    def available(self) -> str | None:
        return None

    def run(self, spec: RunSpec) -> RunResult:
        binary = spec.native_binary
        if binary is None:
            return RunResult(0, unsupported="no native build")
        if not binary.is_file():
            return RunResult(0, unsupported=f"native build not built ({binary})")
        if spec.invoke is not None:
            return RunResult(0, unsupported="native builds cannot invoke a library export")
        if is_component(spec.module):
            return RunResult(0, unsupported="the native build is judged once, on the preview1 row")
        if readonly_unsupported(spec):
            return RunResult(0, unsupported="cannot preopen a directory read-only natively")
        cwd: Path | None = None
        for d in spec.dirs:
            host = Path(d.host).resolve()
            if d.guest in (".", "./"):
                cwd = host
            elif Path(d.guest) != host:
                return RunResult(0, unsupported=f"cannot map guest directory {d.guest!r} natively")
        with tempfile.TemporaryDirectory(prefix="wasitool-native-") as empty:
            return run_process(
                [spec.argv[0], *spec.args],
                executable=binary.resolve(),
                stdin=spec.stdin,
                env=dict(spec.env),
                cwd=cwd or Path(empty),
                timeout=spec.timeout,
            )
