"""--trace-stack on a `-g` build: frames with DWARF lines get `(file:line)` (wasmtime), from a module the
real toolchain built; the line reader on that module (DWARF 4 as zig's clang emits it, and DWARF 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engines.test_engine_cli import wasitool
from tests.faults.test_stacks import UNAVAILABLE
from wasitool.dwarf_lines import LineTable
from wasitool.wasmbin import parse_module

LISTING = """#include <dirent.h>
#include <stdio.h>

int main(void) {
    DIR *d = opendir(".");
    if (!d) return 1;
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    printf("%d\\n", n);
    return 0;
}
"""
OPENDIR_LINE = 5


def build(tmp_path: Path, *flags: str) -> Path:
    source, out = tmp_path / "listing.c", tmp_path / f"listing{len(flags)}{''.join(flags)}.wasm"
    source.write_text(LISTING)
    proc = wasitool("build", str(source), "-o", str(out), *(f"-X{flag}" for flag in flags))
    assert proc.returncode == 0, proc.stderr
    return out


def stack_of(stderr: bytes) -> list[str]:
    line = next(text for text in stderr.decode().splitlines() if text.startswith("    stack: "))
    return line[len("    stack: "):].split(" <- ")


def test_trace_stack_gives_lines_of_a_debug_build(use_toolchain, engine_name, tmp_path):
    module = build(tmp_path, "-g")
    args = ("run", str(module), "--engine", engine_name, "--dir", f"{tmp_path}::.", "--trace=fd_readdir",
            "--trace-stack")
    proc = wasitool(*args)
    assert proc.returncode == 0 and proc.stdout.strip().isdigit()
    if engine_name == "wasmer":
        assert proc.stderr.decode().splitlines()[0] == UNAVAILABLE
        return
    stack = stack_of(proc.stderr)
    assert f"__original_main (listing.c:{OPENDIR_LINE})" in stack
    assert stack[0].startswith("__wasi_fd_readdir (") and stack[-1].startswith("_start (")
    assert any(frame.startswith("opendir (") for frame in stack)
    records = [json.loads(line) for line in wasitool(*args, "--trace-format=json").stderr.decode().splitlines()]
    assert records[0]["stack"] == stack


def test_a_stripped_build_gives_no_lines(use_toolchain, tmp_path):
    proc = wasitool("run", str(build(tmp_path)), "--engine", "wasmtime", "--dir", f"{tmp_path}::.",
                    "--trace=fd_readdir", "--trace-stack")
    stack = stack_of(proc.stderr)
    assert len(stack) >= 4 and not any(frame.endswith(")") for frame in stack)  # `-s` leaves no names either


@pytest.mark.parametrize("flags", [("-g",), ("-gdwarf-5",)])
def test_line_table_of_a_real_build(use_toolchain, tmp_path, flags):
    data = build(tmp_path, *flags).read_bytes()
    table = LineTable.read(data)
    assert table is not None
    code = next(section for section in parse_module(data).sections if section.name == "Code")
    assert table.code_start == code.start
    lines = {found.line for offset in range(code.size)
             if (found := table.lookup(offset)) is not None and found.file == "listing.c"}
    assert {OPENDIR_LINE, 8, 10, 11} <= lines <= set(range(4, 14))  # main, lines 4-13
    assert LineTable.read(build(tmp_path).read_bytes()) is None  # stripped: no DWARF, no lines
