"""An exclusive inter-process lock on a file (fcntl on POSIX, msvcrt on Windows)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

POLL = 0.05  # seconds between attempts while waiting with a message to give


@contextmanager
def exclusive_lock(path: Path, on_wait: Callable[[], None] | None = None, patience: float = 0.5) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed); a second process blocks until it is released.

    `on_wait` is called once when the lock is still taken after `patience` seconds (to say who waits for
    what), then the wait goes on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        if on_wait is None and sys.platform != "win32":
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        else:
            _wait_for(handle, on_wait, patience)
        yield  # closing the file releases the lock


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait_for(handle: IO[bytes], on_wait: Callable[[], None] | None, patience: float) -> None:
    """Poll for the lock (msvcrt has no unbounded blocking lock); call `on_wait` once after `patience`."""
    deadline = time.monotonic() + patience
    while not _try_lock(handle):
        if on_wait is not None and time.monotonic() >= deadline:
            on_wait()
            on_wait = None
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                return
        time.sleep(POLL)
