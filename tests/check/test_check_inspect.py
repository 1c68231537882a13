"""`wasitool inspect`: wasm-objdump output parsed into imports, exports, memory and sections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wasitool.cli import main
from wasitool.inspect_module import ModuleInfo, inspect, parse_details, parse_headers

HEADERS = """
echo.wasm:\tfile format wasm 0x1

Sections:

     Type start=0x0000000a end=0x0000002c (size=0x00000022) count: 6
   Import start=0x0000002e end=0x000000f1 (size=0x000000c3) count: 6
   Memory start=0x000000fe end=0x00000101 (size=0x00000003) count: 1
   Custom start=0x00000200 end=0x00000210 (size=0x00000010) "target_features"
"""

DETAILS = """
Section Details:

Type[2]:
 - type[0] (i32, i32) -> i32
 - type[1] () -> nil
Import[2]:
 - func[0] sig=0 <__imported_wasi_snapshot_preview1_args_get> <- wasi_snapshot_preview1.args_get
 - memory[0] pages: initial=2 max=4 <- env.memory
Function[1]:
 - func[1] sig=1 <_start>
Memory[1]:
 - memory[1] pages: initial=1
Export[2]:
 - func[1] <_start> -> "_start"
 - memory[1] -> "memory"
Start:
 - start function: 1
Custom:
 - name: "target_features"
  - [+] multivalue
  - [+] sign-ext
"""


def test_parse_canned_objdump_output() -> None:
    sections = parse_headers(HEADERS)
    assert [(s.kind, s.name, s.size, s.count) for s in sections] == [
        ("Type", "Type", 0x22, 6), ("Import", "Import", 0xC3, 6), ("Memory", "Memory", 3, 1),
        ("Custom", "target_features", 0x10, None)]
    info = ModuleInfo(path="x.wasm", size=1)
    parse_details(DETAILS, info)
    assert [(i.module, i.name, i.kind, i.detail) for i in info.imports] == [
        ("wasi_snapshot_preview1", "args_get", "func", "(i32, i32) -> i32"),
        ("env", "memory", "memory", "pages: initial=2 max=4")]
    assert [(e.name, e.kind, e.detail) for e in info.exports] == [
        ("_start", "func", "() -> nil"), ("memory", "memory", "pages: initial=1")]
    assert [(m.index, m.initial_pages, m.max_pages, m.imported) for m in info.memories] == [
        (0, 2, 4, True), (1, 1, None, False)]
    assert info.start == "1"
    assert info.target_features == ["multivalue", "sign-ext"]


@pytest.mark.usefixtures("use_toolchain")
def test_inspect_a_file_with_the_installed_wabt(echo_wasm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = inspect(echo_wasm)
    assert [i.name for i in info.imports] == ["args_sizes_get", "args_get", "environ_sizes_get", "environ_get",
                                              "fd_write", "proc_exit"]
    assert {e.name: e.detail for e in info.exports}["add64"] == "(i64, i64) -> i64"
    assert info.memories[0].initial_bytes == 65536
    assert main(["inspect", str(echo_wasm), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["memories"][0]["initial_pages"] == 1
    assert main(["inspect", str(echo_wasm)]) == 0
    table = capsys.readouterr().out
    assert "imports (6)" in table and "fd_write" in table and "(i64, i64) -> i64" in table


@pytest.mark.usefixtures("use_toolchain")
def test_inspect_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"not wasm")
    assert main(["inspect", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wasitool: error: wasm-objdump cannot read") and err.count("\n") == 1
    assert main(["inspect", str(tmp_path / "missing.wasm")]) == 2
    assert "no such module" in capsys.readouterr().err
