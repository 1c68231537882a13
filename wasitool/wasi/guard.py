"""Turn anything a host call raises (except ProcExit) into an errno for the guest."""

from __future__ import annotations

import struct
from collections.abc import Callable

from .config import ProcExit
from .errno import EFAULT, EIO, ErrnoError, from_oserror

HostFunction = Callable[..., "int | None"]

# Calls that catch their own exceptions (the hot ones), registered without the wrapper.
SELF_GUARDED = frozenset({"fd_write", "fd_read", "fd_seek", "fd_tell", "clock_time_get", "proc_exit"})


def guard(fn: HostFunction) -> HostFunction:
    """Wrap `fn`: ErrnoError -> its errno, OSError -> mapped errno, struct.error -> EFAULT, else EIO."""

    def guarded(*args: int) -> int | None:
        try:
            return fn(*args)
        except ErrnoError as exc:
            return exc.errno
        except OSError as exc:
            return from_oserror(exc)
        except struct.error:
            return EFAULT
        except ProcExit:
            raise
        except Exception:
            return EIO

    guarded.__name__ = getattr(fn, "__name__", "host_call")
    guarded.__doc__ = fn.__doc__
    return guarded
