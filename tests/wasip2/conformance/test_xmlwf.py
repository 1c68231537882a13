"""A real program as a component: Expat's xmlwf (tests/toolchain/test_third_party_build.py builds it with the
pinned toolchain through CMake) turned into a component with the command adapter, run on wasitool and on the
wasmtime CLI, and as its preview1 module on wasitool: the same output, statuses and files written.

One read of a WASI 0.2 stream moves at most 64 KiB (both hosts), so xmlwf's one-read file loader reports a
bigger file as "read unexpected number of bytes" through the adapter, where its preview1 build reads it whole.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.components import P2Kit
from tests.toolchain.test_third_party_build import BAD, CANONICAL, GOOD, expat_build, expat_source  # noqa: F401
from tests.wasip2.conftest import reference, wasitool

BIG = "<r>" + "".join(f'<e n="{i}">t&#233;xt {i}</e>' for i in range(20000)) + "</r>\n"
RUNS = (("good.xml",), ("bad.xml",), ("nope.xml",), ("-d", "out", "good.xml"), ("-d", "out", "big.xml"),
        ("-m", "-d", "out", "bad.xml"), ("-t", "big.xml"), ("-x", "-d", "out", "bad.xml"),
        ("-d", "nowhere", "good.xml"))


def _files(where: Path) -> Path:
    where.mkdir()
    (where / "good.xml").write_text(GOOD)
    (where / "bad.xml").write_text(BAD)
    (where / "big.xml").write_text(BIG)
    (where / "out").mkdir()
    return where


def _results(where: Path, run) -> list[tuple[int, str, str]]:
    results = []
    for args in RUNS:
        proc = run(where, args)
        results.append((proc.returncode, proc.stdout.decode(), proc.stderr.decode()))
    results.append((0, "\n".join(sorted(f"{p.name} {p.read_text()!r}" for p in (where / "out").iterdir())), ""))
    return results


@pytest.mark.parametrize("expat_build", ["pip"], indirect=True)
def test_xmlwf_component_as_the_cli_and_its_module(expat_build, p2kit: P2Kit, tmp_path, wasmtime_cli):  # noqa: F811
    _, build = expat_build
    module = build / "xmlwf" / "xmlwf.wasm"
    component = p2kit.adapt(module, tmp_path / "xmlwf.p2.wasm")

    def ours(where: Path, args: tuple[str, ...], path: Path = component) -> subprocess.CompletedProcess[bytes]:
        return wasitool("run", "--dir", f"{where}::.", str(path), "--", *args)

    def cli(where: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess[bytes]:
        return reference(wasmtime_cli, component, *args, flags=("--dir", f"{where}::."))

    on_wasitool = _results(_files(tmp_path / "ours"), ours)
    assert on_wasitool == _results(_files(tmp_path / "cli"), cli)
    assert on_wasitool[0] == (0, "", "")
    assert on_wasitool[1][1] == "bad.xml:2:7: mismatched tag\n"
    assert (tmp_path / "ours" / "out" / "good.xml").read_text() == CANONICAL
    assert on_wasitool[4][2] == "big.xml: read unexpected number of bytes\n"  # the 64 KiB read, as the CLI

    as_module = _results(_files(tmp_path / "p1"), lambda where, args: ours(where, args, module))
    assert (tmp_path / "p1" / "out" / "big.xml").stat().st_size > 64 * 1024
    for args, p1, p2 in zip(RUNS, as_module, on_wasitool, strict=False):
        if "big.xml" in args:
            continue
        # preview1 passes xmlwf's exit status on; the 0.2 `exit` has only ok and err (status 1)
        assert (p1[0] != 0, p1[1], p1[2]) == (p2[0] != 0, p2[1], p2[2]), args
