"""Host functions for wasmtime-py through wasmtime's unchecked C entry point (the fast path).

Why: wasmtime-py's public `Func` routes every wasm -> Python call through one pure-Python trampoline
that builds a `Caller`, boxes each parameter in a `Val` and converts the result through ctypes type
lookups. Measured per call with fd_write's shape (4 x i32 -> i32), wasmtime-py 50.0.1, x86-64, best of 3
x 200k calls (bench/hostcall.py and this module's own variants):

    path                                                   Python 3.11   Python 3.10
    Func, empty body                                       ~9.9 us       ~13.4 us
    wasmtime_func_new_unchecked, POINTER-typed callback    ~0.70 us      ~0.82 us
    ... void*-typed callback, struct-unpacked frame (here)  ~0.43 us      ~0.50 us

Here each import is created with `wasmtime_func_new_unchecked`: wasmtime calls a ctypes callback with
a pointer to the `wasmtime_val_raw_t` array (16 bytes per slot, little-endian, params in, results out
from slot 0); the callback unpacks the params with one precompiled `struct.Struct` (i32 and i64 arrive
signed, as `Func` gives them), calls the WASI function and stores its result through a ctypes `c_int32`
/ `c_int64` field (wrapping like `Val.i32`/`Val.i64`; a non-int result is a `TypeError`, as with `Func`).

This relies on non-public parts of wasmtime-py (`wasmtime._ffi`: `dll`, `wasmtime_func_t`,
`wasmtime_trap_new`; `Func._from_raw`; `Store._context`; `FuncType.ptr`) and on the layout of
`wasmtime_val_raw_t`, so it is used only with the wasmtime-py major version verified here
(`VERIFIED_MAJOR`); anything else falls back to `Func` (`unavailable_reason` says why).

Exceptions: a callback must not let a Python exception escape into wasmtime. Any `BaseException`
(`ProcExit`, a bug, `KeyboardInterrupt`) is stashed in the store's `HostCalls` and a trap is returned,
which unwinds the guest; the caller of the export then re-raises the stashed exception (`reraise`)
instead of the trap, so `proc_exit` codes and internal errors are exactly what `Func` gives.

Ctrl-C: a KeyboardInterrupt raised in the callback's own frame (outside its `try`) or in `_trap` would
escape into ctypes, which prints "Exception ignored on calling ctypes callback function"; during a run
the SIGINT handler defers such a signal (`in_binding_glue`, used by `epoch_watch`).

Lifetime: wasmtime keeps a raw pointer to each ctypes callback thunk, so the thunks are owned by the
`HostStore` (a `wasmtime.Store` subclass) and live exactly as long as it; no finalizer is registered
(wasmtime accepts NULL), so deleting a store never calls back into Python, even at interpreter exit.
"""

from __future__ import annotations

import ctypes
import functools
import os
import struct
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import wasmtime

VERIFIED_MAJOR = 50  # wasmtime-py major version whose private bindings this module was checked against
SLOT_SIZE = 16  # sizeof(wasmtime_val_raw_t)

# size_t callback(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results, size_t n):
# declared with void* arguments, which ctypes hands over as plain ints (cheaper than POINTER objects).
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_PARAM_FORMATS = {"i32": "i12x", "i64": "q8x"}  # one slot: the value, then the rest of the 16 bytes
_RESULT_TYPES = {"i32": ctypes.c_int32, "i64": ctypes.c_int64}
_TRAP_MESSAGE = b"python exception"
_DATA_SIZE = ctypes.PYFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p)
_NO_FINALIZER = ctypes.cast(0, ctypes.CFUNCTYPE(None, ctypes.c_void_p))
_FRAMES: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[Callable[..., tuple[int, ...]], Any]] = {}


