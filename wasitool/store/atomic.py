"""The one way wasitool replaces a file: a temporary file in the same directory, flushed to disk, then one
`os.replace`. A reader sees the old file or the new one, never a part; a failure leaves the old one and
no temporary file. Directories made elsewhere (a staging dir, a build's output) move into place with
`move_into_place`. Temporary names end in `.tmp`, so a cache's pruning can find one a crash left.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_serial = itertools.count()


@contextmanager
def replacing(path: Path, mode: int | None = None) -> Iterator[Path]:
    """A fresh temporary path beside `path` for the caller (or a tool it runs) to write; on a clean exit the
    file is flushed to disk (`mode`: its permission bits) and renamed over `path`; on an error removed.
    `path`'s directory must exist."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{next(_serial)}.tmp")
    try:
        yield tmp
        _fsync(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str, mode: int | None = None) -> None:
    """Replace `path` by `data` (text is written as UTF-8, newlines kept as given), its directory made if
    needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path, mode) as tmp, open(tmp, "xb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` by `data` as indented JSON with sorted keys."""
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def move_into_place(made: Path, final: Path) -> None:
    """Rename a finished file or directory made on the same file system (a staging dir, a build's output)
    to `final` in one step; a file is flushed to disk first. A file replaces what `final` held; a
    directory needs `final` absent or empty (OSError otherwise: another process made it first)."""
    if made.is_file():
        _fsync(made)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(made, final)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if sys.platform == "win32" else os.O_RDONLY)  # Windows flushes writable fds only
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
