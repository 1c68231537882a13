"""`wasitool inspect`: tables, call chains, disassembly and data, from wasitool's own binary reader."""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasitool.callgraph import build_call_graph, caller_chains
from wasitool.cli import main
from wasitool.errors import WasitoolError
from wasitool.inspect_module import callers, chain_text, data_segments, disassemble, disassembly_text, inspect, load
from wasitool.wasmbin import parse_module, strip_debug_sections

from .conftest import wat2wasm

# A call graph shaped like wasi-libc's readdir: two ways from the import up to _start, a recursive
# function, one only reachable through the table, an exported helper and one nobody calls.
CHAINS_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (global $heap (export "__heap_base") i32 (i32.const 70000))
  (global $end (export "__data_end") i32 (i32.const 66000))
  (table 2 funcref)
  (elem (i32.const 1) $indirect)
  (data (i32.const 1024) "closedir\\00(null)\\00%s%s\\n\\00ab\\00")
  (func $__wasi_fd_readdir (param i32 i32 i32 i64 i32) (result i32)
    (call $fd_readdir (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4))
    (i32.const 65535)
    (i32.and))
  (func $readdir (param i32) (result i32)
    (drop (call $__wasi_fd_readdir (local.get 0) (i32.const 0) (i32.const 0) (i64.const 0) (i32.const 0)))
    (call $readdir (local.get 0)))
  (func $opendir (result i32)
    (call $__wasi_fd_readdir (i32.const 0) (i32.const 0) (i32.const 0) (i64.const 0) (i32.const 0)))
  (func $indirect
    (drop (call $readdir (i32.const 1))))
  (func $unused
    (drop (call $opendir)))
  (func $main (result i32)
    (drop (call $opendir))
    (call $readdir (i32.const 3))
    (call_indirect (type 0) (i32.const 1) (i32.const 0) (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 1))
    (drop))
  (func (export "_start")
    (drop (call $main)))
  (func (export "helper") (result i32)
    (call $readdir (i32.const 9))))
