"""The fd_* calls: stdio and file I/O, seeking, fdstat/filestat, prestat, readdir, renumber."""

from __future__ import annotations

import os

from .base import ContextBase, check_flags, denied, filestat, new_times, span
from .constants import (
    ADVICE_MAX,
    ALL_FDFLAGS,
    ALL_RIGHTS,
    FDFLAG_APPEND,
    FDFLAG_DSYNC,
    FDFLAG_NONBLOCK,
    FDFLAG_RSYNC,
    FDFLAG_SYNC,
    FILETYPE_DIRECTORY,
    I64_MAX,
    M32,
    M64,
    PREOPENTYPE_DIR,
    RIGHT_FD_ADVISE,
    RIGHT_FD_ALLOCATE,
    RIGHT_FD_DATASYNC,
    RIGHT_FD_FDSTAT_SET_FLAGS,
    RIGHT_FD_FILESTAT_GET,
    RIGHT_FD_FILESTAT_SET_SIZE,
    RIGHT_FD_FILESTAT_SET_TIMES,
    RIGHT_FD_READ,
    RIGHT_FD_READDIR,
    RIGHT_FD_SEEK,
    RIGHT_FD_SYNC,
    RIGHT_FD_TELL,
    RIGHT_FD_WRITE,
)
from .errno import EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOTCAPABLE, ENOTSUP, ErrnoError
from .guard import errno_of
from .iovec import MAX_TRANSFER, iov_buffers, pread_buffers, pwrite_buffers, write_buffers, write_rest
from .layouts import IOVEC, U32, U64

_iov = IOVEC.unpack_from
_write = os.write
_readv = os.readv
# Not on every host (Windows has neither): then the call takes pread_buffers / pwrite_buffers' way.
_preadv = getattr(os, "preadv", None)
_pwrite = getattr(os, "pwrite", None)
_u32_pack = U32.pack_into
_u64_pack = U64.pack_into
_PREAD = RIGHT_FD_READ | RIGHT_FD_SEEK
_PWRITE = RIGHT_FD_WRITE | RIGHT_FD_SEEK
_SYNC_FLAGS = FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC
_ADVICE = tuple(getattr(os, n, None) for n in ("POSIX_FADV_NORMAL", "POSIX_FADV_SEQUENTIAL", "POSIX_FADV_RANDOM",
                                                "POSIX_FADV_WILLNEED", "POSIX_FADV_DONTNEED", "POSIX_FADV_NOREUSE"))


def _u64_arg(value: int) -> int:
    """A u64 (filesize) argument, EINVAL when it does not fit a host off_t."""
    value &= M64
    if value > I64_MAX:
        raise ErrnoError(EINVAL)
    return value


