"""Which WASI 0.2 functions a preview1 call becomes inside a component made with the preview1 adapter.

`wasm-tools component new --adapt wasi_snapshot_preview1=...` puts the adapter (a core module written
in Rust) between the program's core module and the component's imports: the program's
`wasi_snapshot_preview1.fd_write` is the adapter's export `fd_write`, whose code calls 0.2 functions
the adapter imports (`wasi:io/streams@0.2.12` `[method]output-stream.blocking-write-and-flush`, ...).

Two sources, kept apart in what `wasitool inspect` shows:
- derived from the binary: the 0.2 imports the adapter's export can reach through direct calls in its
  code (`wasitool.callgraph`); this over-approximates (the adapter's shared start-up, error and panic
  paths are reachable from most exports) and misses calls through the table;
- `KNOWN_CALLS`: the 0.2 functions the adapter's source uses for each preview1 call (wasmtime's
  `wasi-preview1-component-adapter`, 2024-2026). Shown only where the binary confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasitool.callgraph import build_call_graph
from wasitool.wasmbin import Module

ADAPTER_PREFIX = "wit-component:adapter:"
MAIN_MODULE = "__main_module__"
_FS = "wasi:filesystem/types"
_STREAMS = "wasi:io/streams"

# preview1 function -> (interface without version, function) the adapter's source calls for it.
# The one place wasitool keeps this knowledge; everything else is read from the binary.
KNOWN_CALLS: dict[str, tuple[tuple[str, str], ...]] = {
    "args_get": (("wasi:cli/environment", "get-arguments"),),
    "args_sizes_get": (("wasi:cli/environment", "get-arguments"),),
    "environ_get": (("wasi:cli/environment", "get-environment"),),
    "environ_sizes_get": (("wasi:cli/environment", "get-environment"),),
    "clock_res_get": (("wasi:clocks/monotonic-clock", "resolution"), ("wasi:clocks/wall-clock", "resolution")),
    "clock_time_get": (("wasi:clocks/monotonic-clock", "now"), ("wasi:clocks/wall-clock", "now")),
    "fd_advise": ((_FS, "[method]descriptor.advise"),),
    "fd_close": ((_FS, "[resource-drop]descriptor"), (_STREAMS, "[resource-drop]input-stream"),
                 (_STREAMS, "[resource-drop]output-stream")),
    "fd_datasync": ((_FS, "[method]descriptor.sync-data"),),
    "fd_fdstat_get": ((_FS, "[method]descriptor.get-type"), (_FS, "[method]descriptor.get-flags")),
    "fd_filestat_get": ((_FS, "[method]descriptor.stat"),),
    "fd_filestat_set_size": ((_FS, "[method]descriptor.set-size"),),
    "fd_filestat_set_times": ((_FS, "[method]descriptor.set-times"),),
    "fd_pread": ((_FS, "[method]descriptor.read"),),
    "fd_prestat_get": (("wasi:filesystem/preopens", "get-directories"),),
    "fd_prestat_dir_name": (("wasi:filesystem/preopens", "get-directories"),),
    "fd_pwrite": ((_FS, "[method]descriptor.write"),),
    "fd_read": ((_STREAMS, "[method]input-stream.blocking-read"), (_STREAMS, "[method]input-stream.read"),
                ("wasi:cli/stdin", "get-stdin"), (_FS, "[method]descriptor.read-via-stream")),
    "fd_readdir": ((_FS, "[method]descriptor.read-directory"),
                   (_FS, "[method]directory-entry-stream.read-directory-entry"),
                   (_FS, "[method]descriptor.metadata-hash"), (_FS, "[method]descriptor.metadata-hash-at")),
    "fd_seek": ((_FS, "[method]descriptor.stat"),),
    "fd_sync": ((_FS, "[method]descriptor.sync"),),
    "fd_write": ((_STREAMS, "[method]output-stream.blocking-write-and-flush"),
                 (_STREAMS, "[method]output-stream.check-write"), (_STREAMS, "[method]output-stream.write"),
                 (_STREAMS, "[method]output-stream.blocking-flush"), ("wasi:cli/stdout", "get-stdout"),
                 ("wasi:cli/stderr", "get-stderr"), (_FS, "[method]descriptor.write-via-stream"),
                 (_FS, "[method]descriptor.append-via-stream")),
    "path_create_directory": ((_FS, "[method]descriptor.create-directory-at"),),
    "path_filestat_get": ((_FS, "[method]descriptor.stat-at"),),
    "path_filestat_set_times": ((_FS, "[method]descriptor.set-times-at"),),
    "path_link": ((_FS, "[method]descriptor.link-at"),),
    "path_open": ((_FS, "[method]descriptor.open-at"),),
    "path_readlink": ((_FS, "[method]descriptor.readlink-at"),),
    "path_remove_directory": ((_FS, "[method]descriptor.remove-directory-at"),),
    "path_rename": ((_FS, "[method]descriptor.rename-at"),),
    "path_symlink": ((_FS, "[method]descriptor.symlink-at"),),
    "path_unlink_file": ((_FS, "[method]descriptor.unlink-file-at"),),
    "poll_oneoff": (("wasi:io/poll", "poll"), ("wasi:clocks/monotonic-clock", "subscribe-duration"),
                    ("wasi:clocks/monotonic-clock", "subscribe-instant"), (_STREAMS, "[method]input-stream.subscribe"),
                    (_STREAMS, "[method]output-stream.subscribe")),
    "proc_exit": (("wasi:cli/exit", "exit"),),
    "random_get": (("wasi:random/random", "get-random-bytes"),),
    # answered from the adapter's own descriptor table, or not supported: no 0.2 call
    **{name: () for name in ("fd_allocate", "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_renumber", "fd_tell",
                             "proc_raise", "sched_yield", "sock_accept", "sock_recv", "sock_send", "sock_shutdown")},
}


def unversioned(interface: str) -> str:
    """`wasi:io/streams@0.2.12` -> `wasi:io/streams`."""
    return interface.split("@", 1)[0]


@dataclass
class AdaptedCall:
    """One preview1 import of the program and what the adapter turns it into."""

    preview1: str
    adapter_export: str | None  # the adapter's function of the same name (None: the adapter lacks it)
    calls: list[str]  # `interface function` from KNOWN_CALLS that the adapter's code reaches
    reaches: list[str]  # every 0.2 import the adapter's export reaches through direct calls
    known: bool  # KNOWN_CALLS has an entry for it


def adapted_calls(program: Module, adapter: Module, adapter_name: str,
                  interface_names: dict[str, str]) -> list[AdaptedCall]:
    """For every function `program` imports from `adapter_name`: the 0.2 functions it becomes.

    `interface_names` maps an unversioned interface to the component's import name (the adapter may
    be built against an older 0.2 release than the one the component imports)."""
    graph = build_call_graph(adapter)
    exports = {e.name: e.index for e in adapter.exports if e.kind == "func"}
    out = []
    for imp in program.imports:
        if imp.module != adapter_name or imp.kind != "func":
            continue
        index = exports.get(imp.name)
        reached: list[tuple[str, str]] = []
        if index is not None:
            seen, stack = {index}, [index]
            while stack:
                for callee in graph.callees.get(stack.pop(), []):
                    if callee in seen:
                        continue
                    seen.add(callee)
                    stack.append(callee)
                    target = adapter.func_import(callee)
                    if target is not None and target.module != MAIN_MODULE:
                        reached.append((unversioned(target.module), target.name))
        reached_set = set(reached)
        known = KNOWN_CALLS.get(imp.name)

        def label(pair: tuple[str, str]) -> str:
            return f"{interface_names.get(pair[0], pair[0])} {pair[1]}"

        out.append(AdaptedCall(imp.name, imp.name if index is not None else None,
                               [label(p) for p in (known or ()) if p in reached_set],
                               sorted(label(p) for p in reached_set), known is not None))
    return out
