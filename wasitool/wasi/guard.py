"""Turn anything a host call raises (except ProcExit) into an errno for the guest."""

from __future__ import annotations

import struct
from collections.abc import Callable

from .config import ProcExit
from .errno import EFAULT, EIO, ErrnoError, from_oserror

HostFunction = Callable[..., "int | None"]

# Calls that catch their own exceptions (the hot ones), registered without the wrapper.
SELF_GUARDED = frozenset({"fd_write", "fd_read", "fd_seek", "fd_tell", "clock_time_get", "proc_exit"})


def errno_of(exc: Exception) -> int:
    """The errno a failed host call returns: ErrnoError -> its errno, OSError -> mapped, struct.error
    (a pointer outside memory) -> EFAULT, anything else -> EIO. Self-guarded calls use it too."""
    if isinstance(exc, ErrnoError):
        return exc.errno
    if isinstance(exc, OSError):
        return from_oserror(exc)
    if isinstance(exc, struct.error):
        return EFAULT
    return EIO


def guard(fn: HostFunction) -> HostFunction:
    """Wrap `fn` so that every exception but ProcExit becomes an errno (`errno_of`)."""

    def guarded(*args: int) -> int | None:
        try:
            return fn(*args)
        except ProcExit:
            raise
        except Exception as exc:
            return errno_of(exc)

    guarded.__name__ = getattr(fn, "__name__", "host_call")
    guarded.__doc__ = fn.__doc__
    return guarded
