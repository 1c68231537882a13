"""Wrapper executables: what a build system's call of wasm32-wasi-cc (etc.) really runs.

The wrapped programs are recorders (tests/toolchain/fake_toolchain.py), so these tests run the real
generated sh scripts and see the exact argv and environment they pass on.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.toolchain.fake_toolchain import SJLJ, ZIG_ENV, FakeStore, make_fake_store
from wasitool.toolchain import config_site, wrappers
from wasitool.toolchain.manifest import Toolchain

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sh wrappers run on POSIX hosts")
LEGACY = ["-mllvm", "-wasm-use-legacy-eh=false"]


@pytest.fixture
def store(tmp_path: Path) -> FakeStore:
    return make_fake_store(tmp_path / "st ore's")


def _written(store: FakeStore) -> dict[str, Path]:
    return wrappers.write_wrappers(store.toolchain, store.root / "bin")


def _call(store: FakeStore, wrapper: Path, *args: str, status: int = 0) -> tuple[list[str], dict[str, str]]:
    proc = subprocess.run([str(wrapper), *args], env=store.env(FAKE_STATUS=str(status), FAKE_OUTPUT="1"),
                          capture_output=True, text=True, check=False, cwd=store.root.parent)
    assert proc.returncode == status, proc.stderr
    return store.calls()


def test_wrappers_carry_the_multi_word_command_and_its_environment(store: FakeStore) -> None:
    written = _written(store)
    assert {"cc", "c++", "ar", "ranlib", "strip", "wasm-ld", "wat2wasm", "run"} <= set(written)
    assert written["cc"].name == "wasm32-wasi-cc" and written["wat2wasm"].name == "wat2wasm"
    assert all(os.access(path, os.X_OK) for path in written.values())
    tricky = ["it's", "two  spaces", "$HOME", "`x`", "a\\b", ""]
    args, env = _call(store, written["ar"], "rcs", *tricky)
    assert args == ["ar", "rcs", *tricky]
    assert env == ZIG_ENV


def test_the_wrapped_exit_status_is_the_wrappers(store: FakeStore) -> None:
    _call(store, _written(store)["ranlib"], "libx.a", status=3)


@pytest.mark.parametrize("role", ["cc", "c++"])
def test_sjlj_compile_gets_the_sources_flags_and_no_link_inputs(store: FakeStore, role: str) -> None:
    args, _ = _call(store, _written(store)[role], "-O2", "-mllvm", "-wasm-enable-sjlj", "-c", "x.c", "-o", "x.o")
    prefix = store.toolchain.command(role)[1:]
    assert args == [*prefix, "-mexception-handling", *LEGACY, "-O2", "-mllvm", "-wasm-enable-sjlj", "-c", "x.c",
                    "-o", "x.o"]


def test_a_users_own_legacy_eh_choice_is_kept(store: FakeStore) -> None:
    args, _ = _call(store, _written(store)["cc"], "-mllvm", "-wasm-enable-sjlj", "-mllvm", "-wasm-use-legacy-eh=true",
                    "-c", "x.c")
    assert args.count("-wasm-use-legacy-eh=true") == 1 and "-wasm-use-legacy-eh=false" not in args
    assert "-mexception-handling" in args


@pytest.mark.parametrize("argv, links", [
    (["main.o", "libfoo.a", "-o", "prog.wasm"], True),
    (["-O2", "main.c", "-lm"], True),
    (["-c", "main.c", "-o", "main.o"], False),
    (["-E", "main.c"], False),
    (["-MM", "main.c"], False),
    (["--version"], False),
    (["-v"], False),
    (["-print-file-name=libc.a"], False),
])
def test_every_link_and_only_a_link_gets_the_link_inputs(store: FakeStore, argv: list[str], links: bool) -> None:
    args, _ = _call(store, _written(store)["cc"], *argv)
    assert args == ["cc", "-target", "wasm32-wasi", *argv, *(["-lsetjmp"] if links else [])]


def test_a_plain_compile_is_passed_through_untouched(store: FakeStore) -> None:
    args, _ = _call(store, _written(store)["cc"], "-O2", "-Wall", "-c", "x.c")
    assert args == ["cc", "-target", "wasm32-wasi", "-O2", "-Wall", "-c", "x.c"]


def test_a_source_without_setjmp_refuses_sjlj_in_one_line(tmp_path: Path) -> None:
    store = make_fake_store(tmp_path / "s", sdk_extra={"sjlj": None})
    sdk = replace(store.toolchain.tools["wasi-sdk"], unavailable={"setjmp": "this libc has no setjmp.h"})
    store.toolchain = Toolchain(store.toolchain.platform, {**store.toolchain.tools, "wasi-sdk": sdk})
    cc = _written(store)["cc"]
    proc = subprocess.run([str(cc), "-mllvm", "-wasm-enable-sjlj", "-c", "x.c"], env=store.env(),
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and not store.log.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wasm32-wasi-cc: error: setjmp/longjmp")
    assert "wasi-sdk 9.9 from pip (fakezig): this libc has no setjmp.h" in lines[0] and "(fix: " in lines[0]
    assert _call(store, cc, "-c", "x.c")[0][-2:] == ["-c", "x.c"]  # without sjlj it compiles as before


def test_a_missing_role_has_a_wrapper_that_says_why(store: FakeStore) -> None:
    written = _written(store)
    assert "nm" not in written
    nm = written["cc"].parent / "wasm32-wasi-nm"
    proc = subprocess.run([str(nm), "x.o"], env=store.env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and not store.log.exists()
    assert proc.stderr.strip() == ("wasm32-wasi-nm: error: `nm` is not available from wasi-sdk 9.9 from pip "
                                   "(fakezig): fakezig has no nm (fix: use another source for wasi-sdk "
                                   "(`wasitool setup --source archive` or `--source system`; see wasitool.lock))")


def test_writing_is_idempotent_and_leaves_no_temporary_files(store: FakeStore) -> None:
    first = _written(store)
    directory = first["cc"].parent
    stamps = {p.name: p.stat().st_mtime_ns for p in directory.iterdir() if p.is_file()}
    os.utime(first["cc"], ns=(1, 1))
    assert _written(store) == first
    assert first["cc"].stat().st_mtime_ns == 1  # unchanged content is not rewritten
    first["ar"].write_text("#!/bin/sh\nexit 9\n")
    _written(store)
    assert "exec " in first["ar"].read_text()  # changed content is
    assert sorted(p.name for p in directory.iterdir() if p.is_file()) == sorted(stamps)


def test_ensure_rewrites_wrappers_when_the_toolchain_or_their_format_changes(store: FakeStore,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = store.root / "bin"
    written = wrappers.ensure_wrappers(store.toolchain, bin_dir)
    written["cc"].unlink()
    assert wrappers.ensure_wrappers(store.toolchain, bin_dir) == written and not written["cc"].exists()
    monkeypatch.setattr(wrappers, "FORMAT", wrappers.FORMAT + 1)
    assert wrappers.ensure_wrappers(store.toolchain, bin_dir) == written and written["cc"].exists()
    other = make_fake_store(store.root.parent / "other", lacks_nm=False).toolchain
    assert "nm" in wrappers.ensure_wrappers(other, bin_dir)
    assert "exec " in (bin_dir / "wasm32-wasi-nm").read_text()


def test_commands_use_the_wrappers_in_the_locks_install_record(store: FakeStore) -> None:
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.store.layout import Layout
    from wasitool.toolchain.lock import load_lock

    which = store.wasitool("which", "cc")
    record = Layout(store.root).record(load_lock(SHIPPED_LOCK).digest, store.toolchain.platform)
    assert Path(which.stdout.strip()) == record.with_suffix("") / "bin" / "wasm32-wasi-cc"


ARGV_MODULE = """(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 2048)))
    (i32.store (i32.const 16) (i32.const 2048)) (i32.store (i32.const 20) (i32.load (i32.const 4)))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))"""


def test_run_wrapper_takes_leading_dirs_and_gives_the_guest_its_arguments(store: FakeStore, tmp_path: Path) -> None:
    """`wasm32-wasi-run [--dir HOST::GUEST]... MODULE ARGS...` (CMake's emulator with the toolchain file's
    preopens first): the guest gets MODULE and ARGS as they were, an option-like one included."""
    import wasmtime

    module = tmp_path / "argv.wasm"
    module.write_bytes(wasmtime.wat2wasm(ARGV_MODULE))
    run = _written(store)["run"]
    for dirs in ([], ["--dir", f"{tmp_path}::{tmp_path}"], ["--dir", ".::/a", "--dir", f"{tmp_path}::/b c"]):
        proc = subprocess.run(["sh", str(run), *dirs, str(module), "a", "b c", "--dir", "", "--"], cwd=tmp_path,
                              capture_output=True, timeout=120, check=False)
        assert (proc.returncode, proc.stderr) == (0, b""), dirs
        assert proc.stdout.split(b"\0") == [b"argv.wasm", b"a", b"b c", b"--dir", b"", b"--", b""], dirs
    proc = subprocess.run(["sh", str(run), "--dir", f"{tmp_path}/missing::/m", str(module)], cwd=tmp_path,
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode != 0 and b"missing" in proc.stderr  # the pair reached `wasitool run`


def test_windows_wrappers_are_cmd_files(store: FakeStore, tmp_path: Path) -> None:
    toolchain = Toolchain("windows-x86_64", store.toolchain.tools)
    written = wrappers.write_wrappers(toolchain, tmp_path / "win")
    assert written["cc"].name == "wasm32-wasi-cc.cmd" and written["wat2wasm"].name == "wat2wasm.cmd"
    text = written["ar"].read_bytes().decode()  # the compilers' .cmd files: tests/toolchain/test_cmd_wrappers.py
    assert text.startswith("@echo off\r\n") and text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert '\r\nset "ZIG_GLOBAL_CACHE_DIR=/cache dir/zig\'s"\r\n' in text
    assert " ar %*\r\n" in text and "exit /b %ERRORLEVEL%" in text
    assert "exit /b 1" in (tmp_path / "win" / "wasm32-wasi-nm.cmd").read_text()
    assert '"%WASITOOL_MODULE%" --dir . -- %WASITOOL_ARGS%' in written["run"].read_text()


def test_environment_names_the_offered_roles_and_the_sysroot(tmp_path: Path) -> None:
    store = make_fake_store(tmp_path / "s", sdk_extra={"sysroot": "/sys root"})
    written = _written(store)
    bin_dir = store.root / "bin"
    variables = wrappers.environment(store.toolchain, written, bin_dir, {})
    assert variables == {"CC": str(written["cc"]), "CXX": str(written["c++"]), "AR": str(written["ar"]),
                         "RANLIB": str(written["ranlib"]), "STRIP": str(written["strip"]),
                         "WASI_SYSROOT": "/sys root", "CONFIG_SITE": str(bin_dir / "config.site")}
    assert (bin_dir / "config.site").read_text(encoding="utf-8") == config_site.TEXT
    # the user's own CONFIG_SITE stays (an empty one is none, as for configure)
    assert "CONFIG_SITE" not in wrappers.environment(store.toolchain, written, bin_dir, {"CONFIG_SITE": "/my.site"})
    assert "CONFIG_SITE" in wrappers.environment(store.toolchain, written, bin_dir, {"CONFIG_SITE": ""})
    assert SJLJ["link"] == ["-lsetjmp"]


def test_the_shipped_lock_names_what_stands_in_for_a_missing_strip() -> None:
    """A source lacking `strip` still gets `wasm32-wasi-strip` (wasitool's own) and DWARF-stripped links: the
    lock's reason says so, rather than the old advice to link with -s."""
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.toolchain.lock import load_lock

    reasons = [s.lacks["strip"] for t in load_lock(SHIPPED_LOCK).tools.values() for s in t.sources
               if "strip" in s.lacks]
    assert reasons, "the pip source (zig) has no strip of its own"
    stand_in = wrappers.wrapper_name("strip", "linux-x86_64")
    assert all(stand_in in why and "without -g" in why and "-s to strip" not in why for why in reasons), reasons
