"""Node.js's `node:wasi` (preview1), driven by the runner script shipped next to this module."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from wasitool.engines.traps import TRAP_EXIT_CODE, trap_from_stderr
from wasitool.runspec import RunResult, RunSpec
from wasitool.runtimes.base import (
    NOT_FOUND,
    find_executable,
    host_process_env,
    lacking,
    no_components,
    readonly_unsupported,
    run_process,
)
from wasitool.runtimes.signature import export_signature
from wasitool.shipped import NODE_RUNNER

MIN_MAJOR = 20  # node:wasi's `version: 'preview1'` option and returnOnExit
# V8's trap wording -> the wording of wasitool.engines.traps (spec test-suite names).
_V8_TRAPS = {
    "memory access out of bounds": "out of bounds memory access",
    "divide by zero": "integer divide by zero",
    "remainder by zero": "integer divide by zero",
    "integer overflow": "integer overflow",
    "float unrepresentable in integer range": "invalid conversion to integer",
    "table index is out of bounds": "undefined element",
    "null function or function signature mismatch": "indirect call type mismatch",
    "maximum call stack size exceeded": "call stack exhausted",
}


def too_old(node: Path, minimum: int, what: str) -> str | None:
    """Why `node` cannot serve `what` (it reports no version, or one older than `minimum`), else None."""
    try:
        version = subprocess.run([str(node), "--version"], capture_output=True, text=True,
                                 timeout=20, check=False, env=host_process_env()).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return f"{node} does not report a version"
    if major < minimum:
        return f"node {version} is too old ({what} needs {minimum}+)"
    return None


class NodeRuntime:
    """`node --no-warnings node_runner.mjs CONFIG`; found on PATH or via `$WASITOOL_NODE`."""

    name = "node"

    def __init__(self) -> None:
        self._features: frozenset[str] | None = None

    def executable(self) -> Path | None:
        return find_executable("node", "WASITOOL_NODE")

    def available(self) -> str | None:
        node = self.executable()
        if node is None:
            return NOT_FOUND
        return too_old(node, MIN_MAJOR, "node:wasi preview1")

    def features(self) -> frozenset[str]:
        """The wasm features this node validates (probed once with the engines' probe modules)."""
        from wasitool.engines.features import FEATURE_PROBES

        node = self.executable()
        if self._features is None and node is not None:
            probes = {name: data.hex() for name, data in FEATURE_PROBES.items()}
            script = (
                "const p = JSON.parse(process.argv[1]); const ok = [];"
                "for (const [k, hex] of Object.entries(p)) {"
                " if (WebAssembly.validate(Buffer.from(hex, 'hex'))) ok.push(k); }"
                "console.log(ok.join(','));"
            )
            try:
                out = subprocess.run([str(node), "-e", script, json.dumps(probes)], capture_output=True,
                                     text=True, timeout=20, check=False, env=host_process_env()).stdout
            except (OSError, subprocess.TimeoutExpired):
                out = ""
            self._features = frozenset(f for f in out.strip().split(",") if f)
        return self._features or frozenset()

    def run(self, spec: RunSpec) -> RunResult:
        node = self.executable()
        if node is None:
            return RunResult(127, unsupported=NOT_FOUND)
        missing = (no_components(spec, "node:wasi is preview1") or lacking(spec, self.features())
                   or readonly_unsupported(spec))
        if missing is not None:
            return missing
        with tempfile.TemporaryDirectory(prefix="wasitool-node-") as tmp:
            results_file = Path(tmp) / "results.json"
            config: dict[str, object] = {
                "module": str(Path(spec.module).resolve()),
                "argv": spec.argv,
                "env": dict(spec.env),
                "preopens": {p.guest: str(Path(p.host).resolve()) for p in spec.dirs},
                "invoke": None,
                "results_file": str(results_file),
                "trap_exit": TRAP_EXIT_CODE,
            }
            if spec.invoke is not None:
                signature = export_signature(spec.module, spec.invoke.export)
                config["invoke"] = {
                    "export": spec.invoke.export,
                    "args": list(spec.invoke.args),
                    "params": signature[0] if signature else [],
                }
            argv: list[str | os.PathLike[str]] = [node, "--no-warnings", NODE_RUNNER, json.dumps(config)]
            result = run_process(argv, stdin=spec.stdin, env=host_process_env(), timeout=spec.timeout)
            if spec.invoke is not None and results_file.is_file():
                values = json.loads(results_file.read_text(encoding="utf-8"))
                result.results = [int(v) if isinstance(v, str) else v for v in values]
        result.stderr = v8_trap_to_wasitool(result.stderr)
        result.trap = trap_from_stderr(result.stderr, result.exit_code)
        return result


def v8_trap_to_wasitool(stderr: bytes) -> bytes:
    """The runner's `wasm trap: <V8 message>` line becomes wasitool's own trap line."""
    from wasitool.engines.traps import canonical_trap, trap_line

    head, sep, tail = stderr.rpartition(b"wasm trap: ")
    if not sep or (head and not head.endswith(b"\n")) or tail.count(b"\n") > 1:
        return stderr
    message = tail.decode(errors="replace").strip()
    return head + trap_line(canonical_trap(_V8_TRAPS.get(message.lower(), message))).encode()
