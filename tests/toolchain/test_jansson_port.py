"""Jansson 2.14 with its own CMakeLists, nothing but `wasitool toolchain --cmake`'s file, and its own test suite
run by `ctest` in wasitool's runtime.

Jansson declares its tests the old way on the test programs' output paths, `add_test(test_array
<bin dir>/test_array WORKING_DIRECTORY <dir>)` (WORKING_DIRECTORY is an argument there, not a keyword), and its
196 file-based cases hand `json_process` a test directory of the source tree by its absolute path: the toolchain
file maps such a path to the target (`test_array.wasm` through `wasm32-wasi-run`, the arguments kept), and
`wasm32-wasi-run` preopens `/` besides the working directory, as a native test sees the file system.

One of the 213 cannot be a WASI program: `test_dump.c` calls `pipe()`, which WASI preview1 does not have
("call to undeclared function 'pipe'"), so that target does not build and its test is left out; every other
test passes. The source is Debian's orig tarball (pinned by sha256).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.third_party import JANSSON_DEBIAN
from tests.toolchain.real_sources import build_step, pinned_debian_work, require_program, wasitool

pytestmark = pytest.mark.slow

UNBUILDABLE = "test_dump"  # calls pipe(): not in WASI preview1


@pytest.fixture(scope="module")
def jansson_build(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Jansson's build directory: configured with only the toolchain file, every target built but one."""
    require_program("cmake")
    work = pinned_debian_work(JANSSON_DEBIAN, "jansson", tmp_path_factory)
    toolchain_file, build = work / "wasi.cmake", work / "build"
    written = wasitool(toolchain_home, "toolchain", "--cmake", str(toolchain_file))
    assert written.returncode == 0, written.stderr
    build_step(toolchain_home, ["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-S", str(work / "jansson-2.14"),
                                "-B", str(build)], work)
    targets = subprocess.run(["cmake", "--build", str(build), "--", "-k"], cwd=work, capture_output=True, text=True,
                             timeout=900, check=False, env={**os.environ, "WASITOOL_HOME": str(toolchain_home)})
    errors = {line for line in targets.stderr.splitlines() if ": error: " in line}
    assert [Path(line.split(":", 1)[0]).stem for line in errors] == [UNBUILDABLE], targets.stderr[-3000:]
    assert "undeclared function 'pipe'" in targets.stderr
    return build


def test_jansson_builds_and_its_test_suite_passes(jansson_build: Path, toolchain_home: Path) -> None:
    require_program("ctest")
    assert (jansson_build / "lib" / "libjansson.a").read_bytes()[:8] == b"!<arch>\n"
    assert (jansson_build / "bin" / "json_process.wasm").read_bytes()[:4] == b"\0asm"
    ctest = build_step(toolchain_home, ["ctest", "-j2", "--output-on-failure", "-E", f"^{UNBUILDABLE}$"],
                       jansson_build)
    assert "100% tests passed, 0 tests failed out of 212" in ctest.stdout, ctest.stdout[-3000:]
    one = build_step(toolchain_home, ["ctest", "-V", "-R", "^valid__complex-array$"], jansson_build)
    assert "wasm32-wasi-run" in one.stdout and "json_process.wasm" in one.stdout, one.stdout[-3000:]
