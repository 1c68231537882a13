"""Micro-benchmark: what one WASI host call costs, split into the engine's share and wasitool's.

    .venv311/bin/python bench/hostcall.py [N]     # wasmtime-py
    .venv310/bin/python bench/hostcall.py [N]     # wasmer (and wasmtime-py on 3.10)

A wasm loop calls an imported `fd_write`-shaped function (i32 x4 -> i32) N times. Measured, per call:
- engine: the import is an empty Python function (the engine's wasm -> Python -> wasm round trip);
- wasmtime raw: the same through wasmtime's C entry point `wasmtime_func_new_unchecked` with a ctypes
  callback (what wasmtime-py's public `Func` wraps in its pure-Python trampoline);
- wasi: `WasiContext.fd_write` called from Python (no wasm) writing 1 byte to /dev/null through a
  bytearray memory: the Python work of the call itself;
- full: the loop calling the real `fd_write` (engine + wasi), the way `wasitool run` links it;
- parts: the pieces of wasitool's fd_write body one at a time (the syscall, argument decoding, the fd
  lookup, the out-pointer write), to say where a call's time goes.
Prints one line per measurement, in microseconds of CPU time per call (best of 3).
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LOOP = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $f (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\\20\\00\\00\\00\\01\\00\\00\\00")
  (func (export "loop") (param $n i32) (local $i i32)
    (loop $l
      (drop (call $f (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))"""
# one iovec at 16: {buf=32, len=1}; nwritten goes to 8


_KEEP: list[object] = []


def per_call(run: Callable[[int], object], n: int) -> float:
    """Best-of-3 microseconds of CPU time per iteration of `run(n)` (CPU, not wall: steadier on a shared
    machine)."""
    run(min(n, 1000))
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        run(n)
        best = min(best, time.process_time() - start)
    return best / n * 1e6


def wasi_context(stdout_fd: int) -> object:
    from wasitool.wasi import WasiConfig, WasiContext

    return WasiContext(WasiConfig(argv=["x"], env=[], preopens=[], stdin=0, stdout=stdout_fd, stderr=2))


def bench_wasi_only(n: int, null_fd: int) -> float:
    """fd_write called from Python on a bytearray memory: wasitool's share of a call."""
    from wasitool.wasi.memory import BytearrayMemory

    ctx = wasi_context(null_fd)
    mem = BytearrayMemory()
    struct.pack_into("<II", mem.data, 16, 32, 1)
    mem.data[32] = ord("x")
    ctx.bind_memory(mem)  # type: ignore[attr-defined]
    fd_write = ctx.host_functions()["fd_write"]  # type: ignore[attr-defined]

    def run(k: int) -> None:
        for _ in range(k):
            fd_write(1, 16, 1, 8)

    return per_call(run, n)


def bench_parts(n: int, null_fd: int) -> dict[str, float]:
    """fd_write's body taken apart (one iovec of 1 byte, as the loop makes it)."""
    from wasitool.wasi.fdtable import FileDesc
    from wasitool.wasi.layouts import IOVEC, U32

    mem = memoryview(bytearray(65536))
    struct.pack_into("<II", mem, 16, 32, 1)
    iov, u32_pack, write = IOVEC.unpack_from, U32.pack_into, os.write
    fds = {1: FileDesc(null_fd, 0, 1 << 6, 0, owned=False)}

    def syscall(k: int) -> None:
        buf = mem[32:33]
        for _ in range(k):
            write(null_fd, buf)

    def decode(k: int) -> None:
        for _ in range(k):
            iovs, nwritten = 16 & 0xFFFFFFFF, 8 & 0xFFFFFFFF
            if nwritten & 3 or nwritten + 4 > len(mem):
                raise AssertionError
            ptr, length = iov(mem, iovs)
            mem[ptr:ptr + length]

    def lookup(k: int) -> None:
        for _ in range(k):
            desc = fds[1]
            if not desc.rights_base & 64:
                raise AssertionError

    def out_pointer(k: int) -> None:
        for _ in range(k):
            u32_pack(mem, 8, 1)

    def empty(k: int) -> None:
        for _ in range(k):
            pass

    loop = per_call(empty, n)
    return {f"part: {label} (loop overhead {loop:.2f} us subtracted)": per_call(fn, n) - loop for label, fn in (
        ("os.write of 1 byte to /dev/null (the syscall)", syscall),
        ("argument decoding: masks, bounds, iovec unpack, buffer slice", decode),
        ("fd lookup and rights check", lookup),
        ("out-pointer write (nwritten)", out_pointer))}


