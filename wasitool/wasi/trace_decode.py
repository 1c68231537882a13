"""What a host call's arguments point at, read from guest memory for the trace (never written).

`decode_params` runs before the call (paths, the bytes an fd_write sends, poll subscriptions, flag
names); `decode_outputs` runs after a successful call (what the call wrote: out-pointers, the
dirents of fd_readdir, the bytes fd_read filled in, argv after args_get, poll events).
Every decoder reads through `GuestView`, which raises `Unreadable` instead of touching memory
outside the guest's; the value then shows as `<fault>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from . import trace_names as names
from .errno import errno_name
from .layouts import (
    DIRENT,
    EVENT,
    FDSTAT,
    FILESTAT,
    IOVEC,
    PRESTAT,
    SUB_CLOCK,
    SUB_HEAD,
    SUBSCRIPTION_SIZE,
    U16,
    U32,
    U64,
)
from .signatures import Signature
from .trace_values import Fault, Flags, Items, Named, Num, Points, Ptr, Struct, Text, Value

M32 = 0xFFFF_FFFF
M64 = 0xFFFF_FFFF_FFFF_FFFF
ERRNO_NAMES = tuple(errno_name(code) for code in range(77))
PATH_MAX = 4096  # paths and file names are shown whole up to this length
MAX_ITEMS = 256  # longest array shown (iovecs, dirents, subscriptions, argv)


class Unreadable(Exception):
    """A decoder tried to read outside the guest's memory."""


class TraceEnv(NamedTuple):
    """What decoders may use: the memory, the byte limit for data, the argv / environ counts."""

    view: Callable[[], memoryview]
    max_bytes: int
    argc: int
    envc: int


class GuestView:
    """Bounds-checked reads of one memory view."""

    __slots__ = ("mem",)

    def __init__(self, mem: memoryview) -> None:
        self.mem = mem

    def read(self, ptr: int, length: int) -> bytes:
        ptr &= M32
        if length < 0 or ptr + length > len(self.mem):
            raise Unreadable
        return bytes(self.mem[ptr : ptr + length])

    def u32(self, ptr: int) -> int:
        value: int = U32.unpack(self.read(ptr, 4))[0]
        return value

    def cstring(self, ptr: int, limit: int) -> Text:
        """The NUL-terminated string at `ptr`, cut after `limit` bytes."""
        ptr &= M32
        if ptr >= len(self.mem):
            raise Unreadable
        chunk = bytes(self.mem[ptr : min(ptr + limit + 1, len(self.mem))])
        end = chunk.find(b"\0")
        if end >= 0:
            return Text(chunk[:end])
        return Text(chunk[:limit], truncated=True)


def text_of(data: bytes, limit: int) -> Text:
    return Text(data[:limit], truncated=len(data) > limit)


# -- parameters, before the call ------------------------------------------------------------------------

Args = dict[str, int]
ParamDecoder = Callable[[GuestView, Args, TraceEnv], Value]


def _path(ptr: str, length: str) -> ParamDecoder:
    def decode(g: GuestView, a: Args, env: TraceEnv) -> Value:
        n = a[length] & M32
        return text_of(g.read(a[ptr], min(n, PATH_MAX + 1)), PATH_MAX)
    return decode


def _ciovecs(ptr: str, count: str) -> ParamDecoder:
    """iovecs whose bytes go to the host: each shown with its contents (fd_write, sock_send)."""
    return _iovec_array(ptr, count, lambda g, buf, buf_len, env: _data_at(g, buf, buf_len, env.max_bytes))


def _iovec_array(ptr: str, count: str, show_buf: Callable[[GuestView, int, int, TraceEnv], Value]) -> ParamDecoder:
    """An array of (buf, buf_len) pairs, `buf` shown by `show_buf`, at most MAX_ITEMS of them."""
    def decode(g: GuestView, a: Args, env: TraceEnv) -> Value:
        items: list[Value] = []
        n = a[count] & M32
        for i in range(min(n, MAX_ITEMS)):
            buf, buf_len = IOVEC.unpack(g.read(a[ptr] + i * IOVEC.size, IOVEC.size))
            items.append(Struct({"buf": show_buf(g, buf, buf_len, env), "buf_len": Num(buf_len)}))
        return Items(items, more=max(0, n - MAX_ITEMS))
    return decode


def _data_at(g: GuestView, ptr: int, length: int, limit: int) -> Value:
    try:
        return text_of(g.read(ptr, min(length, limit + 1)), limit)
    except Unreadable:
        return Fault()


def _iovecs(ptr: str, count: str) -> ParamDecoder:
    """iovecs the host fills: shown as (address, length); the bytes appear after the call."""
    return _iovec_array(ptr, count, lambda g, buf, buf_len, env: Ptr(buf))


