"""The path_* calls, each resolved inside its directory fd by `sandbox.resolve`."""

from __future__ import annotations

import os
import stat

from .base import ContextBase, check_flags, filestat, new_times, read_str, span
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
from .errno import EEXIST, EINVAL, EISDIR, ENOENT, ENOTCAPABLE, ENOTDIR, ENOTSUP, EPERM, ErrnoError
from .fdtable import FileDesc, filetype_of
from .sandbox import Resolved, escapes, resolve

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FDFLAG_HOST = ((FDFLAG_APPEND, os.O_APPEND), (FDFLAG_NONBLOCK, os.O_NONBLOCK))  # the sync ones: ENOTSUP
_WRITE_RIGHTS = RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE
_READ_RIGHTS = RIGHT_FD_READ | RIGHT_FD_READDIR


def _host_open_flags(oflags: int, rights: int, fdflags: int) -> int:
    flags = _CLOEXEC | os.O_NOFOLLOW
    if oflags & OFLAG_DIRECTORY:
        # A directory with the write right: the host answers EISDIR (ENOTDIR for a file), as wasmtime.
        flags |= os.O_DIRECTORY | (os.O_WRONLY if rights & RIGHT_FD_WRITE else os.O_RDONLY)
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


def _lstat(where: Resolved) -> os.stat_result | None:
    """The entry `where` names, not following a symlink; None if there is none."""
    try:
        return os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _check_dir_entry(where: Resolved) -> None:
    """For a path with a trailing slash naming an existing entry to act on (unlink, rmdir, rename, link):
    that entry itself must be a directory (a symlink to one is not), else ENOTDIR, as on Linux."""
    if where.must_dir:
        st = _lstat(where)
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise ErrnoError(ENOTDIR)


def _check_new_name(where: Resolved) -> None:
    """For a link or symlink name with a trailing slash (which can only name a directory, so never a new
    link): ENOENT if nothing is there, EEXIST for a directory, ENOTDIR otherwise (as the wasmtime CLI)."""
    if where.must_dir:
        if _lstat(where) is None:
            raise ErrnoError(ENOENT)
        try:
            is_dir = stat.S_ISDIR(os.stat(where.name, dir_fd=where.dir_fd).st_mode)
        except OSError:
            is_dir = False
        raise ErrnoError(EEXIST if is_dir else ENOTDIR)