class FdCalls(ContextBase):
    """Operations on open fds."""

    # The hot calls check their out-pointer first (inside memory, aligned: EFAULT), then the fd, then act,
    # in the order `outputs.with_outputs` gives the other calls (tests/wasi/test_outputs.py holds them to it).

    def fd_write(self, fd: int, iovs: int, iovs_len: int, nwritten: int) -> int:
        """Hot: guards itself. Writes each iovec fully with os.write (no Python buffering)."""
        try:
            iovs &= M32
            nwritten &= M32
            # The last view must cover the iovec (8 bytes) and nwritten (4), then the buffer; else a fresh
            # one (the memory may have grown since).
            mem = self._mem
            size = len(mem)
            if iovs + 8 > size or nwritten + 4 > size:
                mem = self._fresh_view()
                size = len(mem)
                if nwritten + 4 > size:
                    return EFAULT
            if nwritten & 3:
                return EFAULT
            desc = self._fds[fd]
            if not desc.rights_base & RIGHT_FD_WRITE:
                return denied(desc, RIGHT_FD_WRITE)
            if iovs_len == 1:  # the common case, without the loop machinery
                if iovs & 3:
                    return EFAULT
                ptr, length = _iov(mem, iovs)
                done = 0
                if length:  # an empty iovec's pointer is not looked at (as in iov_buffers)
                    end = ptr + length
                    if end > size:  # the whole buffer must be in memory, as in iov_buffers
                        mem = self._fresh_view()
                        if end > len(mem):
                            return EFAULT
                    if length > MAX_TRANSFER:
                        length = MAX_TRANSFER
                        end = ptr + length
                    host_fd = desc.host_fd
                    done = _write(host_fd, mem[ptr:end])
                    if done < length:
                        done = write_rest(host_fd, mem[ptr:end], done)
            else:
                mem = self._memory.view()
                done = write_buffers(desc.host_fd, iov_buffers(mem, iovs, iovs_len))
            _u32_pack(mem, nwritten, done)
            return 0
        except KeyError:
            return EBADF
        except Exception as exc:
            return errno_of(exc)

    def fd_read(self, fd: int, iovs: int, iovs_len: int, nread: int) -> int:
        """Hot: guards itself. Reads straight into guest memory (one readv)."""
        try:
            iovs &= M32
            nread &= M32
            mem = self._mem
            size = len(mem)
            if iovs + 8 > size or nread + 4 > size:
                mem = self._fresh_view()
                size = len(mem)
                if nread + 4 > size:
                    return EFAULT
            if nread & 3:
                return EFAULT
            desc = self._fds[fd]
            if not desc.rights_base & RIGHT_FD_READ:
                return denied(desc, RIGHT_FD_READ)
            if iovs_len == 1:  # as in fd_write
                if iovs & 3:
                    return EFAULT
                ptr, length = _iov(mem, iovs)
                count = 0
                if length:  # an empty iovec's pointer is not looked at (as in iov_buffers)
                    end = ptr + length
                    if end > size:  # the whole buffer must be in memory, as in iov_buffers
                        mem = self._fresh_view()
                        if end > len(mem):
                            return EFAULT
                    if length > MAX_TRANSFER:
                        length = MAX_TRANSFER
                        end = ptr + length
                    count = _readv(desc.host_fd, [mem[ptr:end]])
            else:
                mem = self._memory.view()
                bufs = iov_buffers(mem, iovs, iovs_len)
                count = _readv(desc.host_fd, bufs) if bufs else 0
            _u32_pack(mem, nread, count)
            return 0
        except KeyError:
            return EBADF
        except Exception as exc:
            return errno_of(exc)

    def fd_seek(self, fd: int, offset: int, whence: int, newoffset: int) -> int:
        """Hot: guards itself. `offset` is a signed filedelta."""
        try:
            newoffset &= M32
            mem = self._mem
            if newoffset + 8 > len(mem):
                mem = self._fresh_view()
            if newoffset & 7 or newoffset + 8 > len(mem):
                return EFAULT
            desc = self._fds.get(fd)
            if desc is None:
                return EBADF
            if not 0 <= whence <= 2:
                return EINVAL
            if offset > I64_MAX:
                offset -= 1 << 64
            rights = desc.rights_base
            if not (rights & RIGHT_FD_SEEK or (offset == 0 and whence == 1 and rights & RIGHT_FD_TELL)):
                return denied(desc, RIGHT_FD_SEEK)
            # WASI whence 0/1/2 are SEEK_SET/SEEK_CUR/SEEK_END, which POSIX numbers the same.
            _u64_pack(mem, newoffset, os.lseek(desc.host_fd, offset, whence))
            return 0
        except Exception as exc:
            return errno_of(exc)

    def fd_tell(self, fd: int, offset: int) -> int:
        """Hot: guards itself."""
        try:
            offset &= M32
            mem = self._mem
            if offset + 8 > len(mem):
                mem = self._fresh_view()
            if offset & 7 or offset + 8 > len(mem):
                return EFAULT
            desc = self._fds.get(fd)
            if desc is None:
                return EBADF
            if not desc.rights_base & RIGHT_FD_TELL:
                return denied(desc, RIGHT_FD_TELL)
            _u64_pack(mem, offset, os.lseek(desc.host_fd, 0, os.SEEK_CUR))
            return 0
        except Exception as exc:
            return errno_of(exc)

    def fd_pread(self, fd: int, iovs: int, iovs_len: int, offset: int, nread: int) -> int:
        """Hot: guards itself. Reads at `offset` straight into guest memory (one preadv), as fd_read; the
        file position stays."""
        try:
            iovs &= M32
            nread &= M32
            mem = self._mem
            size = len(mem)
            if iovs + 8 > size or nread + 4 > size:
                mem = self._fresh_view()
                size = len(mem)
                if nread + 4 > size:
                    return EFAULT
            if nread & 3:
                return EFAULT
            desc = self._fds[fd]
            if desc.rights_base & _PREAD != _PREAD:
                return denied(desc, _PREAD)
            if not 0 <= offset <= I64_MAX:  # a signed i64 from the engine; beyond a host off_t
                return EINVAL
            if iovs_len == 1:  # as in fd_read
                if iovs & 3:
                    return EFAULT
                ptr, length = _iov(mem, iovs)
                count = 0
                if length:  # an empty iovec's pointer is not looked at (as in iov_buffers)
                    end = ptr + length
                    if end > size:
                        mem = self._fresh_view()
                        if end > len(mem):
                            return EFAULT
                    if length > MAX_TRANSFER:
                        end = ptr + MAX_TRANSFER
                    if _preadv is None:
                        count = pread_buffers(desc.host_fd, [mem[ptr:end]], offset)
                    else:
                        count = _preadv(desc.host_fd, [mem[ptr:end]], offset)
            else:
                mem = self._memory.view()
                count = pread_buffers(desc.host_fd, iov_buffers(mem, iovs, iovs_len), offset)
            _u32_pack(mem, nread, count)
            return 0
        except KeyError:
            return EBADF
        except Exception as exc:
            return errno_of(exc)

    def fd_pwrite(self, fd: int, iovs: int, iovs_len: int, offset: int, nwritten: int) -> int:
        """Hot: guards itself. Writes each iovec fully at `offset` (pwrite), as fd_write; the file
        position stays."""
        try:
            iovs &= M32
            nwritten &= M32
            mem = self._mem
            size = len(mem)
            if iovs + 8 > size or nwritten + 4 > size:
                mem = self._fresh_view()
                size = len(mem)
                if nwritten + 4 > size:
                    return EFAULT
            if nwritten & 3:
                return EFAULT
            desc = self._fds[fd]
            if desc.rights_base & _PWRITE != _PWRITE:
                return denied(desc, _PWRITE)
            if not 0 <= offset <= I64_MAX:
                return EINVAL
            if iovs_len == 1:  # as in fd_write
                if iovs & 3:
                    return EFAULT
                ptr, length = _iov(mem, iovs)
                done = 0
                if length:
                    end = ptr + length
                    if end > size:
                        mem = self._fresh_view()
                        if end > len(mem):
                            return EFAULT
                    if length > MAX_TRANSFER:
                        length = MAX_TRANSFER
                        end = ptr + length
                    chunk = mem[ptr:end]
                    if _pwrite is None:
                        done = pwrite_buffers(desc.host_fd, [chunk], offset)
                    else:
                        done = _pwrite(desc.host_fd, chunk, offset)
                        if done < length:  # finish it as pwrite_buffers does
                            done += pwrite_buffers(desc.host_fd, [chunk[done:]], offset + done)
            else:
                mem = self._memory.view()
                done = pwrite_buffers(desc.host_fd, iov_buffers(mem, iovs, iovs_len), offset)
            _u32_pack(mem, nwritten, done)
            return 0
        except KeyError:
            return EBADF
        except Exception as exc:
            return errno_of(exc)

    def fd_close(self, fd: int) -> int:
        desc = self._table.remove(fd)
        if desc is None:
            return EBADF
        desc.close()
        return 0

    def fd_renumber(self, fd: int, to: int) -> int:
        fds = self._fds
        if fd not in fds or to not in fds:
            return EBADF
        self._table.renumber(fd, to)
        return 0

    def fd_fdstat_get(self, fd: int) -> tuple[tuple[int, int, int, int]]:
        desc = self._desc(fd, 0)
        return ((desc.filetype, desc.fdflags, desc.rights_base, desc.rights_inheriting),)

    def fd_fdstat_set_flags(self, fd: int, flags: int) -> int:
        desc = self._desc(fd, RIGHT_FD_FDSTAT_SET_FLAGS)
        check_flags(flags, ALL_FDFLAGS)
        if flags & _SYNC_FLAGS != desc.fdflags & _SYNC_FLAGS:
            return EINVAL  # as the wasmtime CLI: the sync flags are fixed when the file is opened
        import fcntl

        host = fcntl.fcntl(desc.host_fd, fcntl.F_GETFL) & ~(os.O_APPEND | os.O_NONBLOCK)
        if flags & FDFLAG_APPEND:
            host |= os.O_APPEND
        if flags & FDFLAG_NONBLOCK:
            host |= os.O_NONBLOCK
        fcntl.fcntl(desc.host_fd, fcntl.F_SETFL, host)
        desc.fdflags = flags
        return 0

    def fd_fdstat_set_rights(self, fd: int, fs_rights_base: int, fs_rights_inheriting: int) -> int:
        desc = self._desc(fd, 0)
        if desc.inherited:  # as the wasmtime CLI: stdio rights are fixed
            return EBADF
        base = fs_rights_base & M64
        inheriting = fs_rights_inheriting & M64
        if base & ~desc.rights_base or inheriting & ~desc.rights_inheriting:
            return ENOTCAPABLE
        desc.rights_base = base & ALL_RIGHTS
        desc.rights_inheriting = inheriting & ALL_RIGHTS
        return 0

    def fd_filestat_get(self, fd: int) -> tuple[tuple[int, ...]]:
        desc = self._fds.get(fd)
        if desc is None or not desc.inherited:
            desc = self._desc(fd, RIGHT_FD_FILESTAT_GET)
        if desc.inherited:  # the host's stream: its filetype, nothing of the file behind it (as wasmtime)
            return ((0, 0, desc.filetype, 0, 0, 0, 0, 0),)
        return (filestat(os.fstat(desc.host_fd)),)

    def fd_filestat_set_size(self, fd: int, size: int) -> int:
        desc = self._desc(fd, RIGHT_FD_FILESTAT_SET_SIZE)
        os.ftruncate(desc.host_fd, _u64_arg(size))
        return 0

    def fd_filestat_set_times(self, fd: int, atim: int, mtim: int, fst_flags: int) -> int:
        desc = self._desc(fd, RIGHT_FD_FILESTAT_SET_TIMES)
        host_fd = desc.host_fd
        os.utime(host_fd, ns=new_times(atim, mtim, fst_flags, lambda: os.fstat(host_fd)))
        return 0

    def fd_advise(self, fd: int, offset: int, len: int, advice: int) -> int:
        desc = self._desc(fd, RIGHT_FD_ADVISE)
        if not 0 <= advice <= ADVICE_MAX:
            return EINVAL
        offset, length = _u64_arg(offset), _u64_arg(len)
        host_advice = _ADVICE[advice]
        if host_advice is not None and hasattr(os, "posix_fadvise") and desc.filetype != FILETYPE_DIRECTORY:
            os.posix_fadvise(desc.host_fd, offset, length, host_advice)
        return 0

    def fd_allocate(self, fd: int, offset: int, len: int) -> int:
        """ENOTSUP after the checks, as the wasmtime CLI: preallocation would let a guest fill the host's
        disk with one call (posix_fallocate reserves real blocks; fd_filestat_set_size makes a sparse file)."""
        self._desc(fd, RIGHT_FD_ALLOCATE)
        _u64_arg(offset), _u64_arg(len)
        return ENOTSUP

    def fd_datasync(self, fd: int) -> int:
        desc = self._desc(fd, RIGHT_FD_DATASYNC)
        getattr(os, "fdatasync", os.fsync)(desc.host_fd)
        return 0

    def fd_sync(self, fd: int) -> int:
        desc = self._desc(fd, RIGHT_FD_SYNC)
        os.fsync(desc.host_fd)
        return 0

    def fd_prestat_get(self, fd: int) -> int | tuple[tuple[int, int]]:
        desc = self._fds.get(fd)
        if desc is None or desc.guest_name is None:
            return EBADF
        return ((PREOPENTYPE_DIR, len(desc.guest_name.encode())),)

    def fd_prestat_dir_name(self, fd: int, path: int, path_len: int) -> int:
        desc = self._fds.get(fd)
        if desc is None or desc.guest_name is None:
            return EBADF
        name = desc.guest_name.encode()
        if path_len & M32 < len(name):
            return ENAMETOOLONG
        span(self._memory.view(), path, len(name))[:] = name
        return 0

    def fd_readdir(self, fd: int, buf: int, buf_len: int, cookie: int) -> int | tuple[int]:
        desc = self._fds.get(fd)
        if desc is None or desc.inherited:
            return EBADF
        if desc.filetype != FILETYPE_DIRECTORY:  # not a directory descriptor: EBADF, as the wasmtime CLI
            return EBADF
        if not desc.rights_base & RIGHT_FD_READDIR:
            return ENOTCAPABLE
        out = span(self._memory.view(), buf, buf_len)
        cookie &= M64
        cache = desc.dir_cache
        if cache is None or cookie == 0:
            from .readdir import build_listing  # only guests that list a directory import it

            cache = desc.dir_cache = build_listing(desc.host_fd, desc.root_id)
        blob, offsets = cache
        start = offsets[cookie] if cookie < len(offsets) else len(blob)
        chunk = blob[start:start + len(out)]
        used = len(chunk)
        out[:used] = chunk
        return (used,)
