"""The wasi_snapshot_preview1 import table: parameter names and wasm types, results, out-pointers.

Engines use it to declare host function types; tracing uses it to name parameters, print
pointers in hex and decode what the call wrote through its out-pointers.
"""

from __future__ import annotations

from wasitool.typed import NamedTuple

# Out-pointer kinds: scalar widths or a named struct -> (size, alignment) in guest memory. A call checks
# every out-pointer against both before it acts (EFAULT); the struct layouts are in `layouts.OUT_LAYOUTS`.
OUT_KINDS: dict[str, tuple[int, int]] = {
    "u16": (2, 2), "u32": (4, 4), "u64": (8, 8), "fdstat": (24, 8), "filestat": (64, 8), "prestat": (8, 4),
}


class Signature(NamedTuple):
    """One preview1 function: `params` are (name, "i32"|"i64"), `results` ("i32",) or ().

    A NamedTuple, not a dataclass: this module is on `wasitool run`'s start-up path.
    """

    name: str
    params: tuple[tuple[str, str], ...]
    results: tuple[str, ...]
    pointers: frozenset[str]  # params holding a guest address (in or out)
    outputs: tuple[tuple[str, str], ...]  # (param name, out kind) written on success

    def index(self, param: str) -> int:  # type: ignore[override]  # a parameter's position, not tuple.index
        """Position of `param` in the call's arguments."""
        return [p for p, _ in self.params].index(param)

    def inputs(self) -> tuple[int, ...]:
        """Positions of the arguments that are not out-pointers (what an implementation is given)."""
        outs = {name for name, _ in self.outputs}
        return tuple(i for i, (p, _) in enumerate(self.params) if p not in outs)


def _sig(name: str, spec: str, results: tuple[str, ...] = ("i32",)) -> Signature:
    """Parse `"fd, buf:p, cookie:i64, bufused:>u32"`: `:p` in-pointer, `:>kind` out-pointer."""
    params: list[tuple[str, str]] = []
    pointers: set[str] = set()
    outputs: list[tuple[str, str]] = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        pname, _, kind = item.partition(":")
        if kind == "i64":
            params.append((pname, "i64"))
            continue
        params.append((pname, "i32"))
        if kind == "p":
            pointers.add(pname)
        elif kind.startswith(">"):
            assert kind[1:] in OUT_KINDS, kind
            pointers.add(pname)
            outputs.append((pname, kind[1:]))
    return Signature(name, tuple(params), results, frozenset(pointers), tuple(outputs))


_PATH = "path:p, path_len"
_TABLE = [
    _sig("args_get", "argv:p, argv_buf:p"),
    _sig("args_sizes_get", "argc:>u32, argv_buf_size:>u32"),
    _sig("environ_get", "environ:p, environ_buf:p"),
    _sig("environ_sizes_get", "environc:>u32, environ_buf_size:>u32"),
    _sig("clock_res_get", "id, resolution:>u64"),
    _sig("clock_time_get", "id, precision:i64, time:>u64"),
    _sig("fd_advise", "fd, offset:i64, len:i64, advice"),
    _sig("fd_allocate", "fd, offset:i64, len:i64"),
    _sig("fd_close", "fd"),
    _sig("fd_datasync", "fd"),
    _sig("fd_fdstat_get", "fd, stat:>fdstat"),
    _sig("fd_fdstat_set_flags", "fd, flags"),
    _sig("fd_fdstat_set_rights", "fd, fs_rights_base:i64, fs_rights_inheriting:i64"),
    _sig("fd_filestat_get", "fd, buf:>filestat"),
    _sig("fd_filestat_set_size", "fd, size:i64"),
    _sig("fd_filestat_set_times", "fd, atim:i64, mtim:i64, fst_flags"),
    _sig("fd_pread", "fd, iovs:p, iovs_len, offset:i64, nread:>u32"),
    _sig("fd_prestat_get", "fd, buf:>prestat"),
    _sig("fd_prestat_dir_name", f"fd, {_PATH}"),
    _sig("fd_pwrite", "fd, iovs:p, iovs_len, offset:i64, nwritten:>u32"),
    _sig("fd_read", "fd, iovs:p, iovs_len, nread:>u32"),
    _sig("fd_readdir", "fd, buf:p, buf_len, cookie:i64, bufused:>u32"),
    _sig("fd_renumber", "fd, to"),
    _sig("fd_seek", "fd, offset:i64, whence, newoffset:>u64"),
    _sig("fd_sync", "fd"),
    _sig("fd_tell", "fd, offset:>u64"),
    _sig("fd_write", "fd, iovs:p, iovs_len, nwritten:>u32"),
    _sig("path_create_directory", f"fd, {_PATH}"),
    _sig("path_filestat_get", f"fd, flags, {_PATH}, buf:>filestat"),
    _sig("path_filestat_set_times", f"fd, flags, {_PATH}, atim:i64, mtim:i64, fst_flags"),
    _sig("path_link", "old_fd, old_flags, old_path:p, old_path_len, new_fd, new_path:p, new_path_len"),
    _sig("path_open", f"fd, dirflags, {_PATH}, oflags, fs_rights_base:i64, fs_rights_inheriting:i64, "
                      "fdflags, opened_fd:>u32"),
    _sig("path_readlink", f"fd, {_PATH}, buf:p, buf_len, bufused:>u32"),
    _sig("path_remove_directory", f"fd, {_PATH}"),
    _sig("path_rename", "fd, old_path:p, old_path_len, new_fd, new_path:p, new_path_len"),
    _sig("path_symlink", "old_path:p, old_path_len, fd, new_path:p, new_path_len"),
    _sig("path_unlink_file", f"fd, {_PATH}"),
    _sig("poll_oneoff", "in:p, out:p, nsubscriptions, nevents:>u32"),
    _sig("proc_exit", "rval", results=()),
    _sig("proc_raise", "sig"),
    _sig("random_get", "buf:p, buf_len"),
    _sig("sched_yield", ""),
    _sig("sock_accept", "fd, flags, fd_out:>u32"),
    _sig("sock_recv", "fd, ri_data:p, ri_data_len, ri_flags, ro_datalen:>u32, ro_flags:>u16"),
    _sig("sock_send", "fd, si_data:p, si_data_len, si_flags, so_datalen:>u32"),
    _sig("sock_shutdown", "fd, how"),
]

SIGNATURES: dict[str, Signature] = {s.name: s for s in _TABLE}
assert len(SIGNATURES) == 46