class PathCalls(ContextBase):
    """Operations on paths relative to a directory fd.

    Paths are read first (EILSEQ for one that is not UTF-8 comes before a bad fd, as in the wasmtime
    CLI), then the fd and its rights are checked, then the path is resolved inside the fd. The methods are
    bound to a `WasiContext`, which does not inherit them: they may use only `ContextBase`.
    """

    def path_open(self, fd: int, dirflags: int, path: int, path_len: int, oflags: int, fs_rights_base: int,
                  fs_rights_inheriting: int, fdflags: int) -> int | tuple[int]:
        guest_path = read_str(self._memory.view(), path, path_len)
        desc = self._dir(fd, RIGHT_PATH_OPEN)
        check_flags(oflags, ALL_OFLAGS)
        check_flags(fdflags, ALL_FDFLAGS)
        if fdflags & (FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC):
            return ENOTSUP  # as the wasmtime CLI
        if oflags & OFLAG_DIRECTORY and oflags & (OFLAG_CREAT | OFLAG_EXCL | OFLAG_TRUNC):
            return EINVAL  # as the wasmtime CLI (and Linux for O_CREAT|O_DIRECTORY)
        base = fs_rights_base & M64 & ALL_RIGHTS
        inheriting = fs_rights_inheriting & M64 & ALL_RIGHTS
        needed = (RIGHT_PATH_CREATE_FILE if oflags & OFLAG_CREAT else 0) | (
            RIGHT_PATH_FILESTAT_SET_SIZE if oflags & OFLAG_TRUNC else 0)
        if desc.rights_base & needed != needed:
            return ENOTCAPABLE
        if base & ~desc.rights_inheriting or inheriting & ~desc.rights_inheriting:
            return ENOTCAPABLE
        if oflags & OFLAG_CREAT and guest_path.endswith("/"):
            return EISDIR  # `name/` can only be a directory, which path_open never creates (wasmtime, Linux)
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
        return (self._table.add(FileDesc(host_fd, filetype, base, inheriting, fdflags, root_id=desc.root_id)),)

    def path_filestat_get(self, fd: int, flags: int, path: int, path_len: int) -> int | tuple[tuple[int, ...]]:
        guest_path = read_str(self._memory.view(), path, path_len)
        desc = self._dir(fd, RIGHT_PATH_FILESTAT_GET)
        with resolve(desc.host_fd, guest_path, bool(flags & LOOKUP_SYMLINK_FOLLOW)) as where:
            st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
        if where.must_dir and not stat.S_ISDIR(st.st_mode):
            return ENOTDIR
        return (filestat(st),)

    def path_filestat_set_times(self, fd: int, flags: int, path: int, path_len: int, atim: int, mtim: int,
                                fst_flags: int) -> int:
        guest_path = read_str(self._memory.view(), path, path_len)
        desc = self._dir(fd, RIGHT_PATH_FILESTAT_SET_TIMES)
        with resolve(desc.host_fd, guest_path, bool(flags & LOOKUP_SYMLINK_FOLLOW)) as where:
            name, dir_fd = where.name, where.dir_fd
            current = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if where.must_dir and not stat.S_ISDIR(current.st_mode):
                return ENOTDIR
            times = new_times(atim, mtim, fst_flags, lambda: current)
            os.utime(name, ns=times, dir_fd=dir_fd, follow_symlinks=False)
        return 0

    def path_create_directory(self, fd: int, path: int, path_len: int) -> int:
        guest_path = read_str(self._memory.view(), path, path_len)
        desc = self._dir(fd, RIGHT_PATH_CREATE_DIRECTORY)
        with resolve(desc.host_fd, guest_path, False, slash_follows=False) as where:
            os.mkdir(where.name, 0o777, dir_fd=where.dir_fd)
        return 0

    def path_remove_directory(self, fd: int, path: int, path_len: int) -> int:
        guest_path = read_str(self._memory.view(), path, path_len)
        desc = self._dir(fd, RIGHT_PATH_REMOVE_DIRECTORY)
        with resolve(desc.host_fd, guest_path, False, slash_follows=False) as where:
            os.rmdir(where.name, dir_fd=where.dir_fd)
        return 0

    def path_unlink_file(self, fd: int, path: int, path_len: int) -> int:
        guest_path = read_str(self._memory.view(), path, path_len)
        desc = self._dir(fd, RIGHT_PATH_UNLINK_FILE)
        with resolve(desc.host_fd, guest_path, False, slash_follows=False) as where:
            if where.must_dir:
                st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
                return EISDIR if stat.S_ISDIR(st.st_mode) else ENOTDIR
            os.unlink(where.name, dir_fd=where.dir_fd)
        return 0

    def path_readlink(self, fd: int, path: int, path_len: int, buf: int, buf_len: int) -> int | tuple[int]:
        mem = self._memory.view()
        guest_path = read_str(mem, path, path_len)
        out = span(mem, buf, buf_len)
        desc = self._dir(fd, RIGHT_PATH_READLINK)
        with resolve(desc.host_fd, guest_path, False) as where:
            if where.must_dir:  # `link/` names what the link points to: a directory (EINVAL) or ENOTDIR
                st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
                return EINVAL if stat.S_ISDIR(st.st_mode) else ENOTDIR
            target = os.fsencode(os.readlink(where.name, dir_fd=where.dir_fd))
        if target.startswith(b"/"):
            return EPERM  # an absolute target is the host's path: never shown (as the wasmtime CLI)
        used = min(len(target), len(out))
        out[:used] = target[:used]
        return (used,)

    def path_rename(self, fd: int, old_path: int, old_path_len: int, new_fd: int, new_path: int,
                    new_path_len: int) -> int:
        mem = self._memory.view()
        old, new = read_str(mem, old_path, old_path_len), read_str(mem, new_path, new_path_len)
        src_dir = self._dir(fd, RIGHT_PATH_RENAME_SOURCE)
        dst_dir = self._dir(new_fd, RIGHT_PATH_RENAME_TARGET)
        with resolve(src_dir.host_fd, old, False, slash_follows=False) as src, \
                resolve(dst_dir.host_fd, new, False, slash_follows=False) as dst:
            if src.must_dir or dst.must_dir:  # a trailing slash on either side: the source must be a directory
                st = os.stat(src.name, dir_fd=src.dir_fd, follow_symlinks=False)
                if not stat.S_ISDIR(st.st_mode):
                    return ENOTDIR
            os.rename(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd)
        return 0

    def path_link(self, old_fd: int, old_flags: int, old_path: int, old_path_len: int, new_fd: int,
                  new_path: int, new_path_len: int) -> int:
        mem = self._memory.view()
        old, new = read_str(mem, old_path, old_path_len), read_str(mem, new_path, new_path_len)
        src_dir = self._dir(old_fd, RIGHT_PATH_LINK_SOURCE)
        dst_dir = self._dir(new_fd, RIGHT_PATH_LINK_TARGET)
        follow = bool(old_flags & LOOKUP_SYMLINK_FOLLOW)
        with resolve(src_dir.host_fd, old, follow, slash_follows=False) as src, \
                resolve(dst_dir.host_fd, new, False, slash_follows=False) as dst:
            _check_dir_entry(src)
            _check_new_name(dst)
            os.link(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd, follow_symlinks=False)
        return 0

    def path_symlink(self, old_path: int, old_path_len: int, fd: int, new_path: int, new_path_len: int) -> int:
        mem = self._memory.view()
        target, new = read_str(mem, old_path, old_path_len), read_str(mem, new_path, new_path_len)
        desc = self._dir(fd, RIGHT_PATH_SYMLINK)
        if "\0" in target:
            raise ErrnoError(EINVAL)
        with resolve(desc.host_fd, new, False, slash_follows=False) as where:
            _check_new_name(where)
            if escapes(target, where.depth):
                return EPERM
            os.symlink(target, where.name, dir_fd=where.dir_fd)
        return 0
