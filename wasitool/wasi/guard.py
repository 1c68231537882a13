"""Turn what a host call raises (except ProcExit) into an errno for the guest.

Expected failures have an errno: `ErrnoError` (the calls' own), `OSError` (mapped), `struct.error` (a
pointer outside memory: EFAULT). Anything else is a wasitool bug. In production the guest gets EIO and
the first such bug of the process is logged with its call and traceback to `<store>/logs/` (the guest's
output is left alone). With `$WASITOOL_STRICT_HOST_CALLS=1` (the test suite sets it) the bug is raised
instead, so that a test checking "an errno in 0..76" cannot pass on a crash. The environment is read
when a bug happens: the hot path pays nothing.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from .config import ProcExit
from .errno import EFAULT, EIO, ErrnoError, from_oserror

HostFunction = Callable[..., "int | None"]
STRICT_ENV = "WASITOOL_STRICT_HOST_CALLS"

# Calls that catch their own exceptions (the hot ones), registered without the wrapper.
SELF_GUARDED = frozenset({"fd_write", "fd_read", "fd_pread", "fd_pwrite", "fd_seek", "fd_tell", "clock_time_get",
                          "proc_exit"})

_logged: list[str] = []  # the log written for this process's first unexpected exception (at most one)


def errno_of(exc: Exception, call: str | None = None) -> int:
    """The errno a failed host call returns: ErrnoError -> its errno, OSError -> mapped, struct.error
    (a pointer outside memory) -> EFAULT; anything else is a bug: raised in strict mode, else logged
    once and EIO. Self-guarded calls use it too (`call` defaults to the function that caught `exc`)."""
    if isinstance(exc, ErrnoError):
        return exc.errno
    if isinstance(exc, OSError):
        return from_oserror(exc)
    if isinstance(exc, struct.error):
        return EFAULT
    if strict():
        raise exc
    if not _logged:
        _logged.append(_log_bug(exc, call))
    return EIO


def strict() -> bool:
    """Whether a bug in a host call is raised (`$WASITOOL_STRICT_HOST_CALLS` set and not 0)."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def guard(fn: HostFunction) -> HostFunction:
    """Wrap `fn` so that every exception but ProcExit becomes an errno (`errno_of`)."""
    name = getattr(fn, "__name__", "host_call")

    def guarded(*args: int) -> int | None:
        try:
            return fn(*args)
        except ProcExit:
            raise
        except Exception as exc:
            return errno_of(exc, f"{name}{args}")

    guarded.__name__ = name
    guarded.__doc__ = fn.__doc__
    return guarded


def _log_bug(exc: Exception, call: str | None) -> str:
    """Write the bug's log (the call, versions, the traceback) where `bug_report` writes; its path, or ""."""
    import sys

    from wasitool.bug_report import write_log

    if call is None:  # a self-guarded call: the frame that caught it is the call itself
        tb = exc.__traceback__
        call = tb.tb_frame.f_code.co_name if tb is not None else "host call"
    path = write_log(exc, sys.argv, f"### host call {call} failed on a wasitool bug (the guest got EIO)",
                     "wasitool-hostcall")
    return str(path or "")
