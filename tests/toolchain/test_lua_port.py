"""Lua 5.1 with its own release makefile (`make generic`) through `wasitool exec --posix`: the porting layer
supplies signal, clock, system, tmpfile and tmpnam, so no stub is written by hand (issue 18 item 7).

The PyPI sdist lupa 2.8 carries Lua 5.1's release tree (third-party/lua51: Makefile, src/Makefile, the
sources); the test fetches it with `pip download` into build/third-party, pinned by sha256
(tests/support/third_party.py, which bench/ shares). Lua raises its
errors with longjmp, hence `-mllvm -wasm-enable-sjlj` (wasm exception handling: the wasmtime engine and CLI
run it, wasmer 1.1 does not).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import importable_engines
from tests.support.third_party import LUA
from tests.toolchain.real_sources import built_port, wasitool, wasmtime_cli

pytestmark = pytest.mark.slow

SCRIPT = """print(string.format("%s %d", _VERSION, 6 * 7))
print("pcall", pcall(error, "boom"))
print("clock", os.clock() >= 0)
print("execute", os.execute("ls"))
local f = assert(io.tmpfile()); f:write("tmp ok"); f:seek("set"); print(f:read("*a")); f:close()
print("tmpname", os.tmpname():sub(1, 5))
local t = {} for i = 1, 10 do t[i] = i * i end print(table.concat(t, ","))
"""
EXPECTED = ("Lua 5.1 42\npcall\tfalse\tboom\nclock\ttrue\nexecute\t-1\ntmp ok\ntmpname\t/tmp/\n"
            "1,4,9,16,25,36,49,64,81,100\n")


@pytest.fixture(scope="module")
def lua(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lua.wasm built by Lua's own makefile with the porting layer."""
    return built_port(LUA, toolchain_home, tmp_path_factory)


def test_lua_builds_with_its_makefile_and_runs(lua: Path, toolchain_home: Path, tmp_path: Path) -> None:
    assert lua.read_bytes()[:4] == b"\0asm"
    (tmp_path / "t.lua").write_text(SCRIPT)
    if "wasmtime" in importable_engines():
        run = wasitool(toolchain_home, "run", str(lua), "--engine", "wasmtime", "--dir", f"{tmp_path}::/tmp", "--",
                       "/tmp/t.lua")
        assert (run.returncode, run.stdout) == (0, EXPECTED), run.stderr
        repl = wasitool(toolchain_home, "run", str(lua), "--engine", "wasmtime", "--", "-", stdin="print(1 + 1)\n")
        assert repl.stdout == "2\n", repl.stderr
    cli = wasmtime_cli()
    if cli is not None:
        run = subprocess.run([str(cli), "run", "--dir", f"{tmp_path}::/tmp", str(lua), "/tmp/t.lua"],
                             capture_output=True, text=True, check=False)
        assert (run.returncode, run.stdout) == (0, EXPECTED), run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["t.lua"]  # io.tmpfile's file is gone