def _flags(param: str, table: tuple[str, ...], complement: bool = False) -> ParamDecoder:
    return lambda g, a, env: Flags(a[param] & M64, table, complement)


def _enum(param: str, table: tuple[str, ...]) -> ParamDecoder:
    return lambda g, a, env: Named(a[param] & M32, table)


def _u64(param: str) -> ParamDecoder:
    return lambda g, a, env: Num(a[param] & M64)


def _subscriptions(g: GuestView, a: Args, env: TraceEnv) -> Value:
    items: list[Value] = []
    n = a["nsubscriptions"] & M32
    for i in range(min(n, MAX_ITEMS)):
        raw = g.read(a["in"] + i * SUBSCRIPTION_SIZE, SUBSCRIPTION_SIZE)
        userdata, tag = SUB_HEAD.unpack_from(raw)
        fields: dict[str, Value] = {"userdata": Num(userdata), "type": Named(tag, names.EVENTTYPE)}
        if tag == 0:
            clock, timeout, precision, flags = SUB_CLOCK.unpack_from(raw, 16)
            fields.update(id=Named(clock, names.CLOCKID), timeout=Num(timeout), precision=Num(precision),
                          flags=Flags(flags, names.SUBCLOCKFLAGS))
        elif tag in (1, 2):
            fields["fd"] = Num(U32.unpack_from(raw, 16)[0])
        items.append(Struct(fields))
    return Items(items, more=max(0, n - MAX_ITEMS))


_RIGHTS = ("fs_rights_base", "fs_rights_inheriting")
PARAMS: dict[str, dict[str, ParamDecoder]] = {
    "clock_res_get": {"id": _enum("id", names.CLOCKID)},
    "clock_time_get": {"id": _enum("id", names.CLOCKID), "precision": _u64("precision")},
    "fd_advise": {"advice": _enum("advice", names.ADVICE)},
    "fd_fdstat_set_flags": {"flags": _flags("flags", names.FDFLAGS)},
    "fd_fdstat_set_rights": {r: _flags(r, names.RIGHTS, complement=True) for r in _RIGHTS},
    "fd_filestat_set_times": {"atim": _u64("atim"), "mtim": _u64("mtim"),
                              "fst_flags": _flags("fst_flags", names.FSTFLAGS)},
    "fd_pread": {"iovs": _iovecs("iovs", "iovs_len")},
    "fd_pwrite": {"iovs": _ciovecs("iovs", "iovs_len")},
    "fd_read": {"iovs": _iovecs("iovs", "iovs_len")},
    "fd_readdir": {"cookie": _u64("cookie")},
    "fd_seek": {"whence": _enum("whence", names.WHENCE)},
    "fd_write": {"iovs": _ciovecs("iovs", "iovs_len")},
    "path_create_directory": {"path": _path("path", "path_len")},
    "path_filestat_get": {"flags": _flags("flags", names.LOOKUPFLAGS), "path": _path("path", "path_len")},
    "path_filestat_set_times": {"flags": _flags("flags", names.LOOKUPFLAGS), "path": _path("path", "path_len"),
                                "atim": _u64("atim"), "mtim": _u64("mtim"),
                                "fst_flags": _flags("fst_flags", names.FSTFLAGS)},
    "path_link": {"old_flags": _flags("old_flags", names.LOOKUPFLAGS),
                  "old_path": _path("old_path", "old_path_len"), "new_path": _path("new_path", "new_path_len")},
    "path_open": {"dirflags": _flags("dirflags", names.LOOKUPFLAGS), "path": _path("path", "path_len"),
                  "oflags": _flags("oflags", names.OFLAGS), "fdflags": _flags("fdflags", names.FDFLAGS),
                  **{r: _flags(r, names.RIGHTS, complement=True) for r in _RIGHTS}},
    "path_readlink": {"path": _path("path", "path_len")},
    "path_remove_directory": {"path": _path("path", "path_len")},
    "path_rename": {"old_path": _path("old_path", "old_path_len"), "new_path": _path("new_path", "new_path_len")},
    "path_symlink": {"old_path": _path("old_path", "old_path_len"), "new_path": _path("new_path", "new_path_len")},
    "path_unlink_file": {"path": _path("path", "path_len")},
    "poll_oneoff": {"in": _subscriptions},
    "proc_raise": {"sig": _enum("sig", names.SIGNAL)},
    "sock_accept": {"flags": _flags("flags", names.FDFLAGS)},
    "sock_recv": {"ri_data": _iovecs("ri_data", "ri_data_len"), "ri_flags": _flags("ri_flags", names.RIFLAGS)},
    "sock_send": {"si_data": _ciovecs("si_data", "si_data_len")},
    "sock_shutdown": {"how": _flags("how", names.SDFLAGS)},
}


