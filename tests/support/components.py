"""Real components for tests, made with the toolchain the default lock pins: `wasm-tools` (pip) and the
preview1 adapters (npm), installed in the suite's shared store by the `toolchain_home` fixture.

Tests reach the kit through the `p2kit` fixture (tests/conftest.py): it needs the real toolchain, so every
test using it is marked slow and `-m 'not slow'` fetches nothing. A tool the store lacks fails the test
with the setup line to run, never skips it.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import wasmtime

DEFAULT_LOCK = Path(__file__).resolve().parents[2] / "wasitool" / "bundled" / "wasitool.lock"


@dataclass(frozen=True)
class P2Kit:
    """The pinned `wasm-tools` and the two preview1 adapters."""

    wasm_tools: Path
    command_adapter: Path
    reactor_adapter: Path

    def run(self, *args: str | Path, stdin: bytes | None = None) -> str:
        """`wasm-tools ARGS...`; fails the test with its stderr when it exits non-zero."""
        proc = subprocess.run([str(self.wasm_tools), *map(str, args)], input=stdin, capture_output=True,
                              timeout=120, check=False)
        if proc.returncode != 0:
            pytest.fail(f"wasm-tools {' '.join(map(str, args))} failed:\n{proc.stderr.decode(errors='replace')}")
        return proc.stdout.decode(errors="replace")

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

    def wat_component(self, text: str, directory: Path, name: str = "c.wasm") -> Path:
        """A command component made from a preview1 core module written in WAT (exporting `memory`, `_start`)."""
        core = directory / (Path(name).stem + ".core.wasm")
        core.write_bytes(bytes(wasmtime.wat2wasm(text)))
        return self.adapt(core, directory / name)


def p2kit(store: Path) -> P2Kit:
    """The kit installed in `store` for the default lock; fails the test naming what is missing."""
    from wasitool.errors import WasitoolError
    from wasitool.toolchain.select import load_toolchain

    toolchain = load_toolchain(root=store, lock=DEFAULT_LOCK)
    try:
        kit = P2Kit(Path(toolchain.command("wasm-tools")[0]), Path(toolchain.file("wasi-adapter-command")),
                    Path(toolchain.file("wasi-adapter-reactor")))
    except WasitoolError as exc:  # the record lacks a tool: setup skipped an optional one
        pytest.fail(f"the store {store} lacks the component tools ({exc}); run "
                    f"WASITOOL_HOME={store} wasitool setup --lock {DEFAULT_LOCK}")
    missing = [str(p) for p in (kit.wasm_tools, kit.command_adapter, kit.reactor_adapter) if not p.is_file()]
    if missing:
        pytest.fail(f"component tools missing from the store: {', '.join(missing)}")
    return kit
