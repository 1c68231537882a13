"""The fd_readdir listing of a directory, built once per cookie-0 pass.

The whole listing (`.`, `..`, then the entries in host order) is serialized once into one
blob of dirents (24-byte header + name). Entry i has d_next = i + 1, so the bytes for any
cookie are a slice of the blob starting at `offsets[cookie]`: each fd_readdir call is one
copy, and a full buffer (truncated last entry) naturally gives bufused == buf_len.
"""

from __future__ import annotations

import os

from .constants import (
    FILETYPE_DIRECTORY,
    FILETYPE_REGULAR_FILE,
    FILETYPE_SYMBOLIC_LINK,
    FILETYPE_UNKNOWN,
)
from .fdtable import filetype_of
from .layouts import DIRENT

_pack = DIRENT.pack


def _entry_type(entry: os.DirEntry[str]) -> int:
    """d_type from the DirEntry (no stat unless the host gave DT_UNKNOWN or a special file)."""
    try:
        if entry.is_symlink():
            return FILETYPE_SYMBOLIC_LINK
        if entry.is_dir(follow_symlinks=False):
            return FILETYPE_DIRECTORY
        if entry.is_file(follow_symlinks=False):
            return FILETYPE_REGULAR_FILE
        return filetype_of(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return FILETYPE_UNKNOWN


def build_listing(dir_fd: int, root_id: tuple[int, int] | None = None) -> tuple[memoryview, list[int]]:
    """(dirent blob, offsets) for the directory open as `dir_fd`; offsets[n] == len(blob).

    `root_id` is the (st_dev, st_ino) of the preopen the directory lies under: at that root, `..`
    carries the root's own inode (as `/..` is `/`), never the inode of the host directory above it.
    """
    try:
        st = os.fstat(dir_fd)
        dot_ino = st.st_ino
        at_root = root_id is None or (st.st_dev, st.st_ino) == root_id
    except OSError:
        dot_ino, at_root = 0, True
    try:
        dotdot_ino = dot_ino if at_root else os.stat("..", dir_fd=dir_fd).st_ino
    except OSError:
        dotdot_ino = 0
    parts = [_pack(1, dot_ino, 1, FILETYPE_DIRECTORY), b".", _pack(2, dotdot_ino, 2, FILETYPE_DIRECTORY), b".."]
    offsets = [0, 25, 51]
    pos = 51
    cookie = 2
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            name = os.fsencode(entry.name)
            cookie += 1
            parts.append(_pack(cookie, entry.inode(), len(name), _entry_type(entry)))
            parts.append(name)
            pos += 24 + len(name)
            offsets.append(pos)
    return memoryview(b"".join(parts)), offsets