"""


@pytest.fixture(scope="module")
def chains_wasm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inspect") / "chains.wasm"
    path.write_bytes(wat2wasm(CHAINS_WAT))
    return path


def test_every_chain_up_to_an_export(chains_wasm: Path) -> None:
    m = load(chains_wasm)
    report = callers(m, "fd_readdir")
    assert [chain_text(m, c) for c in report.chains] == [
        "fd_readdir (import func[0]) <- __wasi_fd_readdir (func[1]) <- readdir (func[2]) <- indirect (func[4])"
        " <- (called through the table)",
        "fd_readdir (import func[0]) <- __wasi_fd_readdir (func[1]) <- readdir (func[2]) <- main (func[6])"
        " <- _start (export func[7])",
        "fd_readdir (import func[0]) <- __wasi_fd_readdir (func[1]) <- readdir (func[2]) <- helper (export func[8])",
        "fd_readdir (import func[0]) <- __wasi_fd_readdir (func[1]) <- opendir (func[3]) <- unused (func[5])"
        " <- (no callers)",
        "fd_readdir (import func[0]) <- __wasi_fd_readdir (func[1]) <- opendir (func[3]) <- main (func[6])"
        " <- _start (export func[7])",
    ]
    assert not report.truncated
    # the same function by index, by `func[N]`, by name, and by module.field
    assert [callers(m, spec).target for spec in ("2", "func[2]", "readdir")] == [2, 2, 2]
    assert callers(m, "wasi_snapshot_preview1.fd_readdir").target == 0
    assert [chain_text(m, c) for c in callers(m, "helper").chains] == ["helper (export func[8])"]


def test_chains_are_bounded_on_huge_and_cyclic_graphs() -> None:
    # 24 layers of two mutually recursive functions each calling both of the layer below: 2**24 paths
    layers = 24
    funcs = ['(func $f0_0) (func $f0_1)']
    for n in range(1, layers + 1):
        for k in (0, 1):
            funcs.append(f"(func $f{n}_{k} (call $f{n - 1}_0) (call $f{n - 1}_1) (call $f{n}_{1 - k}))")
    funcs.append(f'(func (export "_start") (call $f{layers}_0))')
    m = parse_module(wat2wasm(f"(module {' '.join(funcs)})"))
    begin = time.monotonic()
    chains, truncated = caller_chains(m, build_call_graph(m), 0, limit=50)
    assert truncated and len(chains) == 50
    assert time.monotonic() - begin < 30  # generous: the walk stops after 50 chains, not 2**24
    assert all(c.path[0] == 0 and len(set(c.path)) == len(c.path) for c in chains)


def test_pure_recursion_ends_with_recursion() -> None:
    m = parse_module(wat2wasm('(module (func $a (call $b)) (func $b (call $a)))'))
    assert [(c.path, c.end) for c in caller_chains(m, build_call_graph(m), 0)[0]] == [([0, 1], "recursion")]


def test_disassembly_annotates_calls_and_globals(chains_wasm: Path) -> None:
    m = load(chains_wasm)
    text = disassembly_text(disassemble(m, "__wasi_fd_readdir")).splitlines()
    assert text[0] == "__wasi_fd_readdir (func[1]): (i32, i32, i32, i64, i32) -> i32"
    assert [line.split(": ", 1)[1] for line in text[1:]] == [
        "local.get 0", "local.get 1", "local.get 2", "local.get 3", "local.get 4",
        "call 0 <wasi_snapshot_preview1.fd_readdir>", "i32.const 65535", "i32.and", "end"]
    main_text = disassembly_text(disassemble(m, "main"))
    assert "call 3 <opendir>" in main_text and "call_indirect (type 0) <(i32, i32, i32, i64, i32) -> i32>" in main_text
    offsets = [int(line.split(":")[0], 16) for line in text[1:]]
    assert offsets == sorted(offsets) and offsets[0] > 0


def test_globals_strings_and_json(chains_wasm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = inspect(chains_wasm)
    assert [(g.name, g.exports, g.value, g.mutable) for g in info.globals] == [
        ("__stack_pointer", [], 65536, True), ("heap", ["__heap_base"], 70000, False),
        ("end", ["__data_end"], 66000, False)]
    assert "malloc" in info.globals[1].meaning
    (seg,) = data_segments(load(chains_wasm))
    assert (seg.address, seg.size) == (1024, 25)
    assert [(s.address, s.text) for s in seg.strings] == [(1024, "closedir"), (1033, "(null)"), (1040, "%s%s\n")]
    for args in ([], ["--callers", "fd_readdir"], ["--disasm", "main"], ["--data"]):
        assert main(["inspect", str(chains_wasm), "--json", *args]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data
    assert main(["inspect", str(chains_wasm), "--json", "--callers", "readdir"]) == 0
    chains = json.loads(capsys.readouterr().out)["chains"]
    assert [c["end"] for c in chains] == ["called through the table", "export", "export"]
    assert chains[1]["path"][-1] == {"index": 7, "name": "_start", "import": None, "exports": ["_start"]}


def test_table_view(chains_wasm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(chains_wasm)]) == 0
    out = capsys.readouterr().out
    assert "imports (1)" in out and "globals (3)" in out and "__heap_base" in out and "fd_readdir" in out
    assert main(["inspect", str(chains_wasm), "--data"]) == 0
    assert '  0x400  "closedir"' in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--callers", "nope"], "no function `nope` in the module"),
    (["--disasm", "fd_readdir"], "is imported from wasi_snapshot_preview1: it has no code here"),
    (["--disasm", "99"], "no function 99: the module has 9 functions (0-8)"),
])
def test_bad_function_is_one_line(chains_wasm: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                  message: str) -> None:
    assert main(["inspect", str(chains_wasm), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("wasitool: error: ") and err.count("\n") == 1


def test_bad_files_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.wasm"
    for content, message in [(b"not wasm", "not a wasm module"), (wat2wasm(CHAINS_WAT)[:200], "runs past the end"),
                             (b"\0asm\x01\0\0\0\x01\x01\x05", "truncated"),
                             (b"\0asm\x01\0\0\0\x0a\xff\xff\xff\xff\x0f", "runs past the end")]:
        bad.write_bytes(content)
        assert main(["inspect", str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("wasitool: error: cannot read") and message in err and err.count("\n") == 1
    assert main(["inspect", str(tmp_path / "missing.wasm")]) == 2
    assert "no such module" in capsys.readouterr().err


def test_strip_debug_keeps_everything_but_dwarf() -> None:
    data = wat2wasm(CHAINS_WAT)

    def custom(name: bytes, payload: bytes) -> bytes:
        body = bytes([len(name)]) + name + payload
        return b"\0" + bytes([len(body)]) + body

    with_debug = data + custom(b".debug_info", b"/home/me/path") + custom(b"producers", b"\0")
    stripped = strip_debug_sections(with_debug)
    assert stripped == data + custom(b"producers", b"\0")
    assert parse_module(stripped).names.functions == parse_module(data).names.functions


@pytest.mark.usefixtures("use_toolchain")
def test_readdir_example_chain_and_disassembly(capsys: pytest.CaptureFixture[str]) -> None:
    """The notes' investigation on the real example: fd_readdir is reached from _start through readdir."""
    assert main(["inspect", "readdir", "--callers", "fd_readdir"]) == 0
    chains = capsys.readouterr().out.splitlines()
    assert chains and all(c.startswith("fd_readdir (import func[") for c in chains)
    assert all(re.search(r"<- _start \(export func\[\d+\]\)$", c) for c in chains), chains
    through_readdir = [c for c in chains if " <- readdir (func[" in c]
    assert through_readdir, chains
    wrapper = through_readdir[0].split(" <- ")[1]  # __wasi_fd_readdir (func[N])
    assert main(["inspect", "readdir", "--disasm", "readdir"]) == 0
    code = capsys.readouterr().out
    assert f"call {wrapper.split('func[')[1].rstrip('])')} <__wasi_fd_readdir>" in code
    assert "i32.load offset=28" in code  # struct _DIR's buffer_used, as the notes found


