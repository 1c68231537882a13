"""State and helpers shared by the families of host calls (mixed into `WasiContext`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from wasitool.typed import TYPE_CHECKING

from .constants import (
    ALL_FSTFLAGS,
    FILETYPE_DIRECTORY,
    FST_ATIM,
    FST_ATIM_NOW,
    FST_MTIM,
    FST_MTIM_NOW,
    M32,
    M64,
    RIGHT_FD_SEEK,
    RIGHT_FD_TELL,
)
from .errno import EBADF, EFAULT, EILSEQ, EINVAL, ENOTCAPABLE, ENOTDIR, ESPIPE, ErrnoError
from .fdtable import FdTable, FileDesc, filetype_of

if TYPE_CHECKING:
    from .memory import GuestMemory

_SEEKING = RIGHT_FD_SEEK | RIGHT_FD_TELL


_NO_VIEW = memoryview(b"")


class _NoMemory:
    """Placeholder until `bind_memory`: every access is a fault."""

    def view(self) -> memoryview:
        raise ErrnoError(EFAULT)


class ContextBase:
    """The fd table and the bound memory; helpers raise `ErrnoError` for the guard to return.

    The hot calls read guest memory through `_mem`, the last view of a memory whose base never moves
    (`GuestMemory.fixed_base`), and ask the memory again (`_fresh_view`) only when an access lies beyond it:
    after a `memory.grow` the old view is still a valid prefix. For other memories `_mem` stays empty,
    so every access asks the memory.
    """

    _memory: GuestMemory
    _mem: memoryview
    _fixed_base: bool
    _table: FdTable
    _fds: dict[int, FileDesc]

    def _init_base(self, table: FdTable) -> None:
        self.bind_memory(_NoMemory())
        self._table = table
        self._fds = table.fds

    def bind_memory(self, memory: GuestMemory) -> None:
        """Use `memory` (the instance's exported memory) for every later host call."""
        self._memory = memory
        self._mem = _NO_VIEW
        self._fixed_base = getattr(memory, "fixed_base", False)

    def _fresh_view(self) -> memoryview:
        """The memory's current view, kept in `_mem` if its base is fixed (the caller checks its length:
        EFAULT beyond it)."""
        mem = self._memory.view()
        if self._fixed_base:
            self._mem = mem
        return mem

    def _desc(self, fd: int, rights: int) -> FileDesc:
        """The open fd `fd` holding all of `rights` (EBADF / ENOTCAPABLE otherwise, `denied`)."""
        desc = self._fds.get(fd)
        if desc is None:
            raise ErrnoError(EBADF)
        if desc.rights_base & rights != rights:
            raise ErrnoError(denied(desc, rights))
        return desc

    def _dir(self, fd: int, rights: int) -> FileDesc:
        """Like `_desc`, and the fd must be a directory (ENOTDIR)."""
        desc = self._fds.get(fd)
        if desc is None or desc.inherited:  # stdio is no directory: EBADF, as the wasmtime CLI
            raise ErrnoError(EBADF)
        if desc.filetype != FILETYPE_DIRECTORY:
            raise ErrnoError(ENOTDIR)
        if desc.rights_base & rights != rights:
            raise ErrnoError(ENOTCAPABLE)
        return desc


def denied(desc: FileDesc, rights: int) -> int:
    """The errno for a call needing `rights` that `desc` lacks: ENOTCAPABLE, except on an inherited stdio
    stream, which answers as the wasmtime CLI does: ESPIPE when only seeking is missing, else EBADF."""
    if not desc.inherited:
        return ENOTCAPABLE
    missing = rights & ~desc.rights_base
    return ESPIPE if missing and not missing & ~_SEEKING else EBADF


def span(mem: memoryview, ptr: int, length: int) -> memoryview:
    """`mem[ptr:ptr+length]` for guest u32 values, EFAULT if out of bounds."""
    ptr &= M32
    length &= M32
    end = ptr + length
    if end > len(mem):
        raise ErrnoError(EFAULT)
    return mem[ptr:end]


def read_str(mem: memoryview, ptr: int, length: int) -> str:
    """A guest path or string: UTF-8, else EILSEQ (as the wasmtime CLI, which reads every path as a
    string before anything else, so EILSEQ comes before a bad fd)."""
    try:
        return str(span(mem, ptr, length), "utf-8")
    except UnicodeDecodeError:
        raise ErrnoError(EILSEQ) from None


def check_flags(value: int, allowed: int) -> int:
    """`value` if it sets only `allowed` bits, else EINVAL."""
    if value & ~allowed:
        raise ErrnoError(EINVAL)
    return value


def filestat(st: os.stat_result) -> tuple[int, ...]:
    """A host stat result as the fields of a WASI filestat (dev, ino, filetype, nlink, size, a/m/ctim)."""
    return (st.st_dev & M64, st.st_ino & M64, filetype_of(st.st_mode), st.st_nlink, st.st_size,
            st.st_atime_ns & M64, st.st_mtime_ns & M64, st.st_ctime_ns & M64)


def new_times(atim: int, mtim: int, fst_flags: int, current: Callable[[], os.stat_result]) -> tuple[int, int]:
    """The (atime, mtime) ns pair for `utime` from WASI fstflags; `current` gives what to keep."""
    check_flags(fst_flags, ALL_FSTFLAGS)
    if (fst_flags & FST_ATIM and fst_flags & FST_ATIM_NOW) or (fst_flags & FST_MTIM and fst_flags & FST_MTIM_NOW):
        raise ErrnoError(EINVAL)
    now = time.time_ns()
    kept_a = kept_m = 0
    if not (fst_flags & (FST_ATIM | FST_ATIM_NOW) and fst_flags & (FST_MTIM | FST_MTIM_NOW)):
        kept = current()  # only when one of the times is kept
        kept_a, kept_m = kept.st_atime_ns, kept.st_mtime_ns
    a = atim & M64 if fst_flags & FST_ATIM else now if fst_flags & FST_ATIM_NOW else kept_a
    m = mtim & M64 if fst_flags & FST_MTIM else now if fst_flags & FST_MTIM_NOW else kept_m
    return a, m
