"""Roles beyond `provides`: the lock's `lacks`/`sjlj`, optional roles of an archive, a reused install whose
lock gained roles, and what the system source detects (binutils, libc++, setjmp support)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.toolchain.conftest import Scenario
from wasitool.errors import ToolchainError
from wasitool.toolchain.lock import SjljSpec, load_lock, parse_lock
from wasitool.toolchain.sources import system

REPO = Path(__file__).resolve().parents[2]
MINIMAL = """schema = 1
[tools.wasi-sdk]
provides = ["cc"]
[[tools.wasi-sdk.sources]]
kind = "system"
{extra}
"""


def test_the_project_lock_gives_every_source_its_roles_or_says_why_not() -> None:
    sdk = load_lock(REPO / "wasitool" / "bundled" / "wasitool.lock").tool("wasi-sdk")
    archive, pip, system_source = sdk.sources
    roles = {"cc", "c++", "ar", "ranlib", "nm", "strip", "wasm-ld"}
    assert set(archive.commands) == roles | {"wasip2-cc", "wasip2-c++"} and not archive.lacks
    assert "--target=wasm32-wasip2" in archive.commands["wasip2-cc"]  # wasi-sdk builds components itself
    assert set(pip.commands) | set(pip.lacks) == roles and set(pip.lacks) == {"nm", "strip"}
    assert archive.sjlj == SjljSpec(compile=("-mllvm", "-wasm-use-legacy-eh=false"), link=("-lsetjmp",))
    assert pip.sjlj is not None and pip.sjlj.define_c_longjmp and pip.sjlj.library[0].endswith("/wasm32/rt.c")
    assert system_source.commands == {}  # detected on the machine


@pytest.mark.parametrize("extra, needle", [
    ('sjlj = { compile = "-O2" }', "sjlj.compile must be a list of strings"),
    ('sjlj = { cflags = [] }', "sjlj.cflags is not a known key"),
    ("sjlj = { define_c_longjmp = 1 }", "sjlj.define_c_longjmp must be true or false"),
    ('lacks = { nm = "" }', "lacks values must be non-empty strings"),
])
def test_bad_sjlj_and_lacks_entries_name_the_key(extra: str, needle: str) -> None:
    with pytest.raises(ToolchainError) as info:
        parse_lock(MINIMAL.format(extra=extra), Path("wasitool.lock"))
    assert needle in info.value.one_line()


def _setup(scenario: Scenario) -> dict:
    proc = scenario.run("setup", "--lock", str(scenario.lock), "--mirror", str(scenario.mirror), "--json",
                        "--tool", "wasi-sdk")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["tools"]["wasi-sdk"]


def test_a_reused_install_follows_a_lock_that_gained_roles(scenario: Scenario) -> None:
    first = _setup(scenario)
    assert set(first["commands"]) == {"cc", "wasm-ld", "wasip2-cc"}
    text = scenario.lock.read_text().replace(
        'commands.wasm-ld = ["{root}/bin/wasm-ld{exe}"]',
        'commands.wasm-ld = ["{root}/bin/wasm-ld{exe}"]\ncommands.ar = ["{root}/bin/clang-99"]\n'
        'commands.nm = ["{root}/bin/llvm-nm{exe}"]\nlacks.strip = "no strip here"\n'
        'sjlj = { link = ["-lsetjmp"] }')
    scenario.lock.write_text(text)
    second = _setup(scenario)
    assert second["reused"] and scenario.server.count(scenario.archive.name) == 1  # no download, no reinstall
    assert second["commands"]["ar"] == [f"{first['root']}/bin/clang-99"]
    assert "nm" not in second["commands"]
    assert second["unavailable"] == {"nm": "the unpacked wasi-sdk 33.0 has no bin/llvm-nm", "strip": "no strip here"}
    assert second["sjlj"] == {"compile": [], "link": ["-lsetjmp"], "library": [], "define_c_longjmp": False}
    manifest = json.loads((Path(first["root"]) / "toolchain.json").read_text())["tool"]
    assert manifest["commands"] == second["commands"]
    which = scenario.run("which", "nm", "--lock", str(scenario.lock))
    assert which.returncode == 2 and "the unpacked wasi-sdk 33.0 has no bin/llvm-nm" in which.stderr


def _program(path: Path, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _sdk(tmp_path: Path, version: str, *, cxx: bool, setjmp: bool, binutils: bool) -> tuple[Path, Path]:
    """A wasi-sdk-like dir: bin/clang (reporting `version`), wasm-ld, and a sysroot with what is asked for."""
    sdk = tmp_path / "sdk"
    _program(sdk / "bin" / "clang", f"#!/bin/sh\necho 'clang version {version}'\n")
    _program(sdk / "bin" / "wasm-ld")
    if binutils:
        for name in ("clang++", "llvm-ar", "llvm-ranlib", "llvm-nm", "llvm-strip"):
            _program(sdk / "bin" / name)
    sysroot = sdk / "share" / "wasi-sysroot"
    lib = sysroot / "lib" / "wasm32-wasip1"
    lib.mkdir(parents=True)
    (sysroot / "include" / "wasm32-wasip1").mkdir(parents=True)
    (sysroot / "include" / "wasm32-wasip1" / "stdio.h").write_text("")
    if cxx:
        (sysroot / "include" / "wasm32-wasip1" / "c++" / "v1").mkdir(parents=True)
        (lib / "libc++.a").write_text("")
        (lib / "libc++abi.a").write_text("")
    if setjmp:
        (sysroot / "include" / "wasm32-wasip1" / "setjmp.h").write_text("")
        (lib / "libsetjmp.a").write_text("")
    return sdk, sysroot


def _detect(sdk: Path, monkeypatch: pytest.MonkeyPatch) -> system.Found:
    monkeypatch.setenv("WASI_SDK_PATH", str(sdk))
    monkeypatch.setenv("PATH", "/nonexistent")
    spec = parse_lock(MINIMAL.format(extra=""), Path("wasitool.lock")).tool("wasi-sdk").sources[0]
    return system.detect_wasi_sdk(spec)


def test_system_sdk_with_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk, sysroot = _sdk(tmp_path, "22.1.0", cxx=True, setjmp=True, binutils=True)
    found = _detect(sdk, monkeypatch)
    flags = ["--target=wasm32-wasip1", f"--sysroot={sysroot}"]
    assert found.commands["c++"] == [str(sdk / "bin" / "clang++"), *flags, "-isystem",
                                     str(sysroot / "include" / "wasm32-wasip1" / "c++" / "v1"), "-fno-exceptions"]
    assert {role: argv[0] for role, argv in found.commands.items() if role in ("ar", "nm")} == {
        "ar": str(sdk / "bin" / "llvm-ar"), "nm": str(sdk / "bin" / "llvm-nm")}
    assert found.unavailable == {}
    assert found.sjlj == {"compile": ["-mllvm", "-wasm-use-legacy-eh=false"], "link": ["-lsetjmp"],
                          "define_c_longjmp": False}


def test_system_sdk_without_libcxx_setjmp_or_binutils_says_why(tmp_path: Path, monkeypatch) -> None:
    sdk, sysroot = _sdk(tmp_path, "16.0.6", cxx=False, setjmp=False, binutils=False)
    found = _detect(sdk, monkeypatch)
    assert set(found.commands) == {"cc", "wasm-ld"} and found.sjlj is None
    assert found.unavailable["ar"] == "llvm-ar is not installed"
    assert found.unavailable["c++"] == "clang++ is not installed"
    assert found.unavailable["setjmp"].startswith(f"the wasi-libc in {sysroot} has no setjmp.h")
    _program(sdk / "bin" / "clang++")
    assert _detect(sdk, monkeypatch).unavailable["c++"] == \
        f"there is no libc++ for wasm32-wasip1 in {sysroot / 'lib' / 'wasm32-wasip1'}"


def test_old_clang_gets_no_legacy_eh_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sdk, _ = _sdk(tmp_path, "19.1.5", cxx=False, setjmp=True, binutils=False)
    assert _detect(sdk, monkeypatch).sjlj == {"compile": [], "link": ["-lsetjmp"], "define_c_longjmp": False}


def test_every_role_of_the_shipped_lock_is_a_typed_role() -> None:
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.toolchain.roles import ROLES

    named: set[str] = set()
    for tool in load_lock(SHIPPED_LOCK).tools.values():
        named.update(tool.provides)
        for source in tool.sources:
            named.update(source.commands, source.files, source.lacks)
    assert named - set(ROLES) == set()  # a new role in the lock gets its name in `roles.Role`
    assert {"cc", "c++", "wasm-ld", "component-new", "wasi-adapter-command"} <= named
