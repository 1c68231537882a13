"""--trace-stack: the guest call stack of each traced call by function name (wasmtime), one line saying it
is unavailable on wasmer; text and JSON."""

from __future__ import annotations

import json

from tests.engines.test_engine_cli import wasitool
from tests.support.wat_modules import FD_WRITE

NESTED = f"""(module {FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 8) "hi\\n")
  (func $inner (i32.store (i32.const 0) (i32.const 8)) (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100))))
  (func $middle (call $inner))
  (func $main (export "_start") (call $middle) (call $inner)))"""

UNAVAILABLE = "wasitool: --trace-stack: the wasmer engine gives no guest call stacks (use --engine wasmtime)"


def test_stacks_by_function_name(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(NESTED)), "--engine", engine_name, "--trace-stack")
    assert (proc.returncode, proc.stdout) == (0, b"hi\nhi\n")
    lines = proc.stderr.decode().splitlines()
    if engine_name == "wasmer":
        assert lines[0] == UNAVAILABLE and len(lines) == 3 and lines[1].startswith("fd_write(")
        return
    assert [line for line in lines if line.startswith("    stack: ")] == [
        "    stack: inner <- middle <- main", "    stack: inner <- main"]
    assert lines[0].startswith("fd_write(fd=1, ")


def test_stack_in_json_and_only_for_traced_calls(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(NESTED)), "--engine", engine_name, "--trace-stack", "--trace=fd_write",
                    "--trace-format=json")
    lines = proc.stderr.decode().splitlines()
    if engine_name == "wasmer":
        assert lines[0] == UNAVAILABLE and all("stack" not in json.loads(line) for line in lines[1:])
        return
    records = [json.loads(line) for line in lines]
    assert [r["stack"] for r in records] == [["inner", "middle", "main"], ["inner", "main"]]


def test_readdir_names_main(use_toolchain, engine_name):
    proc = wasitool("run", "readdir", "--engine", engine_name, "--trace=fd_readdir", "--trace-stack")
    assert proc.returncode == 0
    lines = proc.stderr.decode().splitlines()
    if engine_name == "wasmer":
        assert lines[0] == UNAVAILABLE
        return
    stack = next(line for line in lines if line.startswith("    stack: "))[len("    stack: "):].split(" <- ")
    assert stack[0] == "__wasi_fd_readdir" and "opendir" in stack and "main" in stack and stack[-1] == "_start"
