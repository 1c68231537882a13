"""`wasi:filesystem` 0.2: `types` (descriptors, directory streams) and `preopens`, on preview1's sandbox.

Every path is resolved by `wasitool.wasi.sandbox.resolve` inside the descriptor it is relative to, so
`..` above it, absolute paths and symlinks leading out are refused (`not-permitted`), as in preview1 and
the wasmtime CLI. A descriptor carries what it may do: `read`/`write` for a file, `mutate` (create,
remove, rename, link, change) for a directory. A read-only preopen (`--dir H::G:ro`) and everything
opened under it may mutate nothing: such calls, and opening a file for writing, creating or truncating,
answer `not-permitted`. Failures are the WIT's error-code names (`error_codes`).

`read-directory` lists the whole directory at once, so `read-directory-entry` never fails (wasmtime-py
50 could not return its error: docs/components.md); the listing omits `.` and `..`, as the WIT says.
"""

from __future__ import annotations

import functools
import os
import stat
import time
from collections.abc import Callable
from typing import Any, TypeVar

from wasmtime.component import Variant

from wasitool.runspec import Preopen
from wasitool.wasi.errno import EINVAL, ELOOP, ENOENT, ENOTDIR, EPERM, ErrnoError
from wasitool.wasi.fdtable import DIR_OPEN_FLAGS, open_preopen
from wasitool.wasi.sandbox import Resolved, escapes, resolve
from wasitool.wasip2.convert import Err
from wasitool.wasip2.error_codes import error_code
from wasitool.wasip2.io import READ_MAX, InputStream, IoError, OutputStream
from wasitool.wasip2.resources import Resource

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NS = 1_000_000_000
_TYPES = {stat.S_IFREG: "regular-file", stat.S_IFDIR: "directory", stat.S_IFLNK: "symbolic-link",
          stat.S_IFCHR: "character-device", stat.S_IFBLK: "block-device", stat.S_IFIFO: "fifo",
          stat.S_IFSOCK: "socket"}
_SYNC_FLAGS = frozenset({"file-integrity-sync", "data-integrity-sync", "requested-write-sync"})
_ADVICE = {"normal": "POSIX_FADV_NORMAL", "sequential": "POSIX_FADV_SEQUENTIAL", "random": "POSIX_FADV_RANDOM",
           "will-need": "POSIX_FADV_WILLNEED", "dont-need": "POSIX_FADV_DONTNEED", "no-reuse": "POSIX_FADV_NOREUSE"}

F = TypeVar("F", bound=Callable[..., Any])


def fs_call(fn: F) -> F:
    """A host failure (OSError, preview1's ErrnoError) becomes the call's `err(error-code)`."""

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except (OSError, ErrnoError) as exc:
            raise Err(error_code(exc)) from None

    return call  # type: ignore[return-value]


def descriptor_type(mode: int) -> str:
    return _TYPES.get(stat.S_IFMT(mode), "unknown")


