"""The guest's call stack inside a host call, from wasmtime's guest profiler (`--trace-stack`).

wasmtime-py exposes the C API's `wasmtime_guestprofiler_new/sample/finish` only through its ctypes
bindings. A profiler made for the instantiated module and sampled once inside a host function records the
wasm frames active at that call; `finish` renders them as Firefox-profiler JSON, whose tables name each
frame's function from the module's name section. The profiler has the compiled code's addresses, not wasm
offsets, so no DWARF lines are available from it.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any

import wasmtime
from wasmtime import _bindings as ffi

_UBYTES = ctypes.POINTER(ctypes.c_ubyte)


def _name(text: bytes) -> Any:
    name = ffi.wasm_name_t()
    ffi.wasm_byte_vec_new(ctypes.byref(name), len(text), ctypes.cast(ctypes.create_string_buffer(text), _UBYTES))
    return name


def guest_stack(store: wasmtime.Store, module: wasmtime.Module) -> list[str]:
    """Function names of the wasm frames active now, innermost first (`<wasm function N>` when unnamed)."""
    modules = (ffi.wasmtime_guestprofiler_modules_t * 1)()
    module_name = _name(b"guest")
    modules[0].name = ctypes.pointer(module_name)
    modules[0].mod = module.ptr()
    thread = _name(b"main")
    profiler = ffi.wasmtime_guestprofiler_new(store.engine.ptr(), ctypes.byref(thread), 1, modules, 1)
    ffi.wasmtime_guestprofiler_sample(profiler, store.ptr(), 0)
    out = ffi.wasm_byte_vec_t()
    error = ffi.wasmtime_guestprofiler_finish(profiler, ctypes.byref(out))  # consumes the profiler
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    try:
        profile = json.loads(ctypes.string_at(out.data, out.size))
    finally:
        ffi.wasm_byte_vec_delete(ctypes.byref(out))
    return _frames(profile["threads"][0])


def _frames(thread: dict[str, Any]) -> list[str]:
    """The names on the (one) sample's stack, innermost first."""
    stacks, frames, funcs = thread["stackTable"], thread["frameTable"], thread["funcTable"]
    strings = thread["stringArray"]
    names: list[str] = []
    samples = thread["samples"]["stack"]
    stack = samples[0] if samples else None
    while stack is not None:
        names.append(strings[funcs["name"][frames["func"][stacks["frame"][stack]]]])
        stack = stacks["prefix"][stack]
    return names