@pytest.mark.usefixtures("use_toolchain")
def test_compiler_rt_builtins_are_inside_the_module(capsys: pytest.CaptureFixture[str]) -> None:
    """The 128-bit and quad-float operations of the compiler_rt example are functions of the module."""
    from wasitool.commands.inspect import resolve
    from wasitool.inspect_module import resolve_function

    m = load(resolve("compiler_rt"))
    for builtin in ("__multi3", "__udivti3", "__divti3", "__floatunditf", "__divtf3", "__multf3", "__fixunstfdi"):
        index = resolve_function(m, builtin)
        assert m.func_import(index) is None and m.body(index) is not None, builtin
    assert main(["inspect", "compiler_rt", "--callers", "__fixunstfdi"]) == 0
    chains = capsys.readouterr().out.splitlines()
    assert any(" <- main (func[" in c and " <- _start (export func[" in c for c in chains), chains


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_damaged_modules_give_value_errors_only(data: st.DataObject) -> None:
    """Flipped or cut bytes: the reader, the call graph and the disassembler fail with ValueError or not at all."""
    original = bytearray(wat2wasm(CHAINS_WAT))
    for _ in range(data.draw(st.integers(1, 4))):
        original[data.draw(st.integers(0, len(original) - 1))] = data.draw(st.integers(0, 255))
    damaged = bytes(original[: data.draw(st.integers(8, len(original)))])
    try:
        m = parse_module(damaged)
    except ValueError:
        return
    graph = build_call_graph(m)  # undecodable bodies are recorded, not raised
    for index in range(len(m.func_types)):
        caller_chains(m, graph, index, limit=5)
        with contextlib.suppress(WasitoolError):  # imports have no code; bodies may not decode
            disassemble(m, str(index))
    inspect(Path("damaged.wasm"), m)
    data_segments(m)