def _datetime(ns: int) -> dict[str, int]:
    return {"seconds": ns // _NS, "nanoseconds": ns % _NS}


def _stat(st: os.stat_result) -> dict[str, Any]:
    return {"type": descriptor_type(st.st_mode), "link-count": st.st_nlink, "size": st.st_size,
            "data-access-timestamp": _datetime(st.st_atime_ns),
            "data-modification-timestamp": _datetime(st.st_mtime_ns),
            "status-change-timestamp": _datetime(st.st_ctime_ns)}


def _new_time(value: Variant, kept: int, now: int) -> int:
    if value.tag == "now":
        return now
    if value.tag == "timestamp":
        when: dict[str, int] = value.payload or {}
        return when["seconds"] * _NS + when["nanoseconds"]
    return kept


def _times(atime: Variant, mtime: Variant, current: Callable[[], os.stat_result]) -> tuple[int, int]:
    now = time.time_ns()
    st = current() if "no-change" in (atime.tag, mtime.tag) else None
    return (_new_time(atime, st.st_atime_ns if st else 0, now), _new_time(mtime, st.st_mtime_ns if st else 0, now))


def _refuse() -> Err:
    return Err("not-permitted")


class Descriptor(Resource):
    """`wasi:filesystem/types.descriptor`: an open file or directory and what it may do."""

    kind = "descriptor"
    type_id = 5

    def __init__(self, fd: int, is_dir: bool, read: bool, write: bool, mutate: bool, owned: bool = True) -> None:
        self.fd = fd
        self.is_dir = is_dir
        self.read = read
        self.write = write
        self.mutate = mutate  # a directory: may create, remove, rename, link or change what is in it
        self.owned = owned

    def close(self) -> None:
        if self.owned:
            self.owned = False
            os.close(self.fd)

    # --- files ---------------------------------------------------------------------------------
    def _file(self, write: bool = False) -> int:
        if self.is_dir:
            raise Err("is-directory" if write else "bad-descriptor")
        if not (self.write if write else self.read):
            raise Err("bad-descriptor")
        return self.fd

    @fs_call
    def read_via_stream(self, offset: int) -> InputStream:
        return InputStream(os.dup(self._file()), offset, owned=True)

    @fs_call
    def write_via_stream(self, offset: int) -> OutputStream:
        return OutputStream(os.dup(self._file(write=True)), offset, owned=True)

    @fs_call
    def append_via_stream(self) -> OutputStream:
        return OutputStream(os.dup(self._file(write=True)), append=True, owned=True)

    @fs_call
    def advise(self, offset: int, length: int, advice: str) -> None:
        host = getattr(os, _ADVICE[advice], None)
        if host is not None and hasattr(os, "posix_fadvise") and not self.is_dir:
            os.posix_fadvise(self.fd, offset, length, host)

    @fs_call
    def sync_data(self) -> None:
        getattr(os, "fdatasync", os.fsync)(self.fd)

    @fs_call
    def sync(self) -> None:
        os.fsync(self.fd)

    def get_flags(self) -> set[str]:
        flags = {"read"} if self.read else set()
        if self.write:
            flags.add("write")
        if self.is_dir and self.mutate:
            flags.add("mutate-directory")
        return flags

    @fs_call
    def get_type(self) -> str:
        return descriptor_type(os.fstat(self.fd).st_mode)

    @fs_call
    def set_size(self, size: int) -> None:
        """The host decides, as the wasmtime CLI: a file opened only for reading is `invalid` (EINVAL)."""
        if self.is_dir:
            raise Err("bad-descriptor")
        os.ftruncate(self.fd, size)

    @fs_call
    def set_times(self, atime: Variant, mtime: Variant) -> None:
        if (self.is_dir and not self.mutate) or (not self.is_dir and not self.write):
            raise _refuse()
        os.utime(self.fd, ns=_times(atime, mtime, lambda: os.fstat(self.fd)))

    @fs_call
    def read_at(self, length: int, offset: int) -> tuple[bytes, bool]:
        data = os.pread(self._file(), min(length, READ_MAX), offset)
        return data, not data and length > 0

    @fs_call
    def write_at(self, buffer: bytes, offset: int) -> int:
        return os.pwrite(self._file(write=True), buffer, offset)

    @fs_call
    def stat(self) -> dict[str, Any]:
        return _stat(os.fstat(self.fd))

    @fs_call
    def metadata_hash(self) -> dict[str, int]:
        st = os.fstat(self.fd)
        return {"lower": st.st_ino, "upper": st.st_dev}

    def is_same_object(self, other: Descriptor) -> bool:
        a, b = os.fstat(self.fd), os.fstat(other.fd)
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    # --- directories ---------------------------------------------------------------------------
    def _dir(self, mutate: bool = False) -> int:
        if not self.is_dir:
            raise Err("not-directory")
        if mutate and not self.mutate:
            raise _refuse()
        return self.fd

    @fs_call
    def read_directory(self) -> DirectoryEntryStream:
        fd = os.open(".", DIR_OPEN_FLAGS, dir_fd=self._dir())
        try:
            with os.scandir(fd) as found:
                entries = [{"type": _entry_type(e), "name": e.name} for e in found]
        finally:
            os.close(fd)
        return DirectoryEntryStream(entries)

    @fs_call
    def create_directory_at(self, path: str) -> None:
        with resolve(self._dir(mutate=True), path, False, slash_follows=False) as where:
            os.mkdir(where.name, 0o777, dir_fd=where.dir_fd)

    @fs_call
    def stat_at(self, path_flags: set[str], path: str) -> dict[str, Any]:
        with resolve(self._dir(), path, "symlink-follow" in path_flags) as where:
            st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
        if where.must_dir and not stat.S_ISDIR(st.st_mode):
            raise ErrnoError(ENOTDIR)
        return _stat(st)

    @fs_call
    def metadata_hash_at(self, path_flags: set[str], path: str) -> dict[str, int]:
        with resolve(self._dir(), path, "symlink-follow" in path_flags) as where:
            st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
        return {"lower": st.st_ino, "upper": st.st_dev}

    @fs_call
    def set_times_at(self, path_flags: set[str], path: str, atime: Variant, mtime: Variant) -> None:
        with resolve(self._dir(mutate=True), path, "symlink-follow" in path_flags) as where:
            name, dir_fd = where.name, where.dir_fd
            times = _times(atime, mtime, lambda: os.stat(name, dir_fd=dir_fd, follow_symlinks=False))
            os.utime(name, ns=times, dir_fd=dir_fd, follow_symlinks=False)

    @fs_call
    def open_at(self, path_flags: set[str], path: str, open_flags: set[str], flags: set[str]) -> Descriptor:
        dir_fd = self._dir()
        if flags & _SYNC_FLAGS:
            raise Err("unsupported")  # as preview1 here (the file would be opened O_SYNC)
        if "directory" in open_flags and open_flags & {"create", "exclusive", "truncate"}:
            raise Err("invalid")
        # creating or truncating opens for writing whatever the flags say, as the wasmtime CLI does
        write = "write" in flags or bool(open_flags & {"create", "truncate"})
        if not self.mutate and (write or "mutate-directory" in flags):
            raise _refuse()
        if "create" in open_flags and path.endswith("/"):
            raise Err("is-directory")
        # and a descriptor without `read` and `write` reads, as there
        read = "read" in flags or "write" not in flags
        host = _CLOEXEC | os.O_NOFOLLOW
        if "directory" in open_flags:
            host |= os.O_DIRECTORY | (os.O_WRONLY if write else os.O_RDONLY)
        elif write:
            host |= os.O_RDWR if read else os.O_WRONLY
        for name, bit in (("create", os.O_CREAT), ("exclusive", os.O_EXCL), ("truncate", os.O_TRUNC)):
            if name in open_flags:
                host |= bit
        follow = "symlink-follow" in path_flags and not {"create", "exclusive"} <= open_flags
        with resolve(dir_fd, path, follow) as where:
            if where.must_dir:
                host |= os.O_DIRECTORY
            if host & os.O_DIRECTORY and not follow and _is_symlink(where.name, where.dir_fd):
                raise ErrnoError(ELOOP)  # not followed: Linux says ENOTDIR, the wasmtime CLI ELOOP as for a file
            fd = os.open(where.name, host, 0o666, dir_fd=where.dir_fd)
        try:
            is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
        except OSError:
            os.close(fd)
            raise
        if is_dir:
            return Descriptor(fd, True, True, False, self.mutate)
        return Descriptor(fd, False, read, write, False)

    @fs_call
    def readlink_at(self, path: str) -> str:
        with resolve(self._dir(), path, False) as where:
            if where.must_dir:
                st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
                raise ErrnoError(EINVAL if stat.S_ISDIR(st.st_mode) else ENOTDIR)
            target = os.readlink(where.name, dir_fd=where.dir_fd)
        if target.startswith("/"):
            raise ErrnoError(EPERM)  # the host's own path: never shown
        return target

    @fs_call
    def remove_directory_at(self, path: str) -> None:
        with resolve(self._dir(mutate=True), path, False, slash_follows=False) as where:
            os.rmdir(where.name, dir_fd=where.dir_fd)

    @fs_call
    def unlink_file_at(self, path: str) -> None:
        with resolve(self._dir(mutate=True), path, False, slash_follows=False) as where:
            if where.must_dir:
                st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
                raise Err("is-directory" if stat.S_ISDIR(st.st_mode) else "not-directory")
            os.unlink(where.name, dir_fd=where.dir_fd)

    @fs_call
    def rename_at(self, old_path: str, new_dir: Descriptor, new_path: str) -> None:
        with resolve(self._dir(mutate=True), old_path, False, slash_follows=False) as src, \
                resolve(new_dir._dir(mutate=True), new_path, False, slash_follows=False) as dst:
            if src.must_dir or dst.must_dir:
                _must_be_dir(src)
            os.rename(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd)

    @fs_call
    def link_at(self, old_flags: set[str], old_path: str, new_dir: Descriptor, new_path: str) -> None:
        with resolve(self._dir(mutate=True), old_path, "symlink-follow" in old_flags, slash_follows=False) as src, \
                resolve(new_dir._dir(mutate=True), new_path, False, slash_follows=False) as dst:
            if src.must_dir:
                _must_be_dir(src)
            if dst.must_dir:
                raise ErrnoError(ENOENT)
            os.link(src.name, dst.name, src_dir_fd=src.dir_fd, dst_dir_fd=dst.dir_fd, follow_symlinks=False)

    @fs_call
    def symlink_at(self, old_path: str, new_path: str) -> None:
        with resolve(self._dir(mutate=True), new_path, False, slash_follows=False) as where:
            if where.must_dir:
                raise ErrnoError(ENOENT)
            if escapes(old_path, where.depth):
                raise ErrnoError(EPERM)
            os.symlink(old_path, where.name, dir_fd=where.dir_fd)


def _must_be_dir(where: Resolved) -> None:
    st = os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
    if not stat.S_ISDIR(st.st_mode):
        raise ErrnoError(ENOTDIR)


def _is_symlink(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return False


def _entry_type(entry: os.DirEntry[str]) -> str:
    try:
        return descriptor_type(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return "unknown"


class DirectoryEntryStream(Resource):
    """`wasi:filesystem/types.directory-entry-stream`: the entries of one `read-directory`, in host order."""

    kind = "directory-entry-stream"
    type_id = 6

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self.entries = entries
        self.next = 0

    def read_directory_entry(self) -> dict[str, str] | None:
        if self.next >= len(self.entries):
            return None
        self.next += 1
        return self.entries[self.next - 1]


def _error_code(err: IoError) -> str | None:
    return err.code


class Preopens:
    """The run's preopened directories, opened before the guest starts (a missing one is a WasiError)."""

    def __init__(self, preopens: list[Preopen]) -> None:
        self.dirs: list[tuple[Descriptor, str]] = []
        try:
            for pre in preopens:
                desc = open_preopen(pre)
                self.dirs.append((Descriptor(desc.host_fd, True, True, False, not pre.readonly), pre.guest))
        except BaseException:
            self.close()
            raise

    def get_directories(self) -> list[tuple[Descriptor, str]]:
        """New handles on the preopens (the host keeps the fds: a dropped handle closes nothing)."""
        return [(Descriptor(d.fd, True, True, False, d.mutate, owned=False), guest) for d, guest in self.dirs]

    def close(self) -> None:
        for desc, _ in self.dirs:
            desc.close()
        self.dirs = []


def functions(preopens: Preopens) -> dict[str, dict[str, Callable[..., Any]]]:
    """wasi:filesystem's functions by interface, over the run's preopens."""
    d = "[method]descriptor."
    return {
        "wasi:filesystem/types": {
            d + "read-via-stream": Descriptor.read_via_stream,
            d + "write-via-stream": Descriptor.write_via_stream,
            d + "append-via-stream": Descriptor.append_via_stream,
            d + "advise": Descriptor.advise,
            d + "sync-data": Descriptor.sync_data,
            d + "get-flags": Descriptor.get_flags,
            d + "get-type": Descriptor.get_type,
            d + "set-size": Descriptor.set_size,
            d + "set-times": Descriptor.set_times,
            d + "read": Descriptor.read_at,
            d + "write": Descriptor.write_at,
            d + "read-directory": Descriptor.read_directory,
            d + "sync": Descriptor.sync,
            d + "create-directory-at": Descriptor.create_directory_at,
            d + "stat": Descriptor.stat,
            d + "stat-at": Descriptor.stat_at,
            d + "set-times-at": Descriptor.set_times_at,
            d + "link-at": Descriptor.link_at,
            d + "open-at": Descriptor.open_at,
            d + "readlink-at": Descriptor.readlink_at,
            d + "remove-directory-at": Descriptor.remove_directory_at,
            d + "rename-at": Descriptor.rename_at,
            d + "symlink-at": Descriptor.symlink_at,
            d + "unlink-file-at": Descriptor.unlink_file_at,
            d + "is-same-object": Descriptor.is_same_object,
            d + "metadata-hash": Descriptor.metadata_hash,
            d + "metadata-hash-at": Descriptor.metadata_hash_at,
            "[method]directory-entry-stream.read-directory-entry": DirectoryEntryStream.read_directory_entry,
            "filesystem-error-code": _error_code,
        },
        "wasi:filesystem/preopens": {"get-directories": preopens.get_directories},
    }


RESOURCES: dict[str, tuple[type[Resource], ...]] = {
    "wasi:filesystem/types": (Descriptor, DirectoryEntryStream),
}
