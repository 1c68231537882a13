"""Path resolution that can never leave a preopened directory.

Paths are walked component by component with `dir_fd`-relative calls: every intermediate
directory is opened with O_NOFOLLOW, symlinks are read and spliced in by us, `..` pops the
stack of opened directories, and the final operation is done on (parent fd, single name)
without following symlinks on the host. So a symlink swapped in during resolution can at
worst make the call fail; it cannot redirect it outside the preopen. Escapes (absolute
paths, `..` above the root, symlinks to absolute paths or above the root) fail with EPERM,
as in wasmtime.
"""

from __future__ import annotations

import errno as host_errno
import os
import stat
from collections import deque

from .errno import EINVAL, ELOOP, ENAMETOOLONG, ENOENT, EPERM, ErrnoError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_MAX_SYMLINKS = 40
PATH_MAX = 4096  # bytes, with the terminating NUL: a longer guest path is ENAMETOOLONG, as on Linux
_NOT_A_DIR = (host_errno.ELOOP, host_errno.ENOTDIR, host_errno.EMLINK)


class Resolved:
    """The result of resolving a guest path: operate on `name` relative to `dir_fd`.

    `depth` is how many directories `dir_fd` is below the preopen root; `must_dir` is set
    when the guest path had a trailing slash. Call `close()` when done (a no-op for the root).
    """

    __slots__ = ("depth", "dir_fd", "must_dir", "name", "root_fd")

    def __init__(self, root_fd: int, dir_fd: int, name: str, depth: int, must_dir: bool) -> None:
        self.root_fd = root_fd
        self.dir_fd = dir_fd
        self.name = name
        self.depth = depth
        self.must_dir = must_dir

    def close(self) -> None:
        """Release the parent directory fd if resolution opened it."""
        if self.dir_fd != self.root_fd:
            os.close(self.dir_fd)
            self.dir_fd = self.root_fd

    def __enter__(self) -> Resolved:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_symlink(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return False


def escapes(target: str, depth: int) -> bool:
    """Whether a symlink body `target`, placed `depth` directories below the root, points outside."""
    if target.startswith("/"):
        return True
    for comp in target.split("/"):
        if comp == "..":
            depth -= 1
            if depth < 0:
                return True
        elif comp and comp != ".":
            depth += 1
    return False


def resolve(root_fd: int, path: str, follow: bool, slash_follows: bool = True) -> Resolved:
    """Resolve guest `path` under the directory `root_fd`; `follow` follows a final symlink.

    A trailing slash (`must_dir`) follows a final symlink too when `slash_follows` (lookups: open,
    stat, readlink, as POSIX); calls that act on the entry itself (unlink, rmdir, rename, link) pass
    False and check that the entry is a directory. Raises `ErrnoError` (EPERM on escape, ENOENT for "",
    EINVAL for a NUL, ENAMETOOLONG for PATH_MAX bytes or more, ELOOP) or `OSError`.
    """
    _check_path(path)
    # Fast path: one plain component, not followed.
    if "/" not in path and not follow and path != "..":
        return Resolved(root_fd, root_fd, path, 0, False)
    must_dir = path.endswith("/")
    stack = [root_fd]
    try:
        name = _walk(stack, deque(_components(path)), follow or (must_dir and slash_follows))
    except BaseException:
        for fd in stack[1:]:
            os.close(fd)
        raise
    for fd in stack[1:-1]:
        os.close(fd)
    return Resolved(root_fd, stack[-1], name, len(stack) - 1, must_dir)


def _check_path(path: str) -> None:
    """The errors a path earns before any lookup."""
    if not path:
        raise ErrnoError(ENOENT)
    if "\0" in path:
        raise ErrnoError(EINVAL)
    if len(path) >= PATH_MAX // 4 and len(path.encode()) >= PATH_MAX:
        raise ErrnoError(ENAMETOOLONG)
    if path[0] == "/":
        raise ErrnoError(EPERM)


def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c and c != "."]


def _walk(stack: list[int], comps: deque[str], follow: bool) -> str:
    """Open each directory of `comps` onto `stack` (`..` pops it); returns the final name (`.` for none)."""
    links = 0
    while comps:
        comp = comps.popleft()
        if comp == "..":
            if len(stack) == 1:
                raise ErrnoError(EPERM)
            os.close(stack.pop())
            continue
        cur = stack[-1]
        if not comps:  # final component
            if not (follow and _is_symlink(comp, cur)):
                return comp
            links = _splice_symlink(comp, cur, comps, links)
            continue
        try:
            stack.append(os.open(comp, _DIR_FLAGS, dir_fd=cur))
            continue
        except OSError as exc:
            if exc.errno not in _NOT_A_DIR or not _is_symlink(comp, cur):
                raise
        links = _splice_symlink(comp, cur, comps, links)
    return "."


def _splice_symlink(comp: str, dir_fd: int, comps: deque[str], links: int) -> int:
    """Put the body of the symlink `comp` in front of the components still to walk; returns the link
    count so far (ELOOP past the limit, EPERM for an absolute body)."""
    links += 1
    if links > _MAX_SYMLINKS:
        raise ErrnoError(ELOOP)
    target = os.readlink(comp, dir_fd=dir_fd)
    if target.startswith("/"):
        raise ErrnoError(EPERM)
    comps.extendleft(reversed(_components(target)))
    return links
