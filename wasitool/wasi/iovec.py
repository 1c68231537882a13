"""Guest iovec arrays -> host buffers, at a cost bounded by the bytes moved, not by the iovec count.

An iovec array may hold millions of entries (64 MiB of guest memory is 8 million iovecs, and zeroed
memory is free to the guest). The array is read through one u32 view of guest memory (no host object
per entry); runs of empty iovecs are skipped thousands at a time in C, without a look at their
pointers (as the wasmtime CLI and Linux do); at most `IOV_MAX` non-empty buffers and `MAX_TRANSFER`
bytes are taken per call. The rest is left for the guest's next call: a short transfer, which
preview1 (like POSIX readv/writev) allows and every libc handles. Only the buffers taken are
bounds-checked (EFAULT), all of them before any I/O.
"""

from __future__ import annotations

import os
import struct
import sys

from .constants import M32
from .errno import EFAULT, ErrnoError

IOV_MAX = 1024  # non-empty buffers per call: Linux's and wasi-libc's IOV_MAX
MAX_TRANSFER = 0x7FFF_F000  # bytes per call: Linux's MAX_RW_COUNT, what one read/write moves at most

_SCAN = 4096  # iovecs whose lengths are scanned at once for the next non-empty one
_LITTLE_ENDIAN = sys.byteorder == "little"  # then a "I" cast of guest memory reads wasm's u32s
_iter_iov = struct.Struct("<II").iter_unpack
_write = os.write


def iov_buffers(mem: memoryview, iovs: int, iovs_len: int) -> list[memoryview]:
    """Views of the non-empty guest buffers of the iovec array (`iovs`, `iovs_len`), in order, up to
    IOV_MAX buffers and MAX_TRANSFER bytes. EFAULT if the array or a taken buffer is outside `mem`."""
    iovs &= M32
    count = iovs_len & M32
    end = iovs + 8 * count
    size = len(mem)
    if end > size or iovs & 3:  # inside memory, aligned as its u32 fields (wasmtime fails a misaligned one)
        raise ErrnoError(EFAULT)
    if not _LITTLE_ENDIAN:
        return _iov_buffers_portable(mem, iovs, end)
    words = mem[iovs:end].cast("I")  # ptr, len, ptr, len, ...
    bufs: list[memoryview] = []
    room = MAX_TRANSFER
    i = 0
    scan = 16
    while i < count:
        # Skip empty iovecs in C: copy the next `scan` lengths, strip the leading zero bytes; `scan`
        # doubles (up to _SCAN) while only empty ones are found, so dense arrays copy little.
        stop = min(count, i + scan)
        lengths = words[2 * i + 1:2 * stop:2].tobytes()
        rest = lengths.lstrip(b"\0")
        if not rest:
            i = stop
            scan = min(scan * 2, _SCAN)
            continue
        scan = 16
        i += (len(lengths) - len(rest)) >> 2
        ptr, length = words[2 * i], words[2 * i + 1]
        if ptr + length > size:
            raise ErrnoError(EFAULT)
        if length >= room:
            bufs.append(mem[ptr:ptr + room])
            break
        bufs.append(mem[ptr:ptr + length])
        room -= length
        if len(bufs) == IOV_MAX:
            break
        i += 1
    return bufs


def _iov_buffers_portable(mem: memoryview, iovs: int, end: int) -> list[memoryview]:
    """`iov_buffers` for big-endian hosts: one struct.iter_unpack walk (no host object per entry)."""
    size = len(mem)
    bufs: list[memoryview] = []
    room = MAX_TRANSFER
    for ptr, length in _iter_iov(mem[iovs:end]):
        if not length:
            continue
        if ptr + length > size:
            raise ErrnoError(EFAULT)
        if length >= room:
            bufs.append(mem[ptr:ptr + room])
            break
        bufs.append(mem[ptr:ptr + length])
        room -= length
        if len(bufs) == IOV_MAX:
            break
    return bufs


def write_rest(host_fd: int, chunk: memoryview, done: int) -> int:
    """Finish a partial write of `chunk` (`done` bytes already written); returns the total written."""
    total = len(chunk)
    try:
        while done < total:
            count = _write(host_fd, chunk[done:])
            if count == 0:
                break
            done += count
    except BlockingIOError:
        if not done:
            raise
    return done


def write_buffers(host_fd: int, bufs: list[memoryview]) -> int:
    """Write `bufs` in order: one writev, then finish any partial write buffer by buffer."""
    if not bufs:
        return 0
    total = os.writev(host_fd, bufs)
    if total == sum(len(b) for b in bufs):
        return total
    skipped = 0
    for buf in bufs:
        if skipped + len(buf) <= total:
            skipped += len(buf)
            continue
        try:
            done = write_rest(host_fd, buf, total - skipped)
        except BlockingIOError:
            break
        total = skipped + done
        skipped = total
        if done < len(buf):
            break
    return total


def pwrite_buffers(host_fd: int, bufs: list[memoryview], offset: int) -> int:
    """Write `bufs` at `offset` (pwritev where the host has it), finishing partial writes."""
    total = 0
    if bufs and hasattr(os, "pwritev"):
        total = os.pwritev(host_fd, bufs, offset)
        if total == sum(len(b) for b in bufs):
            return total
    skipped = 0
    for buf in bufs:
        if skipped + len(buf) <= total:
            skipped += len(buf)
            continue
        buf = buf[total - skipped:]
        while len(buf):
            done = os.pwrite(host_fd, buf, offset + total)
            if not done:
                return total
            total += done
            buf = buf[done:]
        skipped = total
    return total


def pread_buffers(host_fd: int, bufs: list[memoryview], offset: int) -> int:
    """Read into `bufs` from `offset` (preadv where the host has it); returns the bytes read."""
    if not bufs:
        return 0
    if hasattr(os, "preadv"):
        return os.preadv(host_fd, bufs, offset)
    count = 0
    for buf in bufs:
        data = os.pread(host_fd, len(buf), offset + count)
        buf[:len(data)] = data
        count += len(data)
        if len(data) < len(buf):
            break
    return count