def bench_linked(engine: str, n: int, null_fd: int) -> dict[str, float]:
    """The loop through wasitool's own engine adapter: exactly how `wasitool run` links fd_write."""
    from wasitool.engines import load_engine, unavailable_reason
    from wasitool.engines.base import WasiHost
    from wasitool.runspec import Invoke

    if unavailable_reason(engine) is not None:
        return {}
    eng = load_engine(engine)
    module = eng.compile(eng.wat2wasm(LOOP, "loop"), "loop")

    def run(k: int) -> None:
        ctx = wasi_context(null_fd)
        eng.run(module, WasiHost.from_context(ctx), Invoke("loop", (k,)))

    return {f"{engine} as wasitool links it (engine + fd_write)": per_call(run, n)}


def bench_wasmtime(n: int, null_fd: int) -> dict[str, float]:
    import wasmtime
    from wasmtime import _ffi as ffi

    from wasitool.engines.wasmtime_engine import WasmtimeMemory

    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, wasmtime.wat2wasm(LOOP))
    ftype = wasmtime.FuncType([wasmtime.ValType.i32()] * 4, [wasmtime.ValType.i32()])
    out: dict[str, float] = {}

    def timed(label: str, make: Callable[[wasmtime.Store], tuple[wasmtime.Func, Callable[..., object] | None]]) -> None:
        store = wasmtime.Store(engine)
        func, on_memory = make(store)
        instance = wasmtime.Instance(store, module, [func])
        exports = instance.exports(store)
        if on_memory is not None:
            on_memory(exports["memory"], store)
        loop = exports["loop"]
        out[label] = per_call(lambda k: loop(store, k), n)

    timed("wasmtime Func, empty body", lambda s: (wasmtime.Func(s, ftype, lambda a, b, c, d: 0), None))

    def raw_func(store: wasmtime.Store, body: Callable[[int, int, int, int], int]) -> wasmtime.Func:
        @ffi.wasmtime_func_unchecked_callback_t
        def callback(env: int, caller: object, args: ctypes.Array, nargs: int) -> int:  # type: ignore[type-arg]
            args[0].i32 = body(args[0].i32, args[1].i32, args[2].i32, args[3].i32)
            return 0

        fin = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda env: None)
        _KEEP.extend((callback, fin, store))  # alive until exit: the store calls `fin` when deleted
        raw = ffi.wasmtime_func_t()
        ffi.wasmtime_func_new_unchecked(store._context(), ftype.ptr(), callback, None, fin, ctypes.byref(raw))
        return wasmtime.Func._from_raw(raw)

    timed("wasmtime raw unchecked callback, empty body", lambda s: (raw_func(s, lambda a, b, c, d: 0), None))

    def with_wasi(store: wasmtime.Store, raw: bool) -> tuple[wasmtime.Func, Callable[..., object]]:
        ctx = wasi_context(null_fd)
        memory = WasmtimeMemory(store)
        ctx.bind_memory(memory)  # type: ignore[attr-defined]
        fd_write = ctx.host_functions()["fd_write"]  # type: ignore[attr-defined]
        func = raw_func(store, fd_write) if raw else wasmtime.Func(store, ftype, fd_write)
        return func, lambda mem, _store: memory.attach(mem)

    timed("wasmtime Func + WasiContext.fd_write (the fallback path)", lambda s: with_wasi(s, False))
    timed("wasmtime raw callback + WasiContext.fd_write", lambda s: with_wasi(s, True))

    class FixedView:
        """The view built once: valid while the memory does not grow (memory_may_move=False keeps the base)."""

        fixed_base = True  # the context keeps the view: no call into the memory per host call
        view_ = memoryview(bytearray())

        def view(self) -> memoryview:
            return self.view_

    def with_fixed_view(store: wasmtime.Store) -> tuple[wasmtime.Func, Callable[..., object]]:
        ctx = wasi_context(null_fd)
        fixed = FixedView()
        ctx.bind_memory(fixed)  # type: ignore[attr-defined]
        fd_write = ctx.host_functions()["fd_write"]  # type: ignore[attr-defined]

        def attach(mem: wasmtime.Memory, st: wasmtime.Store) -> None:
            length = mem.data_len(st)
            address = ctypes.cast(mem.data_ptr(st), ctypes.c_void_p).value
            fixed.view_ = memoryview((ctypes.c_ubyte * length).from_address(address or 0)).cast("B")

        return raw_func(store, fd_write), attach

    timed("wasmtime raw callback + fd_write, view kept by the context (fixed base)", with_fixed_view)

    store = wasmtime.Store(engine)
    inst = wasmtime.Instance(store, module, [wasmtime.Func(store, ftype, lambda a, b, c, d: 0)])
    memory = WasmtimeMemory(store)
    memory.attach(inst.exports(store)["memory"])

    def views(k: int) -> None:
        for _ in range(k):
            memory.view()

    out["WasmtimeMemory.view() (data_len check per call)"] = per_call(views, n)
    return out


