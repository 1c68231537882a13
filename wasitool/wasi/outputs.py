"""The one place out-pointers are checked and results written, driven by the signature table.

An implementation takes a call's inputs (the arguments that are not out-pointers) and returns either
an errno (an int: nothing is written) or, on success, a tuple with one value per out-pointer in
`Signature.outputs` order (a struct kind's value is the tuple of its fields). `with_outputs` makes the
host function: it checks every out-pointer (inside memory, aligned to its kind) *before* the
implementation acts, EFAULT otherwise, then packs the values with `layouts.OUT_LAYOUTS`.

The hot calls (fd_write, fd_read, fd_pread, fd_pwrite, fd_seek, fd_tell, clock_time_get) are written by
hand with the same checks in the same order; tests/wasi/test_outputs.py runs them against this path.
"""

from __future__ import annotations

from collections.abc import Callable

from wasitool.typed import cast

from .constants import M32
from .errno import EFAULT
from .layouts import OUT_LAYOUTS
from .signatures import OUT_KINDS, Signature

Implementation = Callable[..., "int | tuple[object, ...]"]
HostFunction = Callable[..., int]

_SCALARS = frozenset({"u16", "u32", "u64"})


def with_outputs(impl: Implementation, sig: Signature, view: Callable[[], memoryview]) -> HostFunction:
    """The host function for `impl` (see the module docstring): all arguments in, errno out."""
    inputs = sig.inputs()
    outs = tuple((sig.index(name), OUT_LAYOUTS[kind], *OUT_KINDS[kind], kind in _SCALARS)
                 for name, kind in sig.outputs)

    def call(*args: int) -> int:
        size = len(view())
        for index, _layout, length, align, _scalar in outs:
            ptr = args[index] & M32
            if ptr & (align - 1) or ptr + length > size:
                return EFAULT
        result = impl(*[args[i] for i in inputs])
        if isinstance(result, int):
            return result
        mem = view()
        for (index, layout, _length, _align, scalar), value in zip(outs, result, strict=True):
            if scalar:
                layout.pack_into(mem, args[index] & M32, value)
            else:
                layout.pack_into(mem, args[index] & M32, *cast("tuple[int, ...]", value))
        return 0

    call.__name__ = sig.name
    call.__doc__ = impl.__doc__
    return call
