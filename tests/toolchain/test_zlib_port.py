"""zlib 1.2.13 with its own CMakeLists and nothing but `wasitool toolchain --cmake`'s file (issue 18 item 3):
its SHARED `zlib` library builds static, `ctest` runs its two tests (`example`, `example64`, declared with
the old add_test(name target) signature) in wasitool's runtime, and minigzip round-trips a file on every
importable engine and the wasmtime CLI.

The source is Debian's orig tarball (pinned by sha256). Debian's repack drops zlib's win32/ directory, which
the CMakeLists still names (`win32/zlib1.rc`, a Windows resource script CMake only lists off Windows): a
native `cmake` of that tree stops with "Cannot find source file: win32/zlib1.rc" too, so the test puts back
an empty file, as upstream's tarball has one.
"""

from __future__ import annotations

import gzip
import os
import random
import subprocess
from pathlib import Path

import pytest

from tests.support.third_party import ZLIB_DEBIAN
from tests.toolchain.real_sources import (
    build_step,
    guest_runners,
    pinned_debian_work,
    require_program,
    run_guest,
    wasitool,
)

pytestmark = pytest.mark.slow

ORIG = ZLIB_DEBIAN  # the one pin of zlib's sources (bench/ builds minigzip from it too)
TREE = "zlib-1.2.13.dfsg"


@pytest.fixture(scope="module")
def zlib_build(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """zlib's build directory: configured with only the toolchain file, every default target built."""
    require_program("cmake")
    work = pinned_debian_work(ORIG, "zlib", tmp_path_factory)
    source = work / TREE
    (source / "win32").mkdir()
    (source / "win32" / "zlib1.rc").write_text("")
    toolchain_file, build = work / "wasi.cmake", work / "build"
    written = wasitool(toolchain_home, "toolchain", "--cmake", str(toolchain_file))
    assert written.returncode == 0, written.stderr
    configure = build_step(toolchain_home, ["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-S", str(source),
                                        "-B", str(build)], work)
    assert "Building a STATIC library instead" in configure.stderr  # zlib's add_library(zlib SHARED ...)
    build_step(toolchain_home, ["cmake", "--build", str(build)], work)
    return build


def test_zlib_builds_static_and_its_ctest_passes(zlib_build: Path, toolchain_home: Path) -> None:
    require_program("ctest")
    for library in ("libzlib.a", "libzlibstatic.a"):
        assert (zlib_build / library).read_bytes()[:8] == b"!<arch>\n"
    assert not list(zlib_build.glob("*.so*"))
    for program in ("example", "example64", "minigzip", "minigzip64"):
        assert (zlib_build / f"{program}.wasm").read_bytes()[:4] == b"\0asm", program
    ctest = build_step(toolchain_home, ["ctest", "--output-on-failure"], zlib_build)
    assert "100% tests passed, 0 tests failed out of 2" in ctest.stdout, ctest.stdout
    assert (zlib_build / "foo.gz").is_file()  # example's gzip file, written in the preopened build directory
    run = subprocess.run(["ctest", "-V", "-R", "^example$"], cwd=zlib_build, capture_output=True, text=True,
                         env={**os.environ, "WASITOOL_HOME": str(toolchain_home)}, timeout=300, check=False)
    assert "wasm32-wasi-run" in run.stdout and "inflate with dictionary: hello, hello!" in run.stdout, run.stdout


@pytest.mark.parametrize("program", ["minigzip", "minigzip64"])
def test_minigzip_round_trips_a_file(zlib_build: Path, toolchain_home: Path, tmp_path: Path, program: str) -> None:
    rng = random.Random(18)
    original = "".join(rng.choice("zlib wasi\n") for _ in range(200_000)).encode() + bytes(range(256))
    for name, command in guest_runners(zlib_build / f"{program}.wasm").items():
        data = tmp_path / name
        data.mkdir()
        (data / "input.bin").write_bytes(original)
        packing = run_guest(toolchain_home, command, data, "-9", "input.bin")
        assert packing.returncode == 0, f"{name}: {packing.stderr}"
        assert [p.name for p in data.iterdir()] == ["input.bin.gz"], name  # minigzip replaces the file
        packed = (data / "input.bin.gz").read_bytes()
        assert gzip.decompress(packed) == original and len(packed) < len(original) // 2, name
        unpacking = run_guest(toolchain_home, command, data, "-d", "input.bin.gz")
        assert unpacking.returncode == 0, f"{name}: {unpacking.stderr}"
        assert [p.name for p in data.iterdir()] == ["input.bin"], name
        assert (data / "input.bin").read_bytes() == original, name
