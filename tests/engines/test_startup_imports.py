"""What `wasitool run FILE.wasm` imports: the run path stays clear of the other commands' machinery
(argparse, rich, requests, tomlkit, the project and runtime rooms) and, on wasmer, of `typing` and of the
Cranelift compiler once the module is in the compile cache. Checked on the set of imported modules
(`python -v`, which logs every import, those of `importlib.import_module` and of a forked child included),
never on time: bench/ measures that."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HELLO = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""

# Never on the run path of a .wasm file, whatever the engine.
NEVER = {"argparse", "gettext", "dataclasses", "inspect", "rich", "requests", "tomlkit", "tomllib", "tomli",
         "platformdirs", "wasitool.cli_parser", "wasitool.project", "wasitool.examples", "wasitool.onefile",
         "wasitool.runtimes", "wasitool.build", "wasitool.wasi.trace", "wasitool.wasi.interpose",
         # call families hello does not import: linked (and imported) only for a guest that imports them
         "wasitool.wasi.calls_path", "wasitool.wasi.sandbox", "wasitool.wasi.calls_poll", "wasitool.wasi.readdir"}
# Not on wasmer's either (wasmtime's own package imports typing).
NEVER_ON = {"wasmer": {"typing", "wasitool.engines.protocol", "wasitool.wasi.memory", "wasmer_compiler_cranelift"}}


def imported_modules(engine: str, module: Path) -> set[str]:
    """The modules a `wasitool run` of `module` imports (the process and its forked child)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run([sys.executable, "-v", "-m", "wasitool", "run", str(module), "--engine", engine],
                          capture_output=True, text=True, env=env, check=False)
    assert (proc.returncode, proc.stdout) == (0, "hi\n"), proc.stderr[-2000:]
    return set(re.findall(r"^import '([^']+)'", proc.stderr, re.MULTILINE))


def test_run_imports_only_the_run_path(engine_name: str, wat_file: Callable[..., Path]):
    module = wat_file(HELLO, "hello.wasm")
    imported_modules(engine_name, module)  # the first run compiles and fills the cache
    imported = imported_modules(engine_name, module)
    assert {"wasitool.commands.run", "wasitool.pyruntime", "wasitool.wasi.context"} <= imported  # it did run
    assert not imported & (NEVER | NEVER_ON.get(engine_name, set()))
    assert not {name for name in imported if name.startswith("wasitool.commands.") and name != "wasitool.commands.run"}
