"""The guest fd table: host fd, file type, rights and flags per guest fd; stdio and preopens."""

from __future__ import annotations

import contextlib
import os
import stat

from wasitool.errors import WasiError
from wasitool.runspec import Preopen

from .constants import (
    ALL_RIGHTS,
    DIR_RIGHTS,
    FILETYPE_BLOCK_DEVICE,
    FILETYPE_CHARACTER_DEVICE,
    FILETYPE_DIRECTORY,
    FILETYPE_REGULAR_FILE,
    FILETYPE_SOCKET_STREAM,
    FILETYPE_SYMBOLIC_LINK,
    FILETYPE_UNKNOWN,
    STDIN_RIGHTS,
    STDOUT_RIGHTS,
    WRITE_RIGHTS,
)

_FILETYPES = {
    stat.S_IFREG: FILETYPE_REGULAR_FILE,
    stat.S_IFDIR: FILETYPE_DIRECTORY,
    stat.S_IFLNK: FILETYPE_SYMBOLIC_LINK,
    stat.S_IFCHR: FILETYPE_CHARACTER_DEVICE,
    stat.S_IFBLK: FILETYPE_BLOCK_DEVICE,
    stat.S_IFSOCK: FILETYPE_SOCKET_STREAM,
}

DIR_OPEN_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def filetype_of(mode: int) -> int:
    """WASI filetype of a host `st_mode` (FIFOs and others are `unknown`)."""
    return _FILETYPES.get(stat.S_IFMT(mode), FILETYPE_UNKNOWN)


class FileDesc:
    """One open guest fd."""

    __slots__ = ("dir_cache", "fdflags", "filetype", "guest_name", "host_fd", "inherited", "owned",
                 "rights_base", "rights_inheriting", "root_id")

    def __init__(self, host_fd: int, filetype: int, rights_base: int, rights_inheriting: int,
                 fdflags: int = 0, owned: bool = True, guest_name: str | None = None,
                 inherited: bool = False, root_id: tuple[int, int] | None = None) -> None:
        self.host_fd = host_fd
        self.filetype = filetype
        self.rights_base = rights_base
        self.rights_inheriting = rights_inheriting
        self.fdflags = fdflags
        self.owned = owned  # False for stdio: the host fd belongs to the embedder
        # True for stdio: the host's own stream (its file description, and the file behind it, are the
        # host's). The guest may read or write it, nothing more: calls that would change it answer as
        # the wasmtime CLI does (EBADF; ESPIPE for seeking), fd_filestat_get reports only the filetype.
        self.inherited = inherited
        self.guest_name = guest_name  # set for preopens
        self.root_id = root_id  # (st_dev, st_ino) of the preopen this fd was opened under
        self.dir_cache: tuple[memoryview, list[int]] | None = None  # fd_readdir: (dirent blob, offsets)

    def close(self) -> None:
        """Close the host fd if this table opened it."""
        if self.owned:
            self.owned = False
            os.close(self.host_fd)


def _stdio(guest_fd: int, host_fd: int) -> FileDesc:
    """Guest fd 0, 1 or 2 over the embedder's `host_fd`, as the wasmtime CLI presents it: a character
    device if it is a terminal, else `unknown` (so wasi-libc's isatty() holds only for terminals), no
    fdflags, and only the right to read (stdin) or write (stdout, stderr)."""
    try:
        filetype = FILETYPE_CHARACTER_DEVICE if os.isatty(host_fd) else FILETYPE_UNKNOWN
    except OSError:
        filetype = FILETYPE_UNKNOWN
    rights = STDIN_RIGHTS if guest_fd == 0 else STDOUT_RIGHTS
    return FileDesc(host_fd, filetype, rights, rights, owned=False, inherited=True)


def open_preopen(pre: Preopen) -> FileDesc:
    """The preopened directory `pre`, opened (one-line WasiError when it cannot be)."""
    try:
        host_fd = os.open(pre.host, DIR_OPEN_FLAGS)
    except FileNotFoundError:
        raise WasiError(f"preopened directory {pre.host} (guest {pre.guest!r}) does not exist",
                        f"create {pre.host} or change the --dir mapping") from None
    except NotADirectoryError:
        raise WasiError(f"preopen {pre.host} (guest {pre.guest!r}) is not a directory",
                        "map a directory, not a file") from None
    except OSError as exc:
        raise WasiError(f"cannot open preopened directory {pre.host}: {exc.strerror}",
                        f"check the permissions of {pre.host}") from None
    st = os.fstat(host_fd)
    base, inheriting = (DIR_RIGHTS & ~WRITE_RIGHTS, ALL_RIGHTS & ~WRITE_RIGHTS) if pre.readonly else (
        DIR_RIGHTS, ALL_RIGHTS)
    return FileDesc(host_fd, FILETYPE_DIRECTORY, base, inheriting, guest_name=pre.guest,
                    root_id=(st.st_dev, st.st_ino))


class FdTable:
    """Guest fd number -> FileDesc; fds 0-2 are stdio, preopens follow from 3 in order.

    A new fd gets the lowest free number, as POSIX and the wasmtime CLI (which reuses even a closed
    0, 1 or 2): a heap of the numbers freed below the high-water mark `_next` finds it in O(log n).
    Every change of membership goes through `add`, `remove` and `renumber` so the heap stays exact.
    `probes` counts the candidate numbers `add` examined (for tests and the benchmark).
    """

    def __init__(self, stdio: tuple[int, int, int], preopens: list[Preopen]) -> None:
        self.fds: dict[int, FileDesc] = {i: _stdio(i, h) for i, h in enumerate(stdio)}
        self._free: list[int] = []  # heap of free numbers below _next
        self._next = len(self.fds)
        self.probes = 0
        try:
            for pre in preopens:
                self.add(open_preopen(pre))
        except BaseException:
            self.close_all()
            raise

    def add(self, desc: FileDesc) -> int:
        """Install `desc` at the lowest free fd number and return that number."""
        self.probes += 1
        if self._free:
            import heapq  # here, not at the top: off `wasitool run`'s start-up path

            fd = heapq.heappop(self._free)
        else:
            fd = self._next
            self._next += 1
        self.fds[fd] = desc
        return fd

    def remove(self, fd: int) -> FileDesc | None:
        """Take `fd` out of the table (None if it is not open); the caller closes the FileDesc."""
        desc = self.fds.pop(fd, None)
        if desc is not None:
            import heapq

            heapq.heappush(self._free, fd)
        return desc

    def renumber(self, fd: int, to: int) -> None:
        """Move open `fd` onto open `to` (closing what `to` held); `fd` becomes free."""
        if fd == to:
            return
        old = self.fds[to]
        moved = self.remove(fd)
        assert moved is not None  # the caller checked that `fd` is open
        self.fds[to] = moved
        old.close()

    def close_all(self) -> None:
        """Close every host fd this table opened; the table is empty afterwards."""
        for desc in self.fds.values():
            with contextlib.suppress(OSError):
                desc.close()
        self.fds.clear()
        self._free.clear()
        self._next = 0
