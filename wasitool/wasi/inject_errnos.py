"""The errnos each preview1 call may legally return, most likely failure first (for `--inject` and sweeps).

The witx gives every function the same `(error $errno)` result and lists no errnos per call, so the table
follows what each call stands for in wasi-libc (path_open is `openat`, fd_read `readv`, fd_readdir
`getdents`, ...): the errnos POSIX allows for that function, restricted to the preview1 enum, plus
ENOTCAPABLE where the call checks rights and EBADF where it takes an fd (both as the wasmtime CLI returns
them). EFAULT is left out: a host returns it only for a pointer outside memory, which the guest controls.
Calls that cannot fail for valid arguments (args_get, environ_get, their sizes, sched_yield's success)
have no entry worth injecting and map to an empty tuple; proc_exit has no result at all.
"""

from __future__ import annotations

from .errno import errno_name
from .signatures import SIGNATURES

_PATH_LOOKUP = "ENOENT EACCES ENOTDIR ELOOP ENAMETOOLONG EBADF ENOTCAPABLE EIO"
_PATH_CHANGE = f"{_PATH_LOOKUP} EPERM EROFS ENOSPC EDQUOT"
_WRITE = "ENOSPC EIO EDQUOT EFBIG EPIPE EAGAIN EINTR EINVAL EPERM EBADF ENOTCAPABLE"
_READ = "EIO EAGAIN EINTR EINVAL EISDIR EBADF ENOTCAPABLE"

_TABLE: dict[str, str] = {
    "args_get": "", "args_sizes_get": "", "environ_get": "", "environ_sizes_get": "",
    "clock_res_get": "EINVAL ENOTSUP",
    "clock_time_get": "EINVAL ENOTSUP EOVERFLOW",
    "fd_advise": "EINVAL ESPIPE EBADF ENOTCAPABLE",
    "fd_allocate": "ENOSPC EFBIG EINVAL EIO ENODEV ENOTSUP ESPIPE EBADF ENOTCAPABLE",
    "fd_close": "EIO ENOSPC EDQUOT EINTR EBADF",
    "fd_datasync": "EIO ENOSPC EDQUOT EINVAL EBADF ENOTCAPABLE",
    "fd_fdstat_get": "EBADF",
    "fd_fdstat_set_flags": "EINVAL ENOTSUP EBADF ENOTCAPABLE",
    "fd_fdstat_set_rights": "ENOTCAPABLE EBADF",
    "fd_filestat_get": "EIO EOVERFLOW ENOMEM EBADF ENOTCAPABLE",
    "fd_filestat_set_size": "EFBIG EIO EINVAL EISDIR EPERM ETXTBSY EBADF ENOTCAPABLE",
    "fd_filestat_set_times": "EPERM EACCES EINVAL EROFS EBADF ENOTCAPABLE",
    "fd_pread": f"{_READ} ESPIPE EOVERFLOW ENXIO",
    "fd_prestat_get": "EBADF",
    "fd_prestat_dir_name": "ENAMETOOLONG EINVAL EBADF",
    "fd_pwrite": f"{_WRITE} ESPIPE ENXIO",
    "fd_read": _READ,
    "fd_readdir": "EIO ENOENT ENOMEM EOVERFLOW EINVAL ENOTDIR EBADF ENOTCAPABLE",
    "fd_renumber": "EBADF ENOTSUP",
    "fd_seek": "EINVAL EOVERFLOW ESPIPE EBADF ENOTCAPABLE",
    "fd_sync": "EIO ENOSPC EDQUOT EINVAL EBADF ENOTCAPABLE",
    "fd_tell": "ESPIPE EOVERFLOW EBADF ENOTCAPABLE",
    "fd_write": _WRITE,
    "path_create_directory": f"EEXIST {_PATH_CHANGE} EMLINK",
    "path_filestat_get": f"{_PATH_LOOKUP} EOVERFLOW ENOMEM",
    "path_filestat_set_times": f"{_PATH_LOOKUP} EPERM EROFS EINVAL",
    "path_link": f"{_PATH_CHANGE} EEXIST EMLINK EXDEV",
    "path_open": f"{_PATH_CHANGE} EEXIST EISDIR EMFILE ENFILE ENOMEM ENXIO EOVERFLOW ETXTBSY EINTR EINVAL "
                 "EAGAIN EFBIG",
    "path_readlink": f"{_PATH_LOOKUP} EINVAL",
    "path_remove_directory": f"{_PATH_CHANGE} ENOTEMPTY EBUSY EINVAL",
    "path_rename": f"{_PATH_CHANGE} ENOTEMPTY EEXIST EISDIR EBUSY EMLINK EXDEV EINVAL",
    "path_symlink": f"{_PATH_CHANGE} EEXIST",
    "path_unlink_file": f"{_PATH_CHANGE} EISDIR EBUSY",
    "poll_oneoff": "EINTR ENOMEM EINVAL ENOTSUP",
    "proc_exit": "",
    "proc_raise": "ENOSYS EINVAL ENOTSUP",
    "random_get": "EIO ENOSYS EAGAIN EINTR",
    "sched_yield": "ENOSYS",
    "sock_accept": "EAGAIN ECONNABORTED EINTR EINVAL EMFILE ENFILE ENOBUFS ENOMEM EPROTO ENOTSOCK ENOTSUP "
                   "EBADF ENOTCAPABLE",
    "sock_recv": "ECONNRESET EAGAIN ECONNREFUSED EINTR EINVAL ENOMEM ENOTCONN ETIMEDOUT ENOTSOCK EBADF "
                 "ENOTCAPABLE",
    "sock_send": "EPIPE ECONNRESET EAGAIN EDESTADDRREQ EINTR EINVAL EMSGSIZE ENOBUFS ENOMEM ENOTCONN ENOTSOCK "
                 "EBADF ENOTCAPABLE",
    "sock_shutdown": "ENOTCONN EINVAL ENOTSOCK EBADF ENOTCAPABLE",
}

_CODES = {errno_name(code): code for code in range(77)}

LEGAL_ERRNOS: dict[str, tuple[str, ...]] = {name: tuple(dict.fromkeys(_TABLE[name].split())) for name in SIGNATURES}
"""Call name -> the errno names it may return, the most likely failure first."""

assert set(_TABLE) == set(SIGNATURES)
assert all(e in _CODES for names in LEGAL_ERRNOS.values() for e in names)


def errno_code(name: str) -> int:
    """The preview1 value of an errno name (KeyError for a name outside the enum)."""
    return _CODES[name]


def most_likely(call: str) -> str | None:
    """The errno a sweep gives `call` (None: the call cannot fail for valid arguments)."""
    names = LEGAL_ERRNOS.get(call, ())
    return names[0] if names else None