def decode_params(sig: Signature, args: tuple[int, ...], env: TraceEnv) -> list[tuple[str, Value]]:
    """(name, value) for every parameter: pointers in hex, and what the table above decodes."""
    named = {pname: value for (pname, _), value in zip(sig.params, args, strict=False)}
    special = PARAMS.get(sig.name, {})
    guest: GuestView | None = None
    out: list[tuple[str, Value]] = []
    for pname, _ in sig.params[: len(args)]:
        decoder = special.get(pname)
        if decoder is None:
            out.append((pname, Ptr(named[pname]) if pname in sig.pointers else Num(named[pname])))
            continue
        if guest is None:
            guest = _guest(env)
        out.append((pname, _safely(decoder, guest, named, env)))
    return out


def _guest(env: TraceEnv) -> GuestView:
    try:
        return GuestView(env.view())
    except Exception:
        return GuestView(memoryview(b""))


def _safely(decoder: ParamDecoder, guest: GuestView, args: Args, env: TraceEnv) -> Value:
    try:
        return decoder(guest, args, env)
    except Exception:  # Unreadable, or a struct that does not fit: the trace shows it, the call decides
        return Fault()


# -- outputs, after a successful call -------------------------------------------------------------------

def _out_u16(g: GuestView, ptr: int) -> Value:
    return Num(U16.unpack(g.read(ptr, 2))[0])


def _out_u32(g: GuestView, ptr: int) -> Value:
    return Num(U32.unpack(g.read(ptr, 4))[0])


def _out_u64(g: GuestView, ptr: int) -> Value:
    return Num(U64.unpack(g.read(ptr, 8))[0])


def _out_fdstat(g: GuestView, ptr: int) -> Value:
    filetype, flags, base, inheriting = FDSTAT.unpack(g.read(ptr, FDSTAT.size))
    return Struct({"filetype": Named(filetype, names.FILETYPE), "flags": Flags(flags, names.FDFLAGS),
                   "rights_base": Flags(base, names.RIGHTS, True),
                   "rights_inheriting": Flags(inheriting, names.RIGHTS, True)})


def _out_filestat(g: GuestView, ptr: int) -> Value:
    dev, ino, filetype, nlink, size, atim, mtim, ctim = FILESTAT.unpack(g.read(ptr, FILESTAT.size))
    return Struct({"dev": Num(dev), "ino": Num(ino), "filetype": Named(filetype, names.FILETYPE),
                   "nlink": Num(nlink), "size": Num(size), "atim": Num(atim), "mtim": Num(mtim), "ctim": Num(ctim)})


def _out_prestat(g: GuestView, ptr: int) -> Value:
    tag, name_len = PRESTAT.unpack(g.read(ptr, PRESTAT.size))
    return Struct({"tag": Named(tag, names.PREOPENTYPE), "name_len": Num(name_len)})


OUT_KINDS: dict[str, Callable[[GuestView, int], Value]] = {
    "u16": _out_u16, "u32": _out_u32, "u64": _out_u64,
    "fdstat": _out_fdstat, "filestat": _out_filestat, "prestat": _out_prestat,
}

ExtraDecoder = Callable[[GuestView, Args, TraceEnv], list[tuple[str, Value]]]


