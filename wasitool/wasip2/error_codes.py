"""`wasi:filesystem/types.error-code` for a failed host operation (an `OSError` or preview1's `ErrnoError`).

The names follow the WIT; the preview1 errno each one corresponds to is the adapter's mapping back, so
a guest built for preview1 sees the errno it would see on preview1 (ENOTCAPABLE has no 0.2 twin: a
refused right is `not-permitted`, as the wasmtime CLI answers).
"""

from __future__ import annotations

from wasitool.wasi.errno import Errno, ErrnoError, from_oserror

_BY_ERRNO = {
    Errno.EACCES: "access", Errno.EAGAIN: "would-block", Errno.EALREADY: "already",
    Errno.EBADF: "bad-descriptor", Errno.EBUSY: "busy", Errno.EDEADLK: "deadlock", Errno.EDQUOT: "quota",
    Errno.EEXIST: "exist", Errno.EFBIG: "file-too-large", Errno.EILSEQ: "illegal-byte-sequence",
    Errno.EINPROGRESS: "in-progress", Errno.EINTR: "interrupted", Errno.EINVAL: "invalid", Errno.EIO: "io",
    Errno.EISDIR: "is-directory", Errno.ELOOP: "loop", Errno.EMLINK: "too-many-links",
    Errno.EMSGSIZE: "message-size", Errno.ENAMETOOLONG: "name-too-long", Errno.ENODEV: "no-device",
    Errno.ENOENT: "no-entry", Errno.ENOLCK: "no-lock", Errno.ENOMEM: "insufficient-memory",
    Errno.ENOSPC: "insufficient-space", Errno.ENOTDIR: "not-directory", Errno.ENOTEMPTY: "not-empty",
    Errno.ENOTRECOVERABLE: "not-recoverable", Errno.ENOTSUP: "unsupported", Errno.ENOTTY: "no-tty",
    Errno.ENXIO: "no-such-device", Errno.EOVERFLOW: "overflow", Errno.EPERM: "not-permitted",
    Errno.EPIPE: "pipe", Errno.EROFS: "read-only", Errno.ESPIPE: "invalid-seek", Errno.ETXTBSY: "text-file-busy",
    Errno.EXDEV: "cross-device", Errno.ENOTCAPABLE: "not-permitted",
}


def error_code(exc: OSError | ErrnoError) -> str:
    """The error-code name for a failed operation (`io` when there is no closer one)."""
    errno = exc.errno if isinstance(exc, ErrnoError) else from_oserror(exc)
    return _BY_ERRNO.get(errno, "io")