def _check_bindings() -> str | None:
    """None if the installed wasmtime-py is the verified major version with the expected private API."""
    site = os.path.dirname(os.path.dirname(wasmtime.__file__))
    try:
        versions = [n[len("wasmtime-"):-len(".dist-info")] for n in os.listdir(site)
                    if n.startswith("wasmtime-") and n.endswith(".dist-info")]
    except OSError as exc:
        return f"cannot list {site}: {exc.strerror}"
    if len(versions) != 1:
        return f"cannot tell the wasmtime-py version (dist-info found: {versions or 'none'})"
    if versions[0].split(".")[0] != str(VERIFIED_MAJOR):
        return f"wasmtime-py {versions[0]} is not the verified {VERIFIED_MAJOR}.x"
    try:
        from wasmtime import _ffi as ffi

        ffi.dll.wasmtime_func_new_unchecked  # noqa: B018 - the C symbol must exist
        ffi.dll.wasmtime_trap_new  # noqa: B018
        missing = [name for name in ("wasmtime_func_t", "wasmtime_val_raw") if not hasattr(ffi, name)]
        missing += [f"{cls.__name__}.{attr}" for cls, attr in ((wasmtime.Func, "_from_raw"),
                    (wasmtime.Store, "_context"), (wasmtime.FuncType, "ptr")) if not hasattr(cls, attr)]
    except (ImportError, AttributeError) as exc:
        return f"wasmtime-py's private bindings differ: {exc}"
    if missing:
        return f"wasmtime-py's private bindings differ: no {', '.join(missing)}"
    if ctypes.sizeof(ffi.wasmtime_val_raw) != SLOT_SIZE:
        return f"wasmtime_val_raw_t is {ctypes.sizeof(ffi.wasmtime_val_raw)} bytes, not {SLOT_SIZE}"
    return None


_UNAVAILABLE: list[str | None] = []


def unavailable_reason() -> str | None:
    """Why the unchecked path cannot be used here (None: it can); checked once per process."""
    if not _UNAVAILABLE:
        _UNAVAILABLE.append(_check_bindings())
    return _UNAVAILABLE[0]


def supports(params: Sequence[str], results: Sequence[str]) -> bool:
    """Whether a function type is one the fast path handles (integer params, at most one integer result)."""
    return all(p in _PARAM_FORMATS for p in params) and len(results) <= 1 and all(
        r in _RESULT_TYPES for r in results)


def _frame(params: tuple[str, ...], results: tuple[str, ...]) -> tuple[Callable[..., tuple[int, ...]], Any]:
    """(unpack params from a frame, ctypes frame type's `from_address`) for one function type, cached.

    The frame is the callback's `wasmtime_val_raw_t` array: a ctypes Structure with the result field at
    offset 0 (or a plain byte array when there is no result), padded to the whole array.
    """
    key = (params, results)
    if key not in _FRAMES:
        unpack = struct.Struct("<" + "".join(_PARAM_FORMATS[p] for p in params)).unpack_from
        size = SLOT_SIZE * max(len(params), len(results), 1)
        if results:
            result_type = _RESULT_TYPES[results[0]]
            frame_type: Any = type("Frame", (ctypes.Structure,), {"_fields_": [
                ("result", result_type), ("rest", ctypes.c_char * (size - ctypes.sizeof(result_type)))]})
        else:
            frame_type = ctypes.c_char * size
        _FRAMES[key] = (unpack, frame_type.from_address)
    return _FRAMES[key]


