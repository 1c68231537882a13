"""WAT modules that make one host call, write a stretch of memory to stdout and exit with the errno:
what a fault or an interposer did is then visible to a test on any engine."""

from __future__ import annotations

W = "wasi_snapshot_preview1"
TYPES = {
    "path_open": "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)",
    "fd_write": "(param i32 i32 i32 i32) (result i32)",
    "fd_read": "(param i32 i32 i32 i32) (result i32)",
    "fd_readdir": "(param i32 i32 i32 i64 i32) (result i32)",
    "clock_time_get": "(param i32 i64 i32) (result i32)",
    "random_get": "(param i32 i32) (result i32)",
}
DATA = 1024  # where `data` is placed
OUT = 2048  # where out-pointers go
BUF = 4096  # a buffer for the call to fill


def probe(call: str, args: str, dump: tuple[int, int], data: str = "", repeat: int = 1, setup: str = "") -> str:
    """Run `setup`, call `call` with `args` (WAT expressions) `repeat` times, write
    memory[dump[0]:dump[0]+dump[1]] to stdout, exit with the last errno."""
    imports = "".join(f'(import "{W}" "{name}" (func ${name} {TYPES[name]}))'
                      for name in dict.fromkeys(("fd_write", call)))
    calls = f"(local.set $r (call ${call} {args}))" * repeat
    return f"""(module {imports}
  (import "{W}" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const {DATA}) "{data}")
  (func (export "_start") (local $r i32)
    {setup}
    {calls}
    (i32.store (i32.const 0) (i32.const {dump[0]})) (i32.store (i32.const 4) (i32.const {dump[1]}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (local.get $r))))"""


def path_open(path: str, repeat: int = 1) -> str:
    """path_open(3, follow, `path`) for reading; shows the opened fd (u32 at OUT)."""
    args = (f"(i32.const 3) (i32.const 1) (i32.const {DATA}) (i32.const {len(path)}) (i32.const 0) "
            f"(i64.const 2) (i64.const 0) (i32.const 0) (i32.const {OUT})")
    return probe("path_open", args, (OUT, 4), path, repeat)


def io(call: str, fd: int, size: int, data: str = "") -> str:
    """fd_read/fd_write of one iovec of `size` bytes at BUF (`data` copied there first); shows the count
    moved (u32 at OUT), the iovec after the call (buf, buf_len at OUT + 8) and the buffer (at BUF)."""
    setup = (f"(memory.copy (i32.const {BUF}) (i32.const {DATA}) (i32.const {len(data)})) "
             f"(i32.store (i32.const {OUT + 8}) (i32.const {BUF})) "
             f"(i32.store (i32.const {OUT + 12}) (i32.const {size}))")
    args = f"(i32.const {fd}) (i32.const {OUT + 8}) (i32.const 1) (i32.const {OUT})"
    return probe(call, args, (OUT, BUF - OUT + size), data, setup=setup)


def readdir() -> str:
    """fd_readdir(3, BUF, 4096, cookie 0); shows bufused (u32 at OUT) and the buffer (at BUF)."""
    args = f"(i32.const 3) (i32.const {BUF}) (i32.const 4096) (i64.const 0) (i32.const {OUT})"
    return probe("fd_readdir", args, (OUT, 4096 + BUF - OUT))


def clock(clock_id: int = 0) -> str:
    """clock_time_get(id); shows the u64 time."""
    return probe("clock_time_get", f"(i32.const {clock_id}) (i64.const 1) (i32.const {OUT})", (OUT, 8))


def random(size: int) -> str:
    """random_get of `size` bytes; shows them."""
    return probe("random_get", f"(i32.const {BUF}) (i32.const {size})", (BUF, size))
