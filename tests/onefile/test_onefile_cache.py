"""The one-file cache, in-process with the fake compiler: what invalidates an entry and what does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.onefile.conftest import GREETING, FakeToolchain
from wasitool import onefile
from wasitool.errors import BuildError, CompileError
from wasitool.onefile import Options

DEFAULT = Options()


def build(fake: FakeToolchain, cache: Path, source: str = "hello.c", options: Options = DEFAULT) -> Path:
    return onefile.build(Path(source), options, toolchain=fake.toolchain, cache=cache)


def test_second_build_is_served_from_the_cache(fake: FakeToolchain, work: Path, tmp_path: Path):
    first = build(fake, tmp_path / "cache")
    assert first.read_bytes().startswith(b"\0asm")
    assert build(fake, tmp_path / "cache") == first
    assert len(fake.calls()) == 1


def test_editing_an_included_header_rebuilds(fake: FakeToolchain, work: Path, tmp_path: Path):
    first = build(fake, tmp_path / "cache").read_bytes()
    (work / "greeting.h").write_text((work / "greeting.h").read_text().replace("hello", "howdy"))
    second = build(fake, tmp_path / "cache").read_bytes()
    assert len(fake.calls()) == 2
    assert b"howdy" in second and second != first


def test_a_header_of_a_header_is_tracked(fake: FakeToolchain, work: Path, tmp_path: Path):
    (work / "greeting.h").write_text('#include "inner.h"\n')
    (work / "inner.h").write_text('  (data (i32.const 4) "\\06\\00\\00\\00") (data (i32.const 16) "inner\\n")\n')
    build(fake, tmp_path / "cache")
    (work / "inner.h").write_text((work / "inner.h").read_text().replace("inner", "outer"))
    assert b"outer" in build(fake, tmp_path / "cache").read_bytes()
    assert len(fake.calls()) == 2


def test_a_deleted_header_rebuilds(fake: FakeToolchain, work: Path, tmp_path: Path):
    build(fake, tmp_path / "cache")
    (work / "greeting.h").unlink()
    with pytest.raises(CompileError):
        build(fake, tmp_path / "cache")
    assert len(fake.calls()) == 2


def test_unrelated_files_do_not_rebuild(fake: FakeToolchain, work: Path, tmp_path: Path):
    build(fake, tmp_path / "cache")
    (work / "unused.h").write_text("changed\n")
    (work / "notes.txt").write_text("changed\n")
    os.utime(work / "hello.c")  # a touch is no change: the key is the content
    build(fake, tmp_path / "cache")
    assert len(fake.calls()) == 1


def test_editing_the_source_rebuilds(fake: FakeToolchain, work: Path, tmp_path: Path):
    build(fake, tmp_path / "cache")
    (work / "hello.c").write_text((work / "hello.c").read_text() + ";; edited\n")
    build(fake, tmp_path / "cache")
    assert len(fake.calls()) == 2


@pytest.mark.parametrize("options", [
    Options(optimize="3"), Options(optimize="0"), Options(flags=("-DX=1",)), Options(flags=("-I", "inc")),
    Options(library=True), Options(library=True, exports=("add",)),
])
def test_flag_changes_rebuild_and_each_keeps_its_entry(fake: FakeToolchain, work: Path, tmp_path: Path,
                                                       options: Options):
    default = build(fake, tmp_path / "cache")
    other = build(fake, tmp_path / "cache", options=options)
    assert other != default
    calls = len(fake.calls())
    assert calls >= 2
    assert build(fake, tmp_path / "cache") == default  # switching back is a hit
    assert build(fake, tmp_path / "cache", options=options) == other
    assert len(fake.calls()) == calls


def test_a_different_toolchain_rebuilds(fake: FakeToolchain, work: Path, tmp_path: Path):
    build(fake, tmp_path / "cache")
    other = FakeToolchain(tmp_path / "toolchain")  # same commands and log, another version
    tool = other.toolchain.tools["wasi-sdk"]
    object.__setattr__(tool, "version", "2.0")
    onefile.build(Path("hello.c"), Options(), toolchain=other.toolchain, cache=tmp_path / "cache")
    assert len(fake.calls()) == 2


def test_same_bytes_elsewhere_is_another_entry(fake: FakeToolchain, work: Path, tmp_path: Path):
    """A header beside the source is found through the source's directory: a copy elsewhere may differ."""
    build(fake, tmp_path / "cache")
    copy = work / "copy"
    copy.mkdir()
    (copy / "hello.c").write_text((work / "hello.c").read_text())
    (copy / "greeting.h").write_text((work / "greeting.h").read_text().replace("hello", "copied"))
    assert b"copied" in build(fake, tmp_path / "cache", "copy/hello.c").read_bytes()
    assert len(fake.calls()) == 2


def test_a_damaged_entry_is_rebuilt(fake: FakeToolchain, work: Path, tmp_path: Path):
    built = build(fake, tmp_path / "cache")
    good = built.read_bytes()
    built.write_bytes(good[:-1])
    assert build(fake, tmp_path / "cache").read_bytes() == good
    built.with_suffix(".json").write_text("{not json")
    assert build(fake, tmp_path / "cache").read_bytes() == good
    assert len(fake.calls()) == 3


def test_pinned_toolchain_files_are_not_hashed(tmp_path: Path, work: Path):
    """Headers inside a pinned tool's directory are covered by its identity; a system tool's are hashed."""
    for pinned in (True, False):
        fake = FakeToolchain(tmp_path / f"toolchain-{pinned}", pinned=pinned)
        (fake.root / "sys.h").write_text(";; a toolchain header\n")
        (work / "hello.c").write_text(f'#include "{fake.root / "sys.h"}"\n' + (work / "hello.c").read_text())
        built = build(fake, tmp_path / "cache")
        entry = built.with_suffix(".json").read_text()
        assert ("sys.h" in entry) is (not pinned)
        assert "greeting.h" in entry