class HostCalls:
    """The ctypes callbacks of one store, and the exception a callback raised (until `reraise`)."""

    __slots__ = ("_ffi", "callbacks", "pending")

    def __init__(self) -> None:
        from wasmtime import _ffi

        self._ffi = _ffi
        self.callbacks: list[Any] = []  # thunks wasmtime points to: must outlive the store's use
        self.pending: BaseException | None = None

    def func(self, store: wasmtime.Store, ftype: wasmtime.FuncType, params: Sequence[str],
             results: Sequence[str], fn: Callable[..., Any]) -> wasmtime.Func:
        """A `Func` in `store` calling `fn(*params)`; the types must pass `supports`."""
        ffi = self._ffi
        callback = _CALLBACK(self._callback(fn, params, results))
        raw = ffi.wasmtime_func_t()
        # The bindings declare the callback with POINTER arguments; same C ABI, so cast the thunk.
        ffi.wasmtime_func_new_unchecked(store._context(), ftype.ptr(),
                                        ctypes.cast(callback, ffi.wasmtime_func_unchecked_callback_t),
                                        None, _NO_FINALIZER, ctypes.byref(raw))
        self.callbacks.append(callback)
        return wasmtime.Func._from_raw(raw)

    def _callback(self, fn: Callable[..., Any], params: Sequence[str],
                  results: Sequence[str]) -> Callable[[int | None, int | None, int, int], int]:
        unpack, frame_at = _frame(tuple(params), tuple(results))
        trap = self._trap

        if results:
            def callback(_env: int | None, _caller: int | None, args: int, _n: int) -> int:
                try:
                    frame = frame_at(args)
                    frame.result = fn(*unpack(frame))
                    return 0
                except BaseException as exc:
                    return trap(exc)
        else:
            def callback(_env: int | None, _caller: int | None, args: int, _n: int) -> int:
                try:
                    if fn(*unpack(frame_at(args))) is not None:
                        raise TypeError(f"host function {getattr(fn, '__name__', fn)} returned a value "
                                        "but its wasm type has no results")
                    return 0
                except BaseException as exc:
                    return trap(exc)

        return callback

    def _trap(self, exc: BaseException) -> int:
        """Stash `exc` and return a new trap (owned by wasmtime from here) for the callback to return."""
        if self.pending is None:
            self.pending = exc
        message = ctypes.create_string_buffer(_TRAP_MESSAGE)
        trap = self._ffi.wasmtime_trap_new(message, len(_TRAP_MESSAGE))
        return ctypes.cast(trap, ctypes.c_void_p).value or 0

    def reraise(self) -> None:
        """Raise the exception a callback stashed, if any (after the call into wasm has returned)."""
        exc = self.pending
        if exc is not None:
            self.pending = None
            raise exc


_WRAPPERS = {(__name__, "callback"), ("wasmtime._func", "trampoline")}  # (module, function): the ctypes callbacks
_GLUE = (__name__, "wasmtime", "ctypes")  # modules whose frames run inside a callback but outside its `try`


def in_binding_glue(frame: FrameType) -> bool:
    """Whether a KeyboardInterrupt raised in `frame` would escape a host-call callback (this module's or
    wasmtime-py's `Func` trampoline) rather than reach its `except`: `frame` is the callback's own frame
    (before its `try`, in its handler) or runs under it in binding code (`_trap`, a `Val` conversion)."""
    child: FrameType | None = None
    current: FrameType | None = frame
    while current is not None:
        code = current.f_code
        if (current.f_globals.get("__name__"), code.co_name) in _WRAPPERS:
            if child is None:
                return True
            module = child.f_globals.get("__name__") or ""
            return any(module == glue or module.startswith(glue + ".") for glue in _GLUE)
        child, current = current, current.f_back
    return False


def data_size_function(store: wasmtime.Store, memory: wasmtime.Memory) -> Callable[[], int]:
    """`memory.data_len(store)` as one direct C call: ~0.2 us instead of ~0.65 us (Python 3.11).

    `wasmtime_memory_data_size(const wasmtime_context_t*, const wasmtime_memory_t*)` is public C API; the
    pointers come from wasmtime-py internals (`Store._context`, `Memory._memory`), valid while both
    objects live: the caller must keep them. Called without releasing the GIL (it cannot block).
    """
    from wasmtime import _ffi as ffi

    address = ctypes.cast(ffi.dll.wasmtime_memory_data_size, ctypes.c_void_p).value
    assert address is not None  # a function the loaded library exports
    data_size = _DATA_SIZE(address)
    context = ctypes.c_void_p(ctypes.cast(store._context(), ctypes.c_void_p).value)
    raw_memory = ctypes.c_void_p(ctypes.addressof(memory._memory))
    return functools.partial(data_size, context, raw_memory)


class HostStore(wasmtime.Store):
    """A `wasmtime.Store` that owns the `HostCalls` (and so the callback thunks) of its functions."""

    def __init__(self, engine: wasmtime.Engine) -> None:
        super().__init__(engine)
        self.host_calls = HostCalls()
