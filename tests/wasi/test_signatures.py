"""The signature table engines rely on."""

from __future__ import annotations

from wasitool.wasi import SIGNATURES, BytearrayMemory, WasiConfig, WasiContext

EXPECTED = (
    "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
    "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get",
    "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size",
    "fd_filestat_set_times", "fd_pread", "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite",
    "fd_read", "fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
    "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link",
    "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
    "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "random_get", "sched_yield",
    "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
)


def test_all_46_functions() -> None:
    assert sorted(SIGNATURES) == sorted(EXPECTED)
    assert len(SIGNATURES) == 46


def test_types() -> None:
    types = {name: ([t for _, t in sig.params], list(sig.results)) for name, sig in SIGNATURES.items()}
    assert types["fd_write"] == (["i32"] * 4, ["i32"])
    assert types["clock_time_get"] == (["i32", "i64", "i32"], ["i32"])
    assert types["fd_seek"] == (["i32", "i64", "i32", "i32"], ["i32"])
    assert types["fd_readdir"] == (["i32", "i32", "i32", "i64", "i32"], ["i32"])
    assert types["path_open"] == (["i32"] * 5 + ["i64", "i64"] + ["i32"] * 2, ["i32"])
    assert types["path_filestat_set_times"] == (["i32"] * 4 + ["i64", "i64", "i32"], ["i32"])
    assert types["fd_pread"] == (["i32"] * 3 + ["i64", "i32"], ["i32"])
    assert types["proc_exit"] == (["i32"], [])
    assert types["sched_yield"] == ([], ["i32"])
    assert types["sock_recv"] == (["i32"] * 6, ["i32"])


def test_out_pointers() -> None:
    assert SIGNATURES["fd_write"].outputs == (("nwritten", "u32"),)
    assert SIGNATURES["fd_write"].pointers == {"iovs", "nwritten"}
    assert SIGNATURES["sock_recv"].outputs == (("ro_datalen", "u32"), ("ro_flags", "u16"))
    assert SIGNATURES["fd_filestat_get"].outputs == (("buf", "filestat"),)


def test_host_functions_cover_table() -> None:
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[]))
    ctx.bind_memory(BytearrayMemory())
    funcs = ctx.host_functions()
    assert set(funcs) == set(SIGNATURES)
    assert all(callable(f) for f in funcs.values())
    ctx.close()


def test_every_implementation_takes_the_tables_arguments_in_order() -> None:
    """Engines call positionally: an implementation takes the call's inputs (all parameters for the
    self-guarded hot calls), by the table's names (an unused one with a leading underscore)."""
    import inspect

    from wasitool.wasi.guard import SELF_GUARDED

    renamed = {"clock_id": "id", "time_ptr": "time", "in_": "in"}  # names a builtin, keyword or pointer
    ctx = WasiContext(WasiConfig(argv=["x"], env=[], preopens=[]))
    for name, sig in SIGNATURES.items():
        wanted = [p for p, _ in sig.params] if name in SELF_GUARDED else [sig.params[i][0] for i in sig.inputs()]
        params = list(inspect.signature(ctx._implementation(name)).parameters)  # bound: no `self`
        assert [renamed.get(p, p).removeprefix("_") for p in params] == wanted, name
    ctx.close()
