"""`wasitool run COMPONENT --invoke NAME ARGS...`: a function a component exports, called with numbers."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.wasip2.conftest import wasitool

LIBRARY = """(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "half") (param f64) (result f64) (f64.div (local.get 0) (f64.const 2)))
    (func (export "is-even") (param i32) (result i32) (i32.eqz (i32.and (local.get 0) (i32.const 1))))
    (func (export "big") (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
    (func (export "boom") unreachable)
    (func (export "letter") (result i32) (i32.const 65)))
  (core instance $i (instantiate $m))
  (func $add (param "a" s32) (param "b" s32) (result s32) (canon lift (core func $i "add")))
  (func $half (param "x" f64) (result f64) (canon lift (core func $i "half")))
  (func $is-even (param "n" u32) (result bool) (canon lift (core func $i "is-even")))
  (func $big (param "n" u64) (result u64) (canon lift (core func $i "big")))
  (func $boom (canon lift (core func $i "boom")))
  (func $letter (result char) (canon lift (core func $i "letter")))
  (export "add" (func $add))
  (export "letter" (func $letter))
  (instance $ops (export "half" (func $half)) (export "is-even" (func $is-even)) (export "big" (func $big))
    (export "boom" (func $boom)))
  (export "example:math/ops" (instance $ops)))
"""


@pytest.fixture
def library(text_component, tmp_path):
    return text_component(LIBRARY, "lib.wasm")


@pytest.mark.parametrize(("call", "printed"), [
    (["add", "2", "40"], b"42\n"),
    (["add", "-5", "3"], b"-2\n"),
    (["half", "5"], b"2.5\n"),
    (["example:math/ops#is-even", "4"], b"1\n"),
    (["is-even", "3"], b"0\n"),
    (["big", "18446744073709551614"], b"18446744073709551615\n"),
])
def test_invoke_prints_the_result(library, call, printed):
    proc = wasitool("run", str(library), "--invoke", *call)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, printed, b"")


def test_invoke_as_the_cli(library, wasmtime_cli):
    theirs = subprocess.run([str(wasmtime_cli), "run", "--invoke", "add(2, 40)", str(library)],
                            capture_output=True, timeout=60)
    assert theirs.stdout.strip() == wasitool("run", str(library), "--invoke", "add", "2", "40").stdout.strip()


def test_invoke_json(library):
    report = json.loads(wasitool("run", str(library), "--invoke", "add", "2", "40", "--json").stdout)
    assert (report["exit_code"], report["results"]) == (0, [42])


def test_invoke_trap(library):
    proc = wasitool("run", str(library), "--invoke", "boom")
    assert (proc.returncode, proc.stderr) == (134, b"wasitool: trap: unreachable instruction executed\n")


@pytest.mark.parametrize(("call", "error"), [
    (["add", "1"], "`add` takes 2 argument(s) (a, b), got 1"),
    (["add", "1", "2.5"], "argument 2 of `add` (b: s32) must be an integer, got 2.5"),
    (["add", "1", "4294967296"], "argument 2 of `add` (b: s32) is out of range: 4294967296"),
    (["is-even", "-1"], "argument 1 of `is-even` (n: u32) is out of range: -1"),
    (["letter"], "`letter` takes or returns result: char, which --invoke cannot pass as numbers (fix: invoke a "
                 "function of numbers (integers, floats, bool), or call it from a command)"),
    (["nope"], "lib.wasm exports no function `nope` (fix: exported functions: add, example:math/ops#big, "
               "example:math/ops#boom, example:math/ops#half, example:math/ops#is-even, letter)"),
])
def test_invoke_errors_are_one_line(library, call, error):
    proc = wasitool("run", str(library), "--invoke", *call)
    assert (proc.returncode, proc.stderr.decode()) == (2, f"wasitool: error: {error}\n")


def test_a_library_without_invoke_says_how(library):
    proc = wasitool("run", str(library))
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "wasitool: error: lib.wasm exports no `wasi:cli/run` interface (is it a library component?) "
        "(fix: call one of its functions with --invoke NAME [ARGS...], or build it as a command)\n")
