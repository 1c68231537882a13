"""A faster way into the Python host functions of a component than wasmtime-py's `LinkerInstance.add_func`.

wasmtime-py's trampoline reads the function's type back from C on every call, decides again for every
result whether it is tagged, and converts a `list<u8>` one byte at a time: about 150 us for a one-byte
`blocking-write-and-flush` and milliseconds for 4 KiB. This trampoline takes the types read once at link
time, with those decisions made once (`freeze`), and moves a `list<u8>` with one copy: the C API passes a
list as an array of `wasmtime_component_val_t` (32 bytes each, the kind at offset 0, a u8 at offset 8,
checked when this module is used). Everything else still goes through wasmtime-py's own converters.

It relies on wasmtime-py internals (`_ffi`, `component._enter.catch_exceptions`), so it is used only with
the wasmtime-py major version preview1's fast path was verified with, when the layout checks pass, and
not with `WASITOOL_WASMTIME_HOSTCALL=func` (wasmtime-py's own path, for comparison and as the fallback).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component import U8, FuncType, LinkerInstance, ListType, ValType
from wasmtime.component._enter import catch_exceptions

from wasitool.wasip2.convert import cases, is_tagged

_VAL = ffi.wasmtime_component_val_t
_STRIDE = ctypes.sizeof(_VAL)
_KIND_AT: int = vars(_VAL)["kind"].offset
_U8_AT: int = vars(_VAL)["of"].offset + vars(ffi.wasmtime_component_valunion_t)["u8"].offset
_U8_KIND = ffi.WASMTIME_COMPONENT_U8.value
_LIST_KIND = ffi.WASMTIME_COMPONENT_LIST

# key -> (host function, a converter per parameter, the result's (frozen) type, what Ctrl-C becomes)
_ENTRIES: dict[int, tuple[Callable[..., Any], list[Callable[[Any], Any]], ValType | None, type[Exception]]] = {}


def unavailable_reason() -> str | None:
    """Why this trampoline cannot be used here (None: it can)."""
    from wasitool.engines import wasmtime_unchecked

    reason = wasmtime_unchecked.unavailable_reason()
    if reason is not None:
        return reason
    if (_STRIDE, _KIND_AT, _U8_AT) != (32, 0, 8):
        return f"unexpected wasmtime_component_val_t layout ({_STRIDE} bytes, u8 at {_U8_AT})"
    return None


def _bytes_from_c(c: Any) -> bytes:
    """A `list<u8>` argument as bytes (the list is freed, as wasmtime-py's converter does)."""
    raw = c.of.list
    size = raw.size
    data = b""
    if size:
        address = ctypes.cast(raw.data, ctypes.c_void_p).value or 0
        data = ctypes.string_at(address, size * _STRIDE)[_U8_AT::_STRIDE]
    ffi.wasmtime_component_vallist_delete(ctypes.byref(raw))
    return data


def _bytes_to_c(_store: Any, value: bytes, ptr: Any) -> None:
    """Bytes as a `list<u8>` value at `ptr`."""
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError("expected bytes value")
    size = len(value)
    raw = ffi.wasmtime_component_vallist_t()
    ffi.wasmtime_component_vallist_new_uninit(raw, size)
    if size:
        image = bytearray(size * _STRIDE)
        image[0::_STRIDE] = bytes((_U8_KIND,)) * size
        image[_U8_AT::_STRIDE] = value
        address = ctypes.cast(raw.data, ctypes.c_void_p).value or 0
        ctypes.memmove(address, (ctypes.c_char * len(image)).from_buffer(image), len(image))
    ptr.contents.kind = _LIST_KIND
    ptr.contents.of.list = raw


def freeze(ty: ValType) -> ValType:
    """`ty` with wasmtime-py's per-call decisions made once: a variant's cases and whether it is tagged, a
    `list<u8>`'s conversions by one copy. Nested types are frozen too."""
    variant_cases = cases(ty)
    if variant_cases is not None:
        frozen = [(name, freeze(t) if t is not None else None) for name, t in variant_cases]
        tagged = is_tagged(frozen)
        setattr(ty, "_cases", lambda: frozen)  # noqa: B010 - an instance attribute over the method
        setattr(ty, "_tagged", lambda: tagged)  # noqa: B010
    elif isinstance(ty, ListType):
        is_bytes = isinstance(ty.element, U8)
        setattr(ty, "_is_bytes", lambda: is_bytes)  # noqa: B010
        if is_bytes:
            setattr(ty, "convert_to_c", _bytes_to_c)  # noqa: B010
            setattr(ty, "convert_from_c", _bytes_from_c)  # noqa: B010
    return ty


@ffi.wasmtime_component_func_callback_t  # type: ignore[untyped-decorator]
def _trampoline(key: int, context: Any, _ty: Any, args: Any, nargs: int, results: Any, _nresults: int) -> int:
    fn, params, result, interrupted = _ENTRIES[key]

    def run(store: Any) -> None:
        try:
            value = fn(store, *[params[i](args[i]) for i in range(nargs)])
            if result is not None:
                result.convert_to_c(store, value, results)
        except KeyboardInterrupt:  # not an Exception: it would escape the callback and be lost
            raise interrupted from None

    return int(catch_exceptions(context, run))


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # type: ignore[untyped-decorator]
def _finalize(key: int | None) -> None:
    _ENTRIES.pop(key or 0, None)


_next_key = [1]


def add_func(instance: LinkerInstance, name: str, fn: Callable[..., Any], fty: FuncType,
             interrupted: type[Exception]) -> None:
    """Define `name` in `instance` as `fn(store, *args)` of type `fty` (what `LinkerInstance.add_func` takes);
    Ctrl-C during the call is raised as `interrupted` (wasmtime-py passes on only Exceptions)."""
    key = _next_key[0]
    _next_key[0] += 1
    result = fty.result
    _ENTRIES[key] = (fn, [freeze(t).convert_from_c for _, t in fty.params],
                     freeze(result) if result is not None else None, interrupted)
    encoded = name.encode()
    error = ffi.wasmtime_component_linker_instance_add_func(
        instance.ptr(), ctypes.create_string_buffer(encoded), len(encoded), _trampoline, key, _finalize)
    if error:
        _ENTRIES.pop(key, None)
        raise WasmtimeError._from_ptr(error)