def test_compile_error_passes_the_compiler_output_through(fake: FakeToolchain, work: Path, tmp_path: Path,
                                                          capfd: pytest.CaptureFixture[str]):
    (work / "hello.c").write_text("#error this is not C\n")
    with pytest.raises(CompileError) as raised:
        build(fake, tmp_path / "cache")
    assert raised.value.exit_code == 1
    assert "compiling hello.c failed" in raised.value.one_line()
    assert capfd.readouterr().err == "hello.c:1:1: error: this is not C\n"
    assert not list((tmp_path / "cache").glob("*.wasm"))


def test_library_commands(fake: FakeToolchain, work: Path, tmp_path: Path):
    """--lib --export: one driver call as a reactor; --lib alone: compile, then wasm-ld --export-all."""
    build(fake, tmp_path / "cache", options=Options(library=True, exports=("add", "sub")))
    build(fake, tmp_path / "cache", options=Options(library=True))
    reactor, compile_only, link = fake.calls()
    assert {"-mexec-model=reactor", "-Wl,--export=add", "-Wl,--export=sub"} <= set(reactor)
    assert "-s" not in reactor  # zig takes -s as a full strip: the DWARF is stripped after linking instead
    assert "-c" in compile_only and "-mexec-model=reactor" not in compile_only
    assert link[0] == "ld" and {"--no-entry", "--export-all", "--strip-debug"} <= set(link)


def test_extra_flags_come_after_the_defaults(fake: FakeToolchain, work: Path, tmp_path: Path):
    build(fake, tmp_path / "cache", options=Options(optimize="s", flags=("-O3", "-Wno-unused")))
    (call,) = fake.calls()
    assert call.index("-Os") < call.index("-O3") < call.index("-Wno-unused") < call.index("-MD")
    assert {"-g0", f"-ffile-prefix-map={work}=."} <= set(call) and "-s" not in call


def test_cxx_gets_no_exceptions(fake: FakeToolchain, work: Path, tmp_path: Path):
    (work / "hello.cc").write_text((work / "hello.c").read_text())
    build(fake, tmp_path / "cache", "hello.cc")
    (call,) = fake.calls()
    assert "-fno-exceptions" in call


@pytest.mark.parametrize(("options", "message"), [
    (Options(exports=("add",)), "--export names the exports of a library"),
    (Options(library=True, exports=("a,b",)), "is not a function name"),
])
def test_bad_options(fake: FakeToolchain, work: Path, tmp_path: Path, options: Options, message: str):
    with pytest.raises(BuildError, match=message):
        build(fake, tmp_path / "cache", options=options)


def test_missing_source(fake: FakeToolchain, work: Path, tmp_path: Path):
    with pytest.raises(BuildError, match=r"nope\.c: no such file"):
        build(fake, tmp_path / "cache", "nope.c")


def test_relative_flags_are_relative_to_the_working_directory(fake: FakeToolchain, work: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    """`-Iinc` names another directory from another working directory: not the same build."""
    source = work / "hello.c"
    (work / "greeting.h").unlink()
    for name in ("a", "b"):
        (tmp_path / name / "inc").mkdir(parents=True)
        (tmp_path / name / "inc" / "greeting.h").write_text(GREETING.replace("hello", f"from {name}"))
    outputs = []
    for name in ("a", "b"):
        monkeypatch.chdir(tmp_path / name)
        outputs.append(build(fake, tmp_path / "cache", str(source), Options(flags=("-Iinc",))).read_bytes())
    assert b"from a" in outputs[0] and b"from b" in outputs[1]


@pytest.mark.parametrize("flag", ["-g", "-gdwarf-5", "-gline-tables-only"])
def test_debug_flags_keep_dwarf(fake: FakeToolchain, work: Path, tmp_path: Path, flag: str):
    """A `-g` flag drops the defaults that strip debug info (`-g0` would follow it in zig's clang line)."""
    build(fake, tmp_path / "cache", options=Options(flags=(flag,)))
    build(fake, tmp_path / "cache", options=Options(library=True, flags=(flag,)))
    build(fake, tmp_path / "cache", options=Options(flags=("-g0",)))
    debug, compile_only, link, plain = fake.calls()
    assert flag in debug and "-g0" not in debug
    assert "-g0" not in compile_only and link[0] == "ld" and "--strip-debug" not in link and "--export-all" in link
    assert "-g0" in plain


def test_a_slow_zig_link_says_why_and_a_slow_compile_does_not(work: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A one-file build's link through the driver is where zig builds a C library variant (C++, setjmp, other
    flags): it says so when still running after WATCH_SECONDS; a library's `-c` compile and wasm-ld link,
    as slow, say nothing."""
    from wasitool.toolchain import firstuse

    # every call of this fake sleeps 1 s (the one-file build passes the tool only the toolchain's environment)
    zig = FakeToolchain(tmp_path / "zig", env={"ZIG_GLOBAL_CACHE_DIR": str(tmp_path / "zig-cache"),
                                               "FAKECC_SLEEP": "1"})
    monkeypatch.setattr(firstuse, "WATCH_SECONDS", 0.2)
    build(zig, tmp_path / "cache")  # a command module: compiled and linked by one driver call
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("wasitool build hello.c: still building after 0.2 s: zig builds its C library")
    build(zig, tmp_path / "cache", options=Options(library=True))  # `cc -c`, then wasm-ld: no libc linked
    assert [call[0] for call in zig.calls()][-2:] == ["cc", "ld"] and "-c" in zig.calls()[-2]
    assert capsys.readouterr().err == ""
