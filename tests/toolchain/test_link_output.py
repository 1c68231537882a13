"""What the compiler wrappers do around a link: DWARF stripped unless `-g`, `wasm32-wasi-strip` for sources
without a strip, and a line on stderr when a zig link takes long (zig building its C library).

The wrapped compiler is the recorder of tests/toolchain/fake_toolchain.py, which writes an empty module as
its output or leaves one with `.debug_info` and `name` sections there, so the tests see what the real sh
scripts do to a link's output.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.toolchain.fake_toolchain import FakeStore, make_fake_store
from wasitool import wasmstrip
from wasitool.toolchain import firstuse, wrappers
from wasitool.toolchain.manifest import Toolchain
from wasitool.wasmbin import split_sections

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sh wrappers run on POSIX hosts")


def _custom(name: str, payload: bytes) -> bytes:
    body = bytes([len(name)]) + name.encode() + payload
    return bytes([0, len(body)]) + body


TYPE_SECTION = bytes([1, 4, 1, 0x60, 0, 0])  # one type: () -> ()
MODULE = (b"\0asm\x01\0\0\0" + TYPE_SECTION + _custom(".debug_info", b"dwarf") + _custom("name", b"\x00\x02\x01m")
          + _custom("producers", b"\x00"))


def _sections(path: Path) -> list[str]:
    return [s.name for s in split_sections(path.read_bytes())]


@pytest.fixture
def store(tmp_path: Path) -> FakeStore:
    store = make_fake_store(tmp_path / "store")
    (tmp_path / "linked.wasm").write_bytes(MODULE)
    return store


def _cc(store: FakeStore, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    cc = wrappers.write_wrappers(store.toolchain, store.root / "bin")["cc"]
    # With FAKE_OUTPUT set, the recorder "links" by writing an empty module to its -o file.
    return subprocess.run([str(cc), *args], env=store.env(**env), capture_output=True, text=True, check=False,
                          cwd=store.root.parent)


def test_a_link_without_g_loses_its_dwarf_and_keeps_its_names(store: FakeStore) -> None:
    out = store.root.parent / "prog.wasm"
    proc = _cc(store, "-O2", "main.o", "-o", str(out), FAKE_OUTPUT="1")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == b"\0asm\x01\0\0\0"  # the strip step ran on the linked output (and kept it whole)
    # The same step on a module with DWARF: only the .debug sections go.
    assert wasmstrip.main(["--strip-debug", "--", str(store.root.parent / "linked.wasm")]) == 0
    assert _sections(store.root.parent / "linked.wasm") == ["type", "custom:name", "custom:producers"]


# A link's arguments, and whether the wrapper strips the DWARF it wrote (sh here, .cmd in test_cmd_wrappers).
STRIP_CASES = [
    ([], True), (["-g0"], True), (["-g"], False), (["-O2", "-g3"], False), (["-g", "-g0"], True),
    (["-r"], False), (["-Wl,-r"], False),
]


@pytest.mark.parametrize("args, stripped", STRIP_CASES)
def test_only_links_without_debug_info_requested_are_stripped(store: FakeStore, args: list[str],
                                                               stripped: bool) -> None:
    out = store.root.parent / "prog.wasm"
    out.write_bytes(MODULE)
    # FAKE_OUTPUT unset: the recorder leaves the output alone, so what changes it is the wrapper's strip step.
    proc = _cc(store, "main.o", *args, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert ("custom:.debug_info" not in _sections(out)) is stripped
    assert "custom:name" in _sections(out)


def test_a_link_to_dev_null_succeeds(store: FakeStore) -> None:
    """configure scripts link to /dev/null: there is nothing to strip there."""
    proc = _cc(store, "main.c", "-o", os.devnull)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_a_failed_link_is_not_stripped_and_keeps_its_status(store: FakeStore) -> None:
    proc = _cc(store, "main.o", "-o", "nothing.wasm", FAKE_STATUS="5")
    assert proc.returncode == 5 and "strip" not in proc.stderr


def test_strip_command_for_a_source_without_strip(tmp_path: Path) -> None:
    store = make_fake_store(tmp_path / "store")
    sdk = store.toolchain.tools["wasi-sdk"]
    sdk = replace(sdk, commands={r: c for r, c in sdk.commands.items() if r != "strip"},
                  unavailable={**sdk.unavailable, "strip": "fakezig's objcopy reads only ELF"})
    toolchain = Toolchain(store.toolchain.platform, {**store.toolchain.tools, "wasi-sdk": sdk})
    written = wrappers.write_wrappers(toolchain, store.root / "bin")
    assert wrappers.environment(toolchain, written, store.root / "bin", {})["STRIP"] == str(written["strip"])
    module = tmp_path / "m.wasm"
    for args, kept in ((["-g"], ["type", "custom:name", "custom:producers"]), ([], ["type"]),
                       (["--strip-all"], ["type"])):
        module.write_bytes(MODULE)
        proc = subprocess.run([str(written["strip"]), *args, str(module)], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        assert _sections(module) == kept
    copy = tmp_path / "copy.wasm"
    module.write_bytes(MODULE)
    assert subprocess.run([str(written["strip"]), "-g", str(module), "-o", str(copy)]).returncode == 0
    assert module.read_bytes() == MODULE and "custom:.debug_info" not in _sections(copy)
    bad = subprocess.run([str(written["strip"]), "--keep-symbol=x", str(module)], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "unsupported option --keep-symbol=x" in bad.stderr
    (tmp_path / "text.wasm").write_text("not wasm")
    bad = subprocess.run([str(written["strip"]), str(tmp_path / "text.wasm")], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 1 and "not a wasm module" in bad.stderr and "Traceback" not in bad.stderr


def test_strip_all_keeps_an_objects_linking_sections() -> None:
    obj = b"\0asm\x01\0\0\0" + TYPE_SECTION + _custom("linking", b"\x02") + _custom("reloc.CODE", b"\x00")
    assert wasmstrip.strip_all(obj + _custom("name", b"")) == obj


def test_a_long_zig_link_says_why_on_stderr(store: FakeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(firstuse, "WATCH_SECONDS", 1)
    slow = _cc(store, "main.o", "-o", "prog.wasm", FAKE_OUTPUT="1", FAKE_SLEEP="3")
    assert slow.returncode == 0, slow.stderr
    assert slow.stderr.startswith("wasm32-wasi-cc: still building after 1 s: zig builds its C library")


def test_a_quick_link_and_a_compile_say_nothing(store: FakeStore) -> None:
    for args in (["main.o", "-o", "prog.wasm"], ["-c", "x.c", "-o", "x.o"]):
        proc = _cc(store, *args, FAKE_OUTPUT="1")
        assert (proc.returncode, proc.stderr) == (0, "")


def test_python_watch_prints_once_for_a_slow_zig_command(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(firstuse, "WATCH_SECONDS", 0.1)
    with firstuse.watch({"ZIG_GLOBAL_CACHE_DIR": "/c"}, "wasitool build"):
        time.sleep(1)
    with firstuse.watch({}, "not zig"):
        time.sleep(0.3)
    err = capsys.readouterr().err
    assert err.startswith("wasitool build: still building after 0.1 s") and err.count("\n") == 1


def test_the_porting_layers_compilers_add_the_emulations(store: FakeStore) -> None:
    from wasitool.toolchain import posix

    written = wrappers.write_wrappers(store.toolchain, store.root / "bin")
    assert written["posix-cc"].name == "wasm32-wasi-posix-cc" and written["posix-c++"].name == "wasm32-wasi-posix-c++"
    compile_proc = subprocess.run([str(written["posix-cc"]), "-c", "x.c", "-o", "x.o"], env=store.env(),
                                  capture_output=True, text=True, check=False, cwd=store.root.parent)
    assert compile_proc.returncode == 0, compile_proc.stderr
    args, _ = store.calls()
    assert args[:4] == ["cc", "-target", "wasm32-wasi", *posix.DEFINES[:1]] and set(posix.DEFINES) <= set(args)
    assert not set(posix.LIBS) & set(args)
    link = subprocess.run([str(written["posix-c++"]), "main.o", "-o", "prog.wasm"], capture_output=True, text=True,
                          env=store.env(FAKE_OUTPUT="1"), check=False, cwd=store.root.parent)
    assert link.returncode == 0, link.stderr
    args, _ = store.calls()
    assert args[0] == "c++" and set(posix.DEFINES) <= set(args)
    assert args[-len(posix.LIBS) - 1:] == [*posix.LIBS, str(store.root / "bin" / "lib" / posix.LIBRARY)]
    # The plain wrappers are unchanged.
    assert wrappers.environment(store.toolchain, written, store.root / "bin", {})["CC"] == str(written["cc"])


def test_every_scons_link_says_why_when_slow_and_no_compile_does(store: FakeStore, tmp_path: Path) -> None:
    """Each link through the SCons tool (a C program, then a C++ one: another libc variant for zig) says on
    stderr that zig is building its C library, not only the project's first; compiles say nothing."""
    from wasitool.build import scons_argv
    from wasitool.shipped import SCONS_TOOLS

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "SConstruct").write_text(
        "from wasitool.toolchain import firstuse\nfirstuse.WATCH_SECONDS = 0.3\n"
        f"env = Environment(tools=['wasi_c'], toolpath=[{str(SCONS_TOOLS)!r}])\n"
        "import os\nenv['ENV'].update({k: v for k, v in os.environ.items() if k.startswith('FAKE_')})\n"
        "env.WasiC('plain', ['plain.c'], outdir='#out', objdir='#out/obj')\n"
        "env.WasiC('cxx', ['cxx.cpp'], outdir='#out', objdir='#out/obj')\n")
    for name in ("plain.c", "cxx.cpp"):
        (tree / name).write_text("int main(void) { return 0; }\n")
    proc = subprocess.run(scons_argv("-Q"), cwd=tree, env=store.env(FAKE_OUTPUT="1", FAKE_SLEEP="1"),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notices = sorted(proc.stderr.splitlines())
    assert [line.split(":", 1)[0] for line in notices] == ["wasm-link out/cxx.wasm", "wasm-link out/plain.wasm"]
    assert all("still building after 0.3 s: zig builds its C library" in line for line in notices)


def test_a_captured_scons_run_passes_slow_link_notices_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`wasitool run NAME` builds with SCons' output captured: the notices still reach stderr, the rest stays
    in the captured output."""
    from wasitool.build import run_scons

    (tmp_path / "SConstruct").write_text(
        "import sys\nprint('wasm-cc x.c -> x.o')\nsys.stderr.write('a warning\\n')\n"
        f"sys.stderr.write({'wasm-link out/x.wasm: ' + firstuse.SLOW_MESSAGE.format(seconds=3)!r} + '\\n')\n")
    output = run_scons([], tmp_path, capture=True)
    err = capsys.readouterr().err
    assert err == f"wasm-link out/x.wasm: {firstuse.SLOW_MESSAGE.format(seconds=3)}\n"
    assert "wasm-cc x.c -> x.o" in output and "a warning" in output and "wasm-link out/x.wasm" in output
