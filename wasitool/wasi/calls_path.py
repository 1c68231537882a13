"""The path_* calls, each resolved inside its directory fd by `sandbox.resolve`."""

from __future__ import annotations

import os
import stat

from .base import ContextBase, check_flags, new_times, read_str, span, write_filestat
from .constants import (
    ALL_FDFLAGS,
    ALL_OFLAGS,
    ALL_RIGHTS,
    DIR_RIGHTS,
    FDFLAG_APPEND,
    FDFLAG_DSYNC,
    FDFLAG_NONBLOCK,
    FDFLAG_RSYNC,
    FDFLAG_SYNC,
    FILE_RIGHTS,
    FILETYPE_DIRECTORY,
    LOOKUP_SYMLINK_FOLLOW,
    M32,
    M64,
    OFLAG_CREAT,
    OFLAG_DIRECTORY,
    OFLAG_EXCL,
    OFLAG_TRUNC,
    RIGHT_FD_ALLOCATE,
    RIGHT_FD_FILESTAT_SET_SIZE,
    RIGHT_FD_READ,
    RIGHT_FD_READDIR,
    RIGHT_FD_WRITE,
    RIGHT_PATH_CREATE_DIRECTORY,
    RIGHT_PATH_CREATE_FILE,
    RIGHT_PATH_FILESTAT_GET,
    RIGHT_PATH_FILESTAT_SET_SIZE,
    RIGHT_PATH_FILESTAT_SET_TIMES,
    RIGHT_PATH_LINK_SOURCE,
    RIGHT_PATH_LINK_TARGET,
    RIGHT_PATH_OPEN,
    RIGHT_PATH_READLINK,
    RIGHT_PATH_REMOVE_DIRECTORY,
    RIGHT_PATH_RENAME_SOURCE,
    RIGHT_PATH_RENAME_TARGET,
    RIGHT_PATH_SYMLINK,
    RIGHT_PATH_UNLINK_FILE,
)
from .errno import ENOTCAPABLE, Errno, ErrnoError
from .fdtable import FileDesc, filetype_of
from .layouts import U32
from .sandbox import escapes, resolve

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FDFLAG_HOST = (
    (FDFLAG_APPEND, os.O_APPEND),
    (FDFLAG_DSYNC, getattr(os, "O_DSYNC", 0)),
    (FDFLAG_NONBLOCK, os.O_NONBLOCK),
    (FDFLAG_RSYNC, getattr(os, "O_RSYNC", 0)),
    (FDFLAG_SYNC, getattr(os, "O_SYNC", 0)),
)
_WRITE_RIGHTS = RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE
_READ_RIGHTS = RIGHT_FD_READ | RIGHT_FD_READDIR
_EPERM = int(Errno.EPERM)


def _host_open_flags(oflags: int, rights: int, fdflags: int) -> int:
    flags = _CLOEXEC | os.O_NOFOLLOW
    if oflags & OFLAG_DIRECTORY:
        flags |= os.O_DIRECTORY | os.O_RDONLY
    elif rights & _WRITE_RIGHTS:
        flags |= os.O_RDWR if rights & _READ_RIGHTS else os.O_WRONLY
    if oflags & OFLAG_CREAT:
        flags |= os.O_CREAT
    if oflags & OFLAG_EXCL:
        flags |= os.O_EXCL
    if oflags & OFLAG_TRUNC:
        flags |= os.O_TRUNC
    for wasi_flag, host_flag in _FDFLAG_HOST:
        if fdflags & wasi_flag:
            flags |= host_flag
    return flags


