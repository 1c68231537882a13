"""What a host call's arguments point at, read from guest memory for the trace (never written).

`decode_params` runs before the call (paths, the bytes an fd_write sends, poll subscriptions, flag
names); `decode_outputs` runs after a successful call (what the call wrote: out-pointers, the
dirents of fd_readdir, the bytes fd_read filled in, argv after args_get, poll events).
Every decoder reads through `GuestView`, which raises `Unreadable` instead of touching memory
outside the guest's; the value then shows as `<fault>`. A buffer (a path, a name, iovec data, a
string) is `<fault>` when its whole length is not in memory, as the call sees it (EFAULT), and is
shown up to the trace's byte limit (`--trace-bytes`): a decoder copies at most that much of it, and
at most MAX_ITEMS of an array, so tracing a hostile call costs no more than tracing a small one.
Scalar parameters show as their WASI type: unsigned, except `fd_seek`'s `offset` (a signed filedelta).
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
MAX_ITEMS = 256  # longest array shown (iovecs, dirents, subscriptions, argv)
SIGNED = frozenset({("fd_seek", "offset")})  # the only signed integer parameter of preview1 (filedelta)


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
        if ptr < 0 or length < 0 or ptr + length > len(self.mem):
            raise Unreadable
        return bytes(self.mem[ptr : ptr + length])

    def text(self, ptr: int, length: int, limit: int) -> Text:
        """The `length` bytes at `ptr` (all of them in memory, else Unreadable), cut after `limit`."""
        if ptr < 0 or length < 0 or ptr + length > len(self.mem):
            raise Unreadable
        return Text(bytes(self.mem[ptr : ptr + min(length, limit)]), truncated=length > limit)

    def whole(self, ptr: int, length: int) -> None:
        """Unreadable unless all `length` bytes at `ptr` are in memory (an array the call reads whole)."""
        if ptr < 0 or length < 0 or ptr + length > len(self.mem):
            raise Unreadable

    def u32(self, ptr: int) -> int:
        value: int = U32.unpack(self.read(ptr, 4))[0]
        return value

    def cstring(self, ptr: int, limit: int) -> Text:
        """The NUL-terminated string at `ptr`, cut after `limit` bytes."""
        if not 0 <= ptr < len(self.mem):
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
        return g.text(a[ptr], a[length] & M32, env.max_bytes)
    return decode


def _ciovecs(ptr: str, count: str) -> ParamDecoder:
    """iovecs whose bytes go to the host: each shown with its contents (fd_write, sock_send)."""
    return _iovec_array(ptr, count, lambda g, buf, buf_len, env: _data_at(g, buf, buf_len, env.max_bytes))


def _iovec_array(ptr: str, count: str, show_buf: Callable[[GuestView, int, int, TraceEnv], Value]) -> ParamDecoder:
    """An array of (buf, buf_len) pairs, `buf` shown by `show_buf`, at most MAX_ITEMS of them."""
    def decode(g: GuestView, a: Args, env: TraceEnv) -> Value:
        items: list[Value] = []
        n = a[count] & M32
        g.whole(a[ptr], n * IOVEC.size)
        for i in range(min(n, MAX_ITEMS)):
            buf, buf_len = IOVEC.unpack(g.read(a[ptr] + i * IOVEC.size, IOVEC.size))
            items.append(Struct({"buf": show_buf(g, buf, buf_len, env), "buf_len": Num(buf_len)}))
        return Items(items, more=max(0, n - MAX_ITEMS))
    return decode


def _data_at(g: GuestView, ptr: int, length: int, limit: int) -> Value:
    try:
        return g.text(ptr, length, limit)
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
    g.whole(a["in"], n * SUBSCRIPTION_SIZE)
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
    named = _unsigned(sig, args)
    special = PARAMS.get(sig.name, {})
    guest: GuestView | None = None
    out: list[tuple[str, Value]] = []
    for pname, _ in sig.params[: len(args)]:
        decoder = special.get(pname)
        if decoder is None:
            value = named[pname]
            if pname in sig.pointers:
                out.append((pname, Ptr(value)))
            elif (sig.name, pname) in SIGNED:
                out.append((pname, Num(value - (1 << 64) if value >> 63 else value)))
            else:
                out.append((pname, Num(value)))
            continue
        if guest is None:
            guest = _guest(env)
        out.append((pname, _safely(decoder, guest, named, env)))
    return out


def _unsigned(sig: Signature, args: tuple[int, ...]) -> Args:
    """Every argument by name, as the unsigned number its wasm type holds (wasm hands them over signed),
    so that address arithmetic never wraps: `ptr + offset` past 4 GiB is simply not in memory."""
    return {pname: value & (M32 if wasm_type == "i32" else M64)
            for (pname, wasm_type), value in zip(sig.params, args, strict=False)}


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
    """The records fd_readdir wrote: 24-byte headers, each followed by its name (a cut record is `...`)."""
    used = g.u32(a["bufused"])
    buf = a["buf"]
    g.whole(buf, used)
    items: list[Value] = []
    pos = 0
    while pos + DIRENT.size <= used and len(items) < MAX_ITEMS:
        d_next, d_ino, d_namlen, d_type = DIRENT.unpack(g.read(buf + pos, DIRENT.size))
        shown = max(0, min(d_namlen, used - pos - DIRENT.size, env.max_bytes))
        name = g.read(buf + pos + DIRENT.size, shown)
        items.append(Struct({"d_next": Num(d_next), "d_ino": Num(d_ino), "d_namlen": Num(d_namlen),
                             "d_type": Named(d_type, names.FILETYPE),
                             "name": Text(name, truncated=len(name) < d_namlen)}))
        pos += DIRENT.size + d_namlen
    return [("buf", Items(items, more=1 if pos < used else 0))]


def _strings(array: str, buffer: str, count_of: Callable[[TraceEnv], int]) -> ExtraDecoder:
    """args_get / environ_get: the pointer array (each pointer with its string) and the buffer."""
    def decode(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
        count = count_of(env)
        pointers = [g.u32(a[array] + 4 * i) for i in range(min(count, MAX_ITEMS))]
        items: list[Value] = []
        end = a[buffer] & M32
        for p in pointers:
            shown = g.cstring(p, env.max_bytes)
            end = max(end, (p & M32) + len(shown.data) + (0 if shown.truncated else 1))
            items.append(Points(p, shown))
        block = g.read(a[buffer], min(end - (a[buffer] & M32), env.max_bytes + 1))
        return [(array, Items(items, more=max(0, count - MAX_ITEMS))), (buffer, text_of(block, env.max_bytes))]
    return decode


def _prestat_name(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    return [("path", g.text(a["path"], a["path_len"] & M32, env.max_bytes))]


def _readlink(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    return [("buf", g.text(a["buf"], g.u32(a["bufused"]), env.max_bytes))]


def _random(g: GuestView, a: Args, env: TraceEnv) -> list[tuple[str, Value]]:
    return [("buf", g.text(a["buf"], a["buf_len"] & M32, env.max_bytes))]


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
    named = _unsigned(sig, args)
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