def bench_wasmer(n: int, null_fd: int) -> dict[str, float]:
    import wasmer
    from wasmer_compiler_cranelift import Compiler

    from wasitool.engines.wasmer_engine import WasmerMemory

    store = wasmer.Store(wasmer.engine.Universal(Compiler))
    module = wasmer.Module(store, LOOP)
    ftype = wasmer.FunctionType([wasmer.Type.I32] * 4, [wasmer.Type.I32])
    out: dict[str, float] = {}

    def timed(label: str, body: Callable[..., int], memory: WasmerMemory | None = None) -> None:
        imports = wasmer.ImportObject()
        imports.register("wasi_snapshot_preview1", {"fd_write": wasmer.Function(store, body, ftype)})
        instance = wasmer.Instance(module, imports)
        if memory is not None:
            memory.attach(instance.exports.memory)
        loop = instance.exports.loop
        out[label] = per_call(loop, n)

    timed("wasmer Function, empty body", lambda a, b, c, d: 0)
    ctx = wasi_context(null_fd)
    memory = WasmerMemory()
    ctx.bind_memory(memory)  # type: ignore[attr-defined]
    timed("wasmer Function + WasiContext.fd_write (as linked today)",
          ctx.host_functions()["fd_write"], memory)  # type: ignore[attr-defined]

    def views(k: int) -> None:
        for _ in range(k):
            memory.view()

    out["WasmerMemory.view() (data_size check per call)"] = per_call(views, n)
    return out


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    null_fd = os.open(os.devnull, os.O_WRONLY)
    print(f"python {sys.version.split()[0]}, {n} calls, microseconds of CPU time per call (best of 3)")
    results = {"WasiContext.fd_write from Python (wasitool's share)": bench_wasi_only(n, null_fd)}
    results.update(bench_parts(n, null_fd))
    for engine in ("wasmer", "wasmtime"):
        results.update(bench_linked(engine, n, null_fd))
    for name, bench in (("wasmer", bench_wasmer), ("wasmtime", bench_wasmtime)):
        try:
            results.update(bench(n, null_fd))
        except ImportError as exc:
            print(f"  {name}: not available ({exc})")
    for label, us in results.items():
        print(f"  {us:7.2f} us  {label}", flush=True)
    os._exit(0)  # skip interpreter teardown: stores with raw callbacks must not outlive their ctypes thunks


if __name__ == "__main__":
    sys.exit(main())
