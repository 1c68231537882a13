"""strace-like tracing of host calls (`wasitool run --trace`).

Only when a trace stream is given are the host functions wrapped, so tracing costs nothing
when off. One line per call, written (and flushed) after the call returns:

    NAME(P1=V1, P2=V2, ...) -> ERRNO (ENAME)[, OUT1=W1, OUT2=W2 ...]

- parameters in witx order with their witx names; guest pointers (in or out) as lowercase
  hex with `0x`, every other value in decimal, as passed by the engine;
- ERRNO is the returned number, ENAME its name (`ESUCCESS`, `EBADF`, ...);
- only on success, each out-pointer parameter is repeated with the value the call wrote
  there: scalars in decimal; structs as `{field=value, ...}` (rights in hex):
  fdstat `{filetype, flags, rights_base, rights_inheriting}`, filestat
  `{dev, ino, filetype, nlink, size, atim, mtim, ctim}`, prestat `{tag, name_len}`.

Examples:

    fd_write(fd=1, iovs=0x10ff0, iovs_len=1, nwritten=0x10fec) -> 0 (ESUCCESS), nwritten=13
    fd_readdir(fd=3, buf=0x11000, buf_len=4096, cookie=0, bufused=0x10fec) -> 0 (ESUCCESS), bufused=4096
    fd_close(fd=9) -> 8 (EBADF)

`proc_exit` never returns; it is printed before it runs as `proc_exit(rval=N)`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TextIO

from .constants import M32
from .errno import errno_name
from .layouts import FDSTAT, FILESTAT, PRESTAT, U16, U32, U64
from .signatures import Signature

HostFunction = Callable[..., "int | None"]


def _fmt_fdstat(mem: memoryview, ptr: int) -> str:
    ft, flags, base, inh = FDSTAT.unpack_from(mem, ptr)
    return f"{{filetype={ft}, flags={flags}, rights_base={base:#x}, rights_inheriting={inh:#x}}}"


def _fmt_filestat(mem: memoryview, ptr: int) -> str:
    dev, ino, ft, nlink, size, atim, mtim, ctim = FILESTAT.unpack_from(mem, ptr)
    return (f"{{dev={dev}, ino={ino}, filetype={ft}, nlink={nlink}, size={size}, atim={atim}, "
            f"mtim={mtim}, ctim={ctim}}}")


def _fmt_prestat(mem: memoryview, ptr: int) -> str:
    tag, name_len = PRESTAT.unpack_from(mem, ptr)
    return f"{{tag={tag}, name_len={name_len}}}"


_FORMATTERS: dict[str, Callable[[memoryview, int], str]] = {
    "u16": lambda mem, ptr: str(U16.unpack_from(mem, ptr)[0]),
    "u32": lambda mem, ptr: str(U32.unpack_from(mem, ptr)[0]),
    "u64": lambda mem, ptr: str(U64.unpack_from(mem, ptr)[0]),
    "fdstat": _fmt_fdstat,
    "filestat": _fmt_filestat,
    "prestat": _fmt_prestat,
}


def format_call(sig: Signature, args: tuple[int, ...]) -> str:
    """`name(p=v, ...)` with pointers in hex."""
    parts = []
    for (pname, _), value in zip(sig.params, args, strict=False):
        parts.append(f"{pname}={(value & M32):#x}" if pname in sig.pointers else f"{pname}={value}")
    return f"{sig.name}({', '.join(parts)})"


def format_outputs(sig: Signature, args: tuple[int, ...], view: Callable[[], memoryview]) -> str:
    """`, out=value` for each out-pointer of a successful call (`?` if it cannot be read)."""
    if not sig.outputs:
        return ""
    try:
        mem = view()
    except Exception:
        return "".join(f", {pname}=?" for pname, _ in sig.outputs)
    parts = []
    for pname, kind in sig.outputs:
        ptr = args[sig.index(pname)] & M32
        try:
            parts.append(f", {pname}={_FORMATTERS[kind](mem, ptr)}")
        except (struct.error, ValueError):
            parts.append(f", {pname}=?")
    return "".join(parts)


def traced(fn: HostFunction, sig: Signature, view: Callable[[], memoryview], out: TextIO) -> HostFunction:
    """Wrap `fn` (already guarded) so that each call is printed to `out` after it returns."""
    if not sig.results:  # proc_exit: print first, it raises

        def traced_exit(*args: int) -> int | None:
            out.write(format_call(sig, args) + "\n")
            out.flush()
            return fn(*args)

        return traced_exit

    def traced_call(*args: int) -> int | None:
        result = fn(*args)
        code = int(result or 0)
        line = f"{format_call(sig, args)} -> {code} ({errno_name(code)})"
        if code == 0:
            line += format_outputs(sig, args, view)
        out.write(line + "\n")
        out.flush()
        return result

    return traced_call
