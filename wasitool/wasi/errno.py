"""WASI preview1 errno values and the mapping from host `OSError`s."""

from __future__ import annotations

import errno as _host


class Errno:
    """`errno` from the preview1 witx, in spec order (ESUCCESS = 0 ... ENOTCAPABLE = 76).

    Plain int constants, not an `IntEnum` (whose ~77 members cost ~1 ms of every run's start-up);
    `errno_name` gives the names.
    """

    ESUCCESS = 0
    E2BIG = 1
    EACCES = 2
    EADDRINUSE = 3
    EADDRNOTAVAIL = 4
    EAFNOSUPPORT = 5
    EAGAIN = 6
    EALREADY = 7
    EBADF = 8
    EBADMSG = 9
    EBUSY = 10
    ECANCELED = 11
    ECHILD = 12
    ECONNABORTED = 13
    ECONNREFUSED = 14
    ECONNRESET = 15
    EDEADLK = 16
    EDESTADDRREQ = 17
    EDOM = 18
    EDQUOT = 19
    EEXIST = 20
    EFAULT = 21
    EFBIG = 22
    EHOSTUNREACH = 23
    EIDRM = 24
    EILSEQ = 25
    EINPROGRESS = 26
    EINTR = 27
    EINVAL = 28
    EIO = 29
    EISCONN = 30
    EISDIR = 31
    ELOOP = 32
    EMFILE = 33
    EMLINK = 34
    EMSGSIZE = 35
    EMULTIHOP = 36
    ENAMETOOLONG = 37
    ENETDOWN = 38
    ENETRESET = 39
    ENETUNREACH = 40
    ENFILE = 41
    ENOBUFS = 42
    ENODEV = 43
    ENOENT = 44
    ENOEXEC = 45
    ENOLCK = 46
    ENOLINK = 47
    ENOMEM = 48
    ENOMSG = 49
    ENOPROTOOPT = 50
    ENOSPC = 51
    ENOSYS = 52
    ENOTCONN = 53
    ENOTDIR = 54
    ENOTEMPTY = 55
    ENOTRECOVERABLE = 56
    ENOTSOCK = 57
    ENOTSUP = 58
    ENOTTY = 59
    ENXIO = 60
    EOVERFLOW = 61
    EOWNERDEAD = 62
    EPERM = 63
    EPIPE = 64
    EPROTO = 65
    EPROTONOSUPPORT = 66
    EPROTOTYPE = 67
    ERANGE = 68
    EROFS = 69
    ESPIPE = 70
    ESRCH = 71
    ESTALE = 72
    ETIMEDOUT = 73
    ETXTBSY = 74
    EXDEV = 75
    ENOTCAPABLE = 76


# The errnos the calls return, as module globals (a global lookup is cheaper than a class attribute);
# their values come from `Errno` above, the one table.
SUCCESS = Errno.ESUCCESS
EBADF = Errno.EBADF
EEXIST = Errno.EEXIST
EFAULT = Errno.EFAULT
EFBIG = Errno.EFBIG
EILSEQ = Errno.EILSEQ
EINVAL = Errno.EINVAL
EIO = Errno.EIO
EISDIR = Errno.EISDIR
ELOOP = Errno.ELOOP
ENAMETOOLONG = Errno.ENAMETOOLONG
ENOENT = Errno.ENOENT
ENOSYS = Errno.ENOSYS
ENOTCAPABLE = Errno.ENOTCAPABLE
ENOTDIR = Errno.ENOTDIR
ENOTSOCK = Errno.ENOTSOCK
ENOTSUP = Errno.ENOTSUP
EPERM = Errno.EPERM
ESPIPE = Errno.ESPIPE

_NAMES: tuple[str, ...] = tuple(name for name in vars(Errno) if name.startswith("E"))
assert all(getattr(Errno, name) == code for code, name in enumerate(_NAMES)), "Errno must be in spec order"


def _host_table() -> dict[int, int]:
    table: dict[int, int] = {}
    for code, name in enumerate(_NAMES):
        host = getattr(_host, name, None)
        if isinstance(host, int):
            table.setdefault(host, code)
    for alias, target in (("EWOULDBLOCK", Errno.EAGAIN), ("EOPNOTSUPP", Errno.ENOTSUP),
                          ("EDEADLOCK", Errno.EDEADLK)):
        host = getattr(_host, alias, None)
        if isinstance(host, int):
            table.setdefault(host, int(target))
    return table


_FROM_HOST = _host_table()


def from_oserror(exc: OSError) -> int:
    """The WASI errno for a host `OSError` (EIO when the host errno has no WASI twin)."""
    return _FROM_HOST.get(exc.errno or 0, EIO) if exc.errno else EIO


def errno_name(code: int) -> str:
    """`ESUCCESS`, `EBADF`, ... or `E?<n>` for a value outside the spec."""
    return _NAMES[code] if 0 <= code < len(_NAMES) else f"E?{code}"


class ErrnoError(Exception):
    """Raised inside a host call to return `errno` to the guest (never escapes a host call)."""

    __slots__ = ("errno",)

    def __init__(self, errno: int) -> None:
        super().__init__(errno)
        self.errno = errno
