"""`wasitool env`, `exec`, `which` and `toolchain --cmake` as a user runs them (on a fake toolchain)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.toolchain.fake_toolchain import FakeStore, make_fake_store
from tests.toolchain.real_sources import require_program
from wasitool.toolchain import config_site

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the sh wrappers run on POSIX hosts")


@pytest.fixture
def store(tmp_path: Path) -> FakeStore:
    return make_fake_store(tmp_path / "st ore", sdk_extra={"sysroot": "/opt/sys root"})


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wasitool: error: ") and "(fix: " in lines[0], proc.stderr
    return lines[0]


def test_eval_env_then_build_variables_point_at_working_wrappers(store: FakeStore) -> None:
    script = 'eval "$(python -m wasitool env)" && printf "%s\\n" "$CC" "$CXX" "$AR" "$RANLIB" "$WASI_SYSROOT" ' \
             '"${NM-unset}" && command -v wasm32-wasi-cc && "$CC" -c x.c'
    env = store.env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=False,
                          cwd=store.root.parent)
    assert proc.returncode == 0, proc.stderr
    cc, cxx, ar, ranlib, sysroot, nm, found = proc.stdout.splitlines()
    bin_dir = Path(cc).parent
    assert (Path(cc).name, Path(cxx).name, Path(ar).name, Path(ranlib).name) == (
        "wasm32-wasi-cc", "wasm32-wasi-c++", "wasm32-wasi-ar", "wasm32-wasi-ranlib")
    assert bin_dir.parent.parent == store.root / "records" and Path(found) == Path(cc)
    assert sysroot == "/opt/sys root" and nm == "unset"
    assert store.calls()[0] == ["cc", "-target", "wasm32-wasi", "-c", "x.c"]


def test_env_says_which_variables_are_not_set_and_why(store: FakeStore) -> None:
    proc = store.wasitool("env")
    assert proc.returncode == 0
    assert "# NM is not set: `nm` is not available from wasi-sdk 9.9 from pip (fakezig): fakezig has no nm" \
        in proc.stdout.splitlines()


def test_env_json_fish_and_powershell(store: FakeStore) -> None:
    data = json.loads(store.wasitool("env", "--shell", "json").stdout)
    assert set(data["variables"]) == {"CC", "CXX", "AR", "RANLIB", "STRIP", "WASI_SYSROOT", "CONFIG_SITE"}
    assert data["PATH"].startswith(data["path_prefix"] + os.pathsep) and "NM" in data["unavailable"]
    fish = store.wasitool("env", "--shell", "fish").stdout
    assert f"set -gx PATH '{data['path_prefix']}' $PATH" in fish and "set -gx WASI_SYSROOT '/opt/sys root'" in fish
    ps = store.wasitool("env", "--shell", "powershell").stdout
    assert "$env:WASI_SYSROOT = '/opt/sys root'" in ps
    assert f"$env:PATH = '{data['path_prefix']}' + [System.IO.Path]::PathSeparator + $env:PATH" in ps
    assert "invalid choice" in store.wasitool("env", "--shell", "tcsh").stderr


def test_every_env_form_and_exec_name_the_site_file_beside_the_wrappers(store: FakeStore) -> None:
    """CONFIG_SITE (autoconf's site file, `toolchain/config_site.py`) is in `env`'s every form and in `exec`."""
    data = json.loads(store.wasitool("env", "--shell", "json").stdout)
    site = data["variables"]["CONFIG_SITE"]
    assert Path(site) == Path(data["path_prefix"]) / "config.site" and data["kept"] == {}
    assert Path(site).read_text(encoding="utf-8") == config_site.TEXT
    assert f"export CONFIG_SITE={shlex.quote(site)}" in store.wasitool("env").stdout.splitlines()
    assert f"set -gx CONFIG_SITE '{site}'" in store.wasitool("env", "--shell", "fish").stdout.splitlines()
    assert f"$env:CONFIG_SITE = '{site}'" in store.wasitool("env", "--shell", "powershell").stdout.splitlines()
    assert store.wasitool("exec", "--", "sh", "-c", 'echo "$CONFIG_SITE"').stdout == site + "\n"
    evaluated = subprocess.run(["sh", "-c", 'eval "$(python -m wasitool env)" && . "$CONFIG_SITE" && '
                                'echo "$ac_cv_host"'], capture_output=True, text=True, check=False, timeout=60,
                               env=store.env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                                             host_alias="wasm32-wasi"))
    assert evaluated.returncode == 0 and evaluated.stdout == "wasm32-unknown-wasi\n", evaluated.stderr


def test_a_config_site_the_user_set_is_kept_and_env_says_so(store: FakeStore) -> None:
    theirs = "/etc/my site/config.site"
    env = store.wasitool("env", CONFIG_SITE=theirs).stdout.splitlines()
    assert not any(line.startswith("export CONFIG_SITE=") for line in env)
    comment = next(line for line in env if line.startswith("# CONFIG_SITE "))
    assert f"kept as you set it ({theirs})" in comment and "config.site" in comment and "source it" in comment
    data = json.loads(store.wasitool("env", "--shell", "json", CONFIG_SITE=theirs).stdout)
    assert "CONFIG_SITE" not in data["variables"] and theirs in data["kept"]["CONFIG_SITE"]
    assert store.wasitool("exec", "--", "sh", "-c", 'echo "$CONFIG_SITE"', CONFIG_SITE=theirs).stdout == theirs + "\n"
    # configure ignores an empty CONFIG_SITE, and so does wasitool: its own is set
    empty = json.loads(store.wasitool("env", "--shell", "json", CONFIG_SITE="").stdout)
    assert empty["variables"]["CONFIG_SITE"].endswith("config.site") and empty["kept"] == {}
    # one left by an earlier `eval "$(wasitool env)"` is wasitool's, not the user's: set again, no comment
    again = store.wasitool("env", CONFIG_SITE=empty["variables"]["CONFIG_SITE"]).stdout.splitlines()
    assert f"export CONFIG_SITE={shlex.quote(empty['variables']['CONFIG_SITE'])}" in again
    assert not any(line.startswith("# CONFIG_SITE") for line in again)


def test_exec_runs_the_command_with_the_environment_and_returns_its_status(store: FakeStore) -> None:
    proc = store.wasitool("exec", "--", "sh", "-c", 'echo "$CC"; wasm32-wasi-ar rcs libx.a x.o; exit 7')
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout.strip().endswith("/wasm32-wasi-cc")
    assert store.calls()[0] == ["ar", "rcs", "libx.a", "x.o"]
    # without a leading --, the command's own -- reaches it
    assert store.wasitool("exec", "sh", "-c", 'test "$1 $2" = "-- y"', "x", "--", "y").returncode == 0


def test_exec_bad_input(store: FakeStore) -> None:
    assert "needs a command" in _one_line_error(store.wasitool("exec"))
    assert "cannot run no-such-tool-here" in _one_line_error(store.wasitool("exec", "--", "no-such-tool-here"))


def test_which_prints_the_wrapper_and_its_command(store: FakeStore) -> None:
    proc = store.wasitool("which", "c++")
    path = Path(proc.stdout.strip())
    assert proc.returncode == 0 and path.name == "wasm32-wasi-c++" and os.access(path, os.X_OK)
    argv = store.wasitool("which", "cc", "--argv").stdout.strip()
    assert argv.endswith("cc -target wasm32-wasi") and "'" in argv  # the recorder's path is quoted
    assert Path(store.wasitool("which", "wat2wasm").stdout.strip()).name == "wat2wasm"


def test_which_unknown_and_missing_roles(store: FakeStore) -> None:
    line = _one_line_error(store.wasitool("which", "cpp"))
    known = "ar, c++, cc, nm, posix-c++, posix-cc, ranlib, run, strip, wasm-ld, wat2wasm"
    assert "unknown role 'cpp'" in line and f"use one of: {known}" in line
    line = _one_line_error(store.wasitool("which", "nm"))
    assert "`nm` is not available from wasi-sdk 9.9 from pip (fakezig): fakezig has no nm" in line


@pytest.mark.parametrize("command", [["env"], ["which", "cc"], ["exec", "--", "true"], ["toolchain", "--cmake", "x"]])
def test_without_a_toolchain_every_command_says_run_setup(tmp_path: Path, command: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "wasitool", *command], capture_output=True, text=True,
                          env={**os.environ, "WASITOOL_HOME": str(tmp_path / "empty")}, cwd=tmp_path, check=False)
    line = _one_line_error(proc)
    assert "no toolchain installed" in line and "run `wasitool setup`" in line


def test_cmake_toolchain_file_names_the_wrappers_and_the_emulator(store: FakeStore, tmp_path: Path) -> None:
    dest = tmp_path / "sub" / "wasi.cmake"
    proc = store.wasitool("toolchain", "--cmake", str(dest))
    assert proc.returncode == 0 and str(dest) in proc.stdout
    text = dest.read_text()
    bin_dir = Path(store.wasitool("which", "cc").stdout.strip()).parent
    for line in ("set(CMAKE_SYSTEM_NAME WASI)", "set(CMAKE_SYSTEM_PROCESSOR wasm32)",
                 f'set(CMAKE_C_COMPILER "{bin_dir}/wasm32-wasi-cc")',
                 f'set(CMAKE_CXX_COMPILER "{bin_dir}/wasm32-wasi-c++")',
                 f'set(CMAKE_AR "{bin_dir}/wasm32-wasi-ar" CACHE FILEPATH "wasitool: ar")',
                 'set(CMAKE_EXECUTABLE_SUFFIX ".wasm")',
                 f'set(CMAKE_CROSSCOMPILING_EMULATOR "{bin_dir}/wasm32-wasi-run" '
                 '"--dir" "${CMAKE_SOURCE_DIR}::${CMAKE_SOURCE_DIR}"',
                 "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)", "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)"):
        assert line in text.splitlines()
    assert "# CMAKE_NM is not set: `nm` is not available" in text
    assert (bin_dir / "cmake" / "Platform" / "WASI.cmake").read_text().count("CMAKE_EXECUTABLE_SUFFIX") == 1


ELF_HEAD = b"\x7fELF\x02\x01\x01\x00"


def test_exec_says_when_the_command_built_native_code_and_no_webassembly(store: FakeStore) -> None:
    """A makefile that assigns CC itself builds for the host: exec says so after the command, and how."""
    work = store.root.parent
    native = store.wasitool("exec", "--", "sh", "-c", f"printf '{_octal(ELF_HEAD)}' > lua; exit 0")
    assert native.returncode == 0
    warning = [line for line in native.stderr.splitlines() if line.startswith("wasitool: warning:")]
    assert len(warning) == 1 and "lua: ELF" in warning[0] and "make CC=wasm32-wasi-cc" in warning[0], native.stderr
    (work / "lua").unlink()
    wasm = store.wasitool("exec", "--", "sh", "-c", "printf '\\000asm\\001\\000\\000\\000' > lua.wasm; "
                          f"printf '{_octal(ELF_HEAD)}' > helper")
    assert wasm.returncode == 0 and "warning" not in wasm.stderr, wasm.stderr  # a wasm output: all is well
    (work / "lua.wasm").unlink()
    os.utime(work / "helper", (1_000_000_000, 1_000_000_000))
    old = store.wasitool("exec", "--", "true")  # a native file from before the command is not its output
    assert old.returncode == 0 and "warning" not in old.stderr, old.stderr


def test_exec_help_shows_a_make_line_that_works(store: FakeStore) -> None:
    help_text = store.wasitool("exec", "--help").stdout
    assert "make CC=wasm32-wasi-cc" in help_text and "'$CC'" not in help_text


def _octal(data: bytes) -> str:
    return "".join(f"\\{b:03o}" for b in data)


OLD_STYLE_TESTS = """cmake_minimum_required(VERSION 2.8.12)
project(oldstyle C)
enable_testing()
add_executable(example example.c)
add_test(example example)
add_test(with-args example "" "a;b" x)
add_test(script ${CMAKE_CURRENT_SOURCE_DIR}/check.sh example)
add_test(NAME modern COMMAND example "" y)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/bin)
add_executable(tool example.c)
add_test(by-path ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/tool WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/tmp)
add_test(elsewhere ${CMAKE_CURRENT_BINARY_DIR}/tool x)
"""


def test_cmake_old_style_add_test_of_a_target_runs_its_wasm_through_the_emulator(store: FakeStore,
                                                                                    tmp_path: Path) -> None:
    """zlib's add_test(example example) names a file, Jansson's add_test(name <bin dir>/tool WORKING_DIRECTORY
    <dir>) the target's output path without its suffix: with the toolchain file they run example.wasm and
    tool.wasm in wasm32-wasi-run, as add_test(NAME example COMMAND example) does, their arguments as
    arguments (WORKING_DIRECTORY too, as on a native build); other commands stay as they were (a path
    outside the target's output directory is not the target)."""
    require_program("cmake")
    source, build, toolchain_file = tmp_path / "src", tmp_path / "build", tmp_path / "wasi.cmake"
    source.mkdir()
    (source / "CMakeLists.txt").write_text(OLD_STYLE_TESTS)
    (source / "example.c").write_text("int main(void) { return 0; }\n")
    assert store.wasitool("toolchain", "--cmake", str(toolchain_file)).returncode == 0
    bin_dir = Path(store.wasitool("which", "cc").stdout.strip()).parent
    proc = subprocess.run(["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-S", str(source), "-B", str(build)],
                          env=store.env(FAKE_OUTPUT="1"), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    tests = [line for line in (build / "CTestTestfile.cmake").read_text().splitlines()
             if line.startswith("add_test(")]
    run = f'"{bin_dir}/wasm32-wasi-run" "--dir" "{source}::{source}" "--dir" "{build}::{build}"'
    wasm = f'"{build}/example.wasm"'
    tool = f'"{build}/bin/tool.wasm"'
    assert tests == [f"add_test(example {run} {wasm})",
                     f'add_test(with-args {run} {wasm} "" "a;b" "x")',
                     f'add_test(script "{source}/check.sh" "example")',
                     f'add_test(modern {run} {wasm} "" "y")',
                     f'add_test(by-path {run} {tool} "WORKING_DIRECTORY" "{build}/tmp")',
                     f'add_test(elsewhere "{build}/tool" "x")']
    assert "WORKING_DIRECTORY" not in "".join(line for line in (build / "CTestTestfile.cmake").read_text().splitlines()
                                              if line.startswith("set_tests_properties(by-path"))


OWN_ADD_TEST = """cmake_minimum_required(VERSION 3.13)
project(wrapped C)
enable_testing()
function(add_test)
  _add_test(${ARGV})
endfunction()
add_executable(example example.c)
add_test(NAME example COMMAND example)
"""


def test_cmake_project_with_its_own_add_test_gets_the_fix_not_a_recursion(store: FakeStore, tmp_path: Path) -> None:
    require_program("cmake")
    source, toolchain_file = tmp_path / "src", tmp_path / "wasi.cmake"
    source.mkdir()
    (source / "CMakeLists.txt").write_text(OWN_ADD_TEST)
    (source / "example.c").write_text("int main(void) { return 0; }\n")
    assert store.wasitool("toolchain", "--cmake", str(toolchain_file)).returncode == 0

    def configure(build: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", *extra, "-S", str(source),
                               "-B", str(build)], env=store.env(FAKE_OUTPUT="1"), capture_output=True, text=True,
                              timeout=120, check=False)

    hidden = configure(tmp_path / "b1")
    assert hidden.returncode != 0 and "-DWASITOOL_KEEP_ADD_TEST=ON" in hidden.stderr, hidden.stderr[-2000:]
    assert "recursion" not in hidden.stderr
    kept = configure(tmp_path / "b2", "-DWASITOOL_KEEP_ADD_TEST=ON")
    assert kept.returncode == 0, kept.stderr[-2000:]
    assert "wasm32-wasi-run" in (tmp_path / "b2" / "CTestTestfile.cmake").read_text()
