"""jco on node: a WASI 0.2 component transpiled to JavaScript and run on `@bytecodealliance/preview2-shim`, the
way `jco run` does it (`jco_runner/runner.mjs`), with exactly the RunSpec's argv, environment and preopens.

A bare `jco run` would inherit the host's environment and preopen the whole host filesystem; the runner sets
the shim's arguments, environment and preopens itself (what `jco run --sandbox` does, plus argv[0]). The npm
packages are pinned by the shipped lockfile and installed into the store on first use (`jco_install`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from wasitool.engines.traps import TRAP_EXIT_CODE, trap_from_stderr
from wasitool.errors import RuntimeNotFound
from wasitool.runspec import RunResult, RunSpec
from wasitool.runtimes.base import (
    NOT_FOUND,
    components_only,
    find_executable,
    host_process_env,
    lacking,
    readonly_unsupported,
    run_process,
)

MIN_NODE = 20  # the shim's native filesystem package (`@bytecodealliance/jco-node-fs`) needs node 20+


class JcoRuntime:
    """The `jco` runtime: `node runner.mjs CONFIG` with the pinned packages in `<store>/tools/jco-<digest>`."""

    name = "jco"

    def __init__(self) -> None:
        self._install: Path | None = None

    def node(self) -> Path | None:
        return find_executable("node", "WASITOOL_NODE")

    def available(self) -> str | None:
        """None once node is new enough and the pinned packages are installed (`npm ci` on first use)."""
        from wasitool.runtimes.jco_install import ensure_installed, install_dir, is_installed
        from wasitool.runtimes.node import too_old
        from wasitool.store.layout import Layout

        node = self.node()
        if node is None:
            return NOT_FOUND
        old = too_old(node, MIN_NODE, "jco's preview2-shim")
        if old is not None:
            return old
        store = Layout().root
        if is_installed(install_dir(store)):
            self._install = install_dir(store)
            return None
        npm = find_executable("npm", "WASITOOL_NPM")
        if npm is None:
            return "npm not found (needed once, to install jco's pinned packages into the store)"
        try:
            self._install = ensure_installed(npm, store)
        except RuntimeNotFound as exc:
            return exc.one_line()
        return None

    def run(self, spec: RunSpec) -> RunResult:
        node = self.node()
        if node is None or (self._install is None and self.available() is not None):
            return RunResult(127, unsupported=NOT_FOUND)
        from wasitool.runtimes.node import NodeRuntime, v8_trap_to_wasitool

        missing = (components_only(spec) or lacking(spec, NodeRuntime().features())
                   or readonly_unsupported(spec))
        if missing is not None:
            return missing
        assert self._install is not None  # set by available()
        with tempfile.TemporaryDirectory(prefix="wasitool-jco-") as workdir:
            config = {
                "component": str(Path(spec.module).resolve()),
                "argv": spec.argv,
                "env": [list(pair) for pair in spec.env],
                "preopens": [[d.guest, str(Path(d.host).resolve())] for d in spec.dirs],
                "node_modules": str(self._install / "node_modules"),
                "workdir": workdir,
                "trap_exit": TRAP_EXIT_CODE,
            }
            argv: list[str | os.PathLike[str]] = [node, "--no-warnings", self._install / "runner.mjs",
                                                  json.dumps(config)]
            result = run_process(argv, stdin=spec.stdin, env=host_process_env(), cwd=Path(workdir),
                                 timeout=spec.timeout)
        result.stderr = v8_trap_to_wasitool(result.stderr)
        result.trap = trap_from_stderr(result.stderr, result.exit_code)
        return result