def _filled(iovs: str, count: str, used: str) -> ExtraDecoder:
    """The bytes a read put into the iovecs, up to the count it reported (cut at the byte limit)."""
    def decode(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
        total = g.u32(a[used])
        need = min(total, env.max_bytes + 1)
        chunks: list[bytes] = []
        got = 0
        for i in range(min(a[count] & M32, MAX_ITEMS)):
            if got >= need:
                break
            buf, buf_len = IOVEC.unpack(g.read(a[iovs] + i * IOVEC.size, IOVEC.size))
            take = min(buf_len, need - got)
            chunks.append(g.read(buf, take))
            got += take
        data = b"".join(chunks)
        return [("data", Text(data[: env.max_bytes], truncated=total > env.max_bytes))]
    return decode


def _dirents(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    """The records fd_readdir wrote: 24-byte headers, each followed by its name."""
    used = g.u32(a["bufused"])
    blob = g.read(a["buf"], used)
    items: list[Value] = []
    pos = 0
    while pos + DIRENT.size <= len(blob) and len(items) < MAX_ITEMS:
        d_next, d_ino, d_namlen, d_type = DIRENT.unpack_from(blob, pos)
        name = blob[pos + DIRENT.size : pos + DIRENT.size + min(d_namlen, PATH_MAX)]
        items.append(Struct({"d_next": Num(d_next), "d_ino": Num(d_ino), "d_namlen": Num(d_namlen),
                             "d_type": Named(d_type, names.FILETYPE),
                             "name": Text(name, truncated=len(name) < d_namlen)}))
        pos += DIRENT.size + d_namlen
    return [("buf", Items(items, more=1 if pos < len(blob) else 0))]


def _strings(array: str, buffer: str, count_of: Callable[[TraceEnv], int]) -> ExtraDecoder:
    """args_get / environ_get: the pointer array (each pointer with its string) and the buffer."""
    def decode(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
        count = count_of(env)
        pointers = [g.u32(a[array] + 4 * i) for i in range(min(count, MAX_ITEMS))]
        items: list[Value] = []
        end = a[buffer] & M32
        for p in pointers:
            full = g.cstring(p, PATH_MAX)
            end = max(end, p + len(full.data) + 1)
            items.append(Points(p, text_of(full.data, env.max_bytes)))
        block = g.read(a[buffer], end - (a[buffer] & M32))
        return [(array, Items(items, more=max(0, count - MAX_ITEMS))), (buffer, text_of(block, env.max_bytes))]
    return decode


def _prestat_name(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    return [("path", text_of(g.read(a["path"], min(a["path_len"] & M32, PATH_MAX + 1)), PATH_MAX))]


def _readlink(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    used = g.u32(a["bufused"])
    return [("buf", text_of(g.read(a["buf"], min(used, PATH_MAX + 1)), PATH_MAX))]


def _random(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    length = a["buf_len"] & M32
    return [("buf", text_of(g.read(a["buf"], min(length, env.max_bytes + 1)), env.max_bytes))]


def _events(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    count = g.u32(a["nevents"])
    items: list[Value] = []
    for i in range(min(count, MAX_ITEMS)):
        userdata, error, kind, nbytes, flags = EVENT.unpack(g.read(a["out"] + i * EVENT.size, EVENT.size))
        fields: dict[str, Value] = {"userdata": Num(userdata), "error": Named(error, ERRNO_NAMES),
                                    "type": Named(kind, names.EVENTTYPE)}
        if kind in (1, 2):
            fields.update(nbytes=Num(nbytes), flags=Flags(flags, names.EVENTRWFLAGS))
        items.append(Struct(fields))
    return [("out", Items(items, more=max(0, count - MAX_ITEMS)))]


def _roflags(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    return [("ro_flags", Flags(U16.unpack(g.read(a["ro_flags"], 2))[0], names.ROFLAGS))]


# Per call: (the names a decoder adds, the decoder); the names show `<fault>` if it cannot read.
OUTPUTS: dict[str, list[tuple[tuple[str, ...], ExtraDecoder]]] = {
    "args_get": [(("argv", "argv_buf"), _strings("argv", "argv_buf", lambda env: env.argc))],
    "environ_get": [(("environ", "environ_buf"), _strings("environ", "environ_buf", lambda env: env.envc))],
    "fd_pread": [(("data",), _filled("iovs", "iovs_len", "nread"))],
    "fd_prestat_dir_name": [(("path",), _prestat_name)],
    "fd_read": [(("data",), _filled("iovs", "iovs_len", "nread"))],
    "fd_readdir": [(("buf",), _dirents)],
    "path_readlink": [(("buf",), _readlink)],
    "poll_oneoff": [(("out",), _events)],
    "random_get": [(("buf",), _random)],
    "sock_recv": [(("ro_flags",), _roflags), (("data",), _filled("ri_data", "ri_data_len", "ro_datalen"))],
}
SKIP_SCALAR = {"sock_recv": {"ro_flags"}}  # decoded by name above instead


def decode_outputs(sig: Signature, args: tuple[int, ...], env: TraceEnv) -> list[tuple[str, Value]]:
    """(name, value) for what a successful call wrote: its out-pointers, then the buffers it filled."""
    guest = _guest(env)
    named = {pname: value for (pname, _), value in zip(sig.params, args, strict=False)}
    out: list[tuple[str, Value]] = []
    skip = SKIP_SCALAR.get(sig.name, set())
    for pname, kind in sig.outputs:
        if pname in skip:
            continue
        try:
            out.append((pname, OUT_KINDS[kind](guest, named[pname])))
        except Exception:
            out.append((pname, Fault()))
    for labels, decoder in OUTPUTS.get(sig.name, []):
        try:
            out.extend(decoder(guest, named, env))
        except Exception:  # Unreadable, or a struct that does not fit
            out.extend((label, Fault()) for label in labels)
    return out