class PathCalls(ContextBase):
    """Operations on paths relative to a directory fd."""

    def path_open(self, fd: int, dirflags: int, path: int, path_len: int, oflags: int, fs_rights_base: int,
                  fs_rights_inheriting: int, fdflags: int, opened_fd: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_OPEN)
        check_flags(oflags, ALL_OFLAGS)
        check_flags(fdflags, ALL_FDFLAGS)
        base = fs_rights_base & M64 & ALL_RIGHTS
        inheriting = fs_rights_inheriting & M64 & ALL_RIGHTS
        needed = (RIGHT_PATH_CREATE_FILE if oflags & OFLAG_CREAT else 0) | (
            RIGHT_PATH_FILESTAT_SET_SIZE if oflags & OFLAG_TRUNC else 0)
        if desc.rights_base & needed != needed:
            return ENOTCAPABLE
        if base & ~desc.rights_inheriting or inheriting & ~desc.rights_inheriting:
            return ENOTCAPABLE
        mem = self._memory.view()
        guest_path = read_str(mem, path, path_len)
        span(mem, opened_fd, 4)
        exclusive = oflags & OFLAG_CREAT and oflags & OFLAG_EXCL
        follow = bool(dirflags & LOOKUP_SYMLINK_FOLLOW) and not exclusive
        flags = _host_open_flags(oflags, base, fdflags)
        with resolve(desc.host_fd, guest_path, follow) as where:
            if where.must_dir:
                flags |= os.O_DIRECTORY
            host_fd = os.open(where.name, flags, 0o666, dir_fd=where.dir_fd)
        try:
            filetype = filetype_of(os.fstat(host_fd).st_mode)
        except OSError:
            os.close(host_fd)
            raise
        base &= DIR_RIGHTS if filetype == FILETYPE_DIRECTORY else FILE_RIGHTS
        new_fd = self._table.add(FileDesc(host_fd, filetype, base, inheriting, fdflags))
        U32.pack_into(mem, opened_fd & M32, new_fd)
        return 0

    def path_filestat_get(self, fd: int, flags: int, path: int, path_len: int, buf: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_FILESTAT_GET)
        mem = self._memory.view()
        guest_path = read_str(mem, path, path_len)
        span(mem, buf, 64)
        with resolve(desc.host_fd, guest_path, bool(flags & LOOKUP_SYMLINK_FOLLOW)) as where:
            st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
        if where.must_dir and not stat.S_ISDIR(st.st_mode):
            return int(Errno.ENOTDIR)
        write_filestat(mem, buf, st)
        return 0

    def path_filestat_set_times(self, fd: int, flags: int, path: int, path_len: int, atim: int, mtim: int,
                                fst_flags: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_FILESTAT_SET_TIMES)
        guest_path = read_str(self._memory.view(), path, path_len)
        with resolve(desc.host_fd, guest_path, bool(flags & LOOKUP_SYMLINK_FOLLOW)) as where:
            name, dir_fd = where.name, where.dir_fd
            times = new_times(atim, mtim, fst_flags,
                              lambda: os.stat(name, dir_fd=dir_fd, follow_symlinks=False))
            os.utime(name, ns=times, dir_fd=dir_fd, follow_symlinks=False)
        return 0

    def path_create_directory(self, fd: int, path: int, path_len: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_CREATE_DIRECTORY)
        with resolve(desc.host_fd, read_str(self._memory.view(), path, path_len), False) as where:
            os.mkdir(where.name, 0o777, dir_fd=where.dir_fd)
        return 0

    def path_remove_directory(self, fd: int, path: int, path_len: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_REMOVE_DIRECTORY)
        with resolve(desc.host_fd, read_str(self._memory.view(), path, path_len), False) as where:
            os.rmdir(where.name, dir_fd=where.dir_fd)
        return 0

    def path_unlink_file(self, fd: int, path: int, path_len: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_UNLINK_FILE)
        with resolve(desc.host_fd, read_str(self._memory.view(), path, path_len), False) as where:
            if where.must_dir:
                st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
                return int(Errno.EISDIR if stat.S_ISDIR(st.st_mode) else Errno.ENOTDIR)
            os.unlink(where.name, dir_fd=where.dir_fd)
        return 0

    def path_readlink(self, fd: int, path: int, path_len: int, buf: int, buf_len: int, bufused: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_READLINK)
        mem = self._memory.view()
        out = span(mem, buf, buf_len)
        span(mem, bufused, 4)
        with resolve(desc.host_fd, read_str(mem, path, path_len), False) as where:
            target = os.fsencode(os.readlink(where.name, dir_fd=where.dir_fd))
        used = min(len(target), len(out))
        out[:used] = target[:used]
        U32.pack_into(mem, bufused & M32, used)
        return 0

    def path_rename(self, fd: int, old_path: int, old_path_len: int, new_fd: int, new_path: int,
                    new_path_len: int) -> int:
        src_dir = self._dir(fd, RIGHT_PATH_RENAME_SOURCE)
        dst_dir = self._dir(new_fd, RIGHT_PATH_RENAME_TARGET)
        mem = self._memory.view()
        old, new = read_str(mem, old_path, old_path_len), read_str(mem, new_path, new_path_len)
        with resolve(src_dir.host_fd, old, False) as src, resolve(dst_dir.host_fd, new, False) as dst:
            os.rename(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd)
        return 0

    def path_link(self, old_fd: int, old_flags: int, old_path: int, old_path_len: int, new_fd: int,
                  new_path: int, new_path_len: int) -> int:
        src_dir = self._dir(old_fd, RIGHT_PATH_LINK_SOURCE)
        dst_dir = self._dir(new_fd, RIGHT_PATH_LINK_TARGET)
        mem = self._memory.view()
        old, new = read_str(mem, old_path, old_path_len), read_str(mem, new_path, new_path_len)
        follow = bool(old_flags & LOOKUP_SYMLINK_FOLLOW)
        with resolve(src_dir.host_fd, old, follow) as src, resolve(dst_dir.host_fd, new, False) as dst:
            os.link(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd, follow_symlinks=False)
        return 0

    def path_symlink(self, old_path: int, old_path_len: int, fd: int, new_path: int, new_path_len: int) -> int:
        desc = self._dir(fd, RIGHT_PATH_SYMLINK)
        mem = self._memory.view()
        target, new = read_str(mem, old_path, old_path_len), read_str(mem, new_path, new_path_len)
        if "\0" in target:
            raise ErrnoError(int(Errno.EINVAL))
        with resolve(desc.host_fd, new, False) as where:
            if escapes(target, where.depth):
                return _EPERM
            os.symlink(target, where.name, dir_fd=where.dir_fd)
        return 0
