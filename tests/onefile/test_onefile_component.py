"""One source file to a WASI 0.2 component (`--wasi p2`) with the fake toolchain: the adapter step, the
wasm32-wasip2 compiler where the toolchain has one, the cache key and the errors when tools are missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.onefile.conftest import COMMAND_ADAPTER, REACTOR_ADAPTER, FakeToolchain
from wasitool import onefile
from wasitool.errors import BuildError, ToolchainError
from wasitool.onefile import Options
from wasitool.toolchain.components import missing_for_components

P2 = Options(wasi="p2")


@pytest.fixture
def kit(tmp_path: Path) -> FakeToolchain:
    return FakeToolchain(tmp_path / "kit", components=True)


def build(fake: FakeToolchain, cache: Path, source: str = "hello.c", options: Options = P2) -> Path:
    return onefile.build(Path(source), options, toolchain=fake.toolchain, cache=cache)


def test_a_command_is_built_then_wrapped_with_the_command_adapter(kit: FakeToolchain, work: Path, tmp_path: Path):
    component = build(kit, tmp_path / "cache")
    compile_call, wrap = kit.calls()
    assert compile_call[0] == "cc" and "-s" not in compile_call  # DWARF stripped after linking instead
    core = compile_call[compile_call.index("-o") + 1]
    assert wrap == ["component", "new", "--adapt", f"wasi_snapshot_preview1={kit.adapters['command']}", core,
                    "-o", wrap[-1]]
    data = component.read_bytes()
    assert data.startswith(b"component\n" + COMMAND_ADAPTER + b"\0asm")  # the adapter wraps the core module
    assert build(kit, tmp_path / "cache") == component and len(kit.calls()) == 2  # cached


def test_p1_and_p2_of_one_source_are_two_entries(kit: FakeToolchain, work: Path, tmp_path: Path):
    core = build(kit, tmp_path / "cache", options=Options())
    component = build(kit, tmp_path / "cache")
    assert core != component and core.read_bytes().startswith(b"\0asm")
    assert build(kit, tmp_path / "cache", options=Options()) == core and len(kit.calls()) == 3


def test_a_library_gets_the_reactor_adapter(kit: FakeToolchain, work: Path, tmp_path: Path):
    component = build(kit, tmp_path / "cache", options=Options(library=True, exports=("add",), wasi="p2"))
    reactor, wrap = kit.calls()
    assert "-mexec-model=reactor" in reactor
    assert f"wasi_snapshot_preview1={kit.adapters['reactor']}" in wrap
    assert component.read_bytes().startswith(b"component\n" + REACTOR_ADAPTER)


def test_a_changed_adapter_rebuilds(kit: FakeToolchain, work: Path, tmp_path: Path):
    first = build(kit, tmp_path / "cache").read_bytes()
    kit.adapters["command"].write_bytes(b"a newer command adapter\n")
    os.utime(kit.adapters["command"], ns=(1, 1))
    second = build(kit, tmp_path / "cache").read_bytes()
    assert first != second and second.startswith(b"component\na newer command adapter\n")


def test_a_wasip2_compiler_writes_the_component_itself(tmp_path: Path, work: Path):
    kit = FakeToolchain(tmp_path / "kit", components=True, wasip2=True)
    build(kit, tmp_path / "cache")
    (call,) = kit.calls()  # no adapter step: wasi-sdk's clang links through wasm-component-ld
    assert call[:2] == ["cc", "--target=wasm32-wasip2"]


def test_wat_goes_through_the_adapter_too(kit: FakeToolchain, work: Path, tmp_path: Path):
    kit.toolchain.tools["wasi-sdk"].commands["wat2wasm"] = kit.toolchain.tools["wasi-sdk"].commands["cc"]
    (work / "hi.wat").write_text("(module (memory (export \"memory\") 1) (func (export \"_start\")))")
    component = build(kit, tmp_path / "cache", "hi.wat", Options(wasi="p2"))
    assert component.read_bytes().startswith(b"component\n" + COMMAND_ADAPTER)
    assert [call[0] for call in kit.calls() if "--help" not in call] == ["cc", "component"]  # --help: the flags
    with pytest.raises(BuildError, match="-O, --lib and --export apply to C and C"):
        build(kit, tmp_path / "cache", "hi.wat", Options(library=True))  # --lib means something for p2 only


def test_without_the_component_tools_the_error_names_them(fake: FakeToolchain, work: Path, tmp_path: Path):
    with pytest.raises(ToolchainError) as info:
        build(fake, tmp_path / "cache")  # the default lock pins them, this toolchain has none
    assert info.value.problem.startswith("wasm-tools is not installed for ")
    assert info.value.fix.startswith("run `wasitool setup --tool wasm-tools`")
    assert fake.calls() == []  # nothing compiled before the missing tool is known


def test_a_lock_that_predates_the_component_tools_says_so(fake: FakeToolchain, tmp_path: Path):
    from wasitool.shipped import SHIPPED_LOCK

    text = SHIPPED_LOCK.read_text()
    old = tmp_path / "wasitool.lock"
    old.write_text(text[: text.index("[tools.wasm-tools]")])
    error = missing_for_components(fake.toolchain, "component-new", old)
    assert error.one_line() == (
        f"this lock pins no wasm-tools ({old}), which WASI 0.2 components need (fix: copy the "
        "[tools.wasm-tools] and [tools.wasi-adapters] tables of wasitool's own lock (`wasitool init` writes it "
        "in a new project) into it, then run `wasitool setup`)")


def test_cli_writes_name_p2_wasm(tmp_path: Path, work: Path, store: Path):
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.toolchain.lock import load_lock
    from wasitool.toolchain.records import write_record

    kit = FakeToolchain(tmp_path / "kit", components=True)
    write_record(store, load_lock(SHIPPED_LOCK), kit.toolchain)
    proc = subprocess.run([sys.executable, "-m", "wasitool", "build", "hello.c", "--wasi", "p2"], cwd=work,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (work / "hello.p2.wasm").read_bytes().startswith(b"component\n" + COMMAND_ADAPTER)
    assert not (work / "hello.wasm").exists()
    examples = subprocess.run([sys.executable, "-m", "wasitool", "build", "--wasi", "p2", "first"], cwd=work,
                              capture_output=True, text=True, timeout=120, check=False)
    assert examples.returncode == 2 and "--wasi apply to a source file" in examples.stderr
    run = subprocess.run([sys.executable, "-m", "wasitool", "run", "x.wasm", "--wasi", "p2"], cwd=work,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2 and "--wasi apply to a source file" in run.stderr
