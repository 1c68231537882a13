"""Per-call cost of a wasm -> Python host call on each engine, and of the GuestMemory view.

Not a test (pytest does not collect it). Run: `python tests/engines/bench_hostcall.py [N]`.
The guest calls a 4-parameter i32 host function (fd_write's shape) N times in a loop.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import wasmtime

LOOP = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $f (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "loop") (param $n i32) (local $i i32)
    (loop $l
      (drop (call $f (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))"""


def _per_call(run: Callable[[int], object], n: int) -> float:
    run(1000)  # warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run(n)
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def bench_wasmtime(n: int) -> dict[str, float]:
    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, wasmtime.wat2wasm(LOOP))
    ftype = wasmtime.FuncType([wasmtime.ValType.i32()] * 4, [wasmtime.ValType.i32()])
    out = {}
    variants = {
        "Func": lambda store: wasmtime.Func(store, ftype, lambda a, b, c, d: 0),
        "Func(access_caller=True)": lambda store: wasmtime.Func(store, ftype, lambda caller, a, b, c, d: 0,
                                                                access_caller=True),
    }
    for label, make in variants.items():
        store = wasmtime.Store(engine)
        instance = wasmtime.Instance(store, module, [make(store)])
        loop = instance.exports(store)["loop"]
        out[label] = _per_call(lambda k, loop=loop, store=store: loop(store, k), n)
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_func("wasi_snapshot_preview1", "fd_write", ftype, lambda a, b, c, d: 0)
    loop = linker.instantiate(store, module).exports(store)["loop"]
    out["Linker.define_func"] = _per_call(lambda k: loop(store, k), n)

    from wasitool.engines.wasmtime_engine import WasmtimeMemory

    memory = WasmtimeMemory(store)
    memory.attach(linker.instantiate(store, module).exports(store)["memory"])
    out["WasmtimeMemory.view() (unchanged size)"] = _per_call(lambda k: [memory.view() for _ in range(k)], n)
    return out


def bench_wasmer(n: int) -> dict[str, float]:
    import wasmer
    from wasmer_compiler_cranelift import Compiler

    from wasitool.engines.wasmer_engine import WasmerMemory

    store = wasmer.Store(wasmer.engine.Universal(Compiler))
    module = wasmer.Module(store, bytes(wasmtime.wat2wasm(LOOP)))
    ftype = wasmer.FunctionType([wasmer.Type.I32] * 4, [wasmer.Type.I32])
    imports = wasmer.ImportObject()
    imports.register("wasi_snapshot_preview1", {"fd_write": wasmer.Function(store, lambda a, b, c, d: 0, ftype)})
    instance = wasmer.Instance(module, imports)
    out = {"Function(FunctionType)": _per_call(instance.exports.loop, n)}
    mem = instance.exports.memory
    out["memoryview(memory.buffer)"] = _per_call(lambda k: [memoryview(mem.buffer) for _ in range(k)], n)
    view = WasmerMemory()
    view.attach(mem)
    out["WasmerMemory.view() (unchanged size)"] = _per_call(lambda k: [view.view() for _ in range(k)], n)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    from importlib.metadata import version

    print(f"Python {sys.version.split()[0]}, wasmtime {version('wasmtime')}")
    benches = {"wasmtime": bench_wasmtime, "wasmer": bench_wasmer}
    for name, bench in benches.items():
        try:
            results = bench(n)
        except ImportError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        for label, us in results.items():
            print(f"{name:9} {label:40} {us:7.3f} us/call")


if __name__ == "__main__":
    main()
