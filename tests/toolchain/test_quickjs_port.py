"""QuickJS-ng 0.16.2 with its own CMakeLists and nothing but the toolchain file of `wasitool toolchain --cmake
--posix` (issue 18 items 3 and 7): qjs, qjsc, the libraries and QuickJS's own test programs build, and run on
every importable engine and the wasmtime CLI.

Its CMakeLists adds the signal and process-clock emulations itself on WASI. `--posix` is for `tmpfile`, which
api-test calls (with the plain file its link stops at "undefined symbol: tmpfile"); api-test needs /tmp.
Two things no toolchain can change, both in QuickJS's sources:
- run-test262 (a default target) does not compile for WASI: it uses js_mutex_t and js_thread_t, which
  cutils.h defines only where threads exist (not `__wasi__`);
- api-test's `async_call_stack_overflow` expects a RangeError from endless recursion, but QuickJS turns its
  stack check off on WASI (`stack_size = 0` under `__wasi__`), so the recursion ends in the engine's trap
  "call stack exhausted". Every other api-test case passes: the test rebuilds api-test without that one call.
QuickJS registers no CTest tests (no add_test); its Makefile's `test` runs api-test, function_source and
lre-test, as this file does. quickjs.c takes a minute or two to compile, so the module builds once.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.toolchain.real_sources import guest_runners, pinned_debian_work, require_program, run_guest, wasitool

pytestmark = pytest.mark.slow

ORIG = ("pool/main/q/quickjs-ng", "quickjs-ng_0.16.2.orig.tar.gz",
        "6ee0c983477c9b145909d873ed1a57422001927f7706b63859abf8e816d2d88c")
TREE = "quickjs-ng-quickjs-1ab8676"
# Every default target but run-test262 (qjs_exe's file is qjs.wasm).
TARGETS = ("qjs", "qjs-libc", "qjs_exe", "qjsc", "api-test", "lre-test", "function_source")
PROGRAMS = ("qjs", "qjsc", "api-test", "lre-test", "function_source")
SCRIPT = """import * as std from "qjs:std";
class Point { constructor(x, y) { this.x = x; this.y = y; } norm2() { return this.x ** 2 + this.y ** 2; } }
const text = std.loadFile("input.txt");
console.log("lines", text.trim().split("\\n").length, "norm2", new Point(3, 4).norm2());
const f = std.open("out.txt", "w"); f.puts(JSON.stringify({sum: [1, 2, 3].reduce((a, b) => a + b)})); f.close();
Promise.resolve(7).then(v => console.log("promise", v * 6));
console.log("regexp", "2026-12-03".replace(/(\\d+)-(\\d+)-(\\d+)/, "$3.$2.$1"), 2n ** 64n);
"""
SCRIPT_OUTPUT = "lines 3 norm2 25\nregexp 03.12.2026 18446744073709551616\npromise 42\n"
STACK_CASE = "    async_call_stack_overflow();\n"


@dataclass
class QuickJS:
    source: Path
    build: Path
    whole: subprocess.CompletedProcess[str]  # `cmake --build` of every default target


def _run(home: Path, argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=1800, check=False,
                          env={**os.environ, "WASITOOL_HOME": str(home)})


@pytest.fixture(scope="module")
def quickjs(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> QuickJS:
    require_program("cmake")
    work = pinned_debian_work(ORIG, "quickjs", tmp_path_factory)
    source, build, toolchain_file = work / TREE, work / "build", work / "wasi.cmake"
    written = wasitool(toolchain_home, "toolchain", "--cmake", str(toolchain_file), "--posix")
    assert written.returncode == 0, written.stderr
    for argv in (["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-S", str(source), "-B", str(build)],
                 ["cmake", "--build", str(build), "--target", *TARGETS]):
        proc = _run(toolchain_home, argv, work)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return QuickJS(source, build, _run(toolchain_home, ["cmake", "--build", str(build)], work))


def test_every_default_target_but_the_test262_runner_builds(quickjs: QuickJS) -> None:
    for library in ("libqjs.a", "libqjs-libc.a"):
        assert (quickjs.build / library).read_bytes()[:8] == b"!<arch>\n", library
    for program in PROGRAMS:
        assert (quickjs.build / f"{program}.wasm").read_bytes()[:4] == b"\0asm", program
    output = quickjs.whole.stdout + quickjs.whole.stderr
    assert quickjs.whole.returncode != 0 and "unknown type name 'js_mutex_t'" in output, output[-3000:]
    errors = {line.split(":")[0] for line in output.splitlines() if ": error:" in line}
    assert errors == {str(quickjs.source / "run-test262.c")}, output[-3000:]


def test_qjs_runs_a_module_script_with_files(quickjs: QuickJS, toolchain_home: Path, tmp_path: Path) -> None:
    for name, command in guest_runners(quickjs.build / "qjs.wasm").items():
        data = tmp_path / name
        data.mkdir()
        (data / "script.js").write_text(SCRIPT)
        (data / "input.txt").write_text("a\nb\nc\n")
        run = run_guest(toolchain_home, command, data, "script.js")
        assert (run.returncode, run.stdout) == (0, SCRIPT_OUTPUT), f"{name}: {run.stderr}"
        assert (data / "out.txt").read_text() == '{"sum":6}', name
        evaluated = run_guest(toolchain_home, command, data, "-e", "print(JSON.stringify({a: [1, 'b']}))")
        assert (evaluated.returncode, evaluated.stdout) == (0, '{"a":[1,"b"]}\n'), f"{name}: {evaluated.stderr}"
        thrown = run_guest(toolchain_home, command, data, "-e", "throw new TypeError('boom')")
        assert thrown.returncode == 1 and "TypeError: boom" in thrown.stderr, f"{name}: {thrown.stderr}"


def test_qjsc_output_builds_with_the_toolchain(quickjs: QuickJS, toolchain_home: Path, tmp_path: Path) -> None:
    generated = set()
    for name, command in guest_runners(quickjs.build / "qjsc.wasm").items():
        data = tmp_path / name
        data.mkdir()
        (data / "hello.js").write_text('console.log("compiled", [3, 1, 2].sort().join(""));\n')
        run = run_guest(toolchain_home, command, data, "-e", "-o", "hello.c", "hello.js")
        assert run.returncode == 0, f"{name}: {run.stderr}"
        generated.add((data / "hello.c").read_text())
    assert len(generated) == 1  # the same C on every engine
    (tmp_path / "hello.c").write_text(generated.pop())
    libraries = f"{quickjs.build}/libqjs-libc.a {quickjs.build}/libqjs.a"
    built = wasitool(toolchain_home, "exec", "--posix", "--", "sh", "-c",
                     f'$CC -O2 -I "{quickjs.source}" hello.c {libraries} -o hello.wasm', cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    for name, command in guest_runners(tmp_path / "hello.wasm").items():
        run = run_guest(toolchain_home, command, tmp_path)
        assert (run.returncode, run.stdout) == (0, "compiled 123\n"), f"{name}: {run.stderr}"


def test_quickjs_own_test_programs(quickjs: QuickJS, toolchain_home: Path, tmp_path: Path) -> None:
    guest_tmp = tmp_path / "guest-tmp"
    guest_tmp.mkdir()
    for program in ("lre-test", "function_source"):
        for name, command in guest_runners(quickjs.build / f"{program}.wasm").items():
            run = run_guest(toolchain_home, command, tmp_path)
            assert run.returncode == 0, f"{program} on {name}: {run.stderr}"
    api_test = quickjs.build / "api-test.wasm"
    for name, command in guest_runners(api_test, "/tmp").items():  # api-test calls tmpfile()
        run = run_guest(toolchain_home, command, guest_tmp)
        assert run.returncode != 0 and "call stack exhausted" in run.stderr, f"{name}: {run.stderr[-2000:]}"
    source = quickjs.source / "api-test.c"
    text = source.read_text()
    assert text.count(STACK_CASE) == 1
    source.write_text(text.replace(STACK_CASE, ""))
    rebuilt = _run(toolchain_home, ["cmake", "--build", str(quickjs.build), "--target", "api-test"], quickjs.build)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    for name, command in guest_runners(api_test, "/tmp").items():
        run = run_guest(toolchain_home, command, guest_tmp)
        assert run.returncode == 0, f"{name}: {run.stderr[-2000:]}"
    assert not list(guest_tmp.iterdir())  # tmpfile's file is gone
