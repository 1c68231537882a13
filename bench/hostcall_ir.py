"""Host-call cost in instructions: a breakdown that a busy machine does not blur.

    .venv311/bin/python bench/hostcall_ir.py [N [CASE...]]     # wasmtime-py (3.11)
    .venv310/bin/python bench/hostcall_ir.py [N [CASE...]]     # wasmer and wasmtime-py (3.10)

Each measurement runs this file again under valgrind's callgrind (needs `valgrind` on PATH) with N and
3N iterations and reports (instructions(3N) - instructions(N)) / 2N: the user-space instructions of one
iteration, start-up and compilation cancelled out. Instruction counts do not depend on the machine's
load (CPU time on a shared 2-core machine moved by +-50% between runs; the counts by ~5%, with the
address layout; the hash seed is fixed); they leave out the kernel's share of a syscall and are no
substitute for time, only a fair way to compare two versions of the code.
Measured, per iteration (a call from wasm unless said otherwise):
- `<engine>: empty host function`: the engine's wasm -> Python -> wasm crossing (`fd_write` = `lambda: 0`);
- `<engine>: fd_write as wasitool links it`: the same loop calling the real `fd_write` (1 byte to /dev/null);
- `<engine>: empty pread`, `<engine>: fd_pread`, `<engine>: fd_pwrite`: the same for the `fd_pread` shape
  (an i64 offset, a fifth argument): 1 byte read or written at offset 0 of a 1-byte file (guest fd 3);
- `python: fd_write`, `python: fd_pread`, `python: fd_pwrite`: the `WasiContext` call from a Python loop
  on a fixed-base memory;
- `python: os.write`, `python: empty loop`: its syscall alone, and the loop that calls it.
CASE arguments (`wasmtime:fd_pread`, `python:fd_write`, ...) measure only those cases.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostcall import LOOP, wasi_context

# LOOP for the fd_pread shape: fd 3, the iovec at 16 ({buf=32, len=1}), offset 0, the count to 8.
PREAD_LOOP = (LOOP.replace('"fd_write"', '"fd_pread"')
              .replace("(param i32 i32 i32 i32)", "(param i32 i32 i32 i64 i32)")
              .replace("(i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)",
                       "(i32.const 3) (i32.const 16) (i32.const 1) (i64.const 0) (i32.const 8)"))


def _context(null_fd: int, tmp: str) -> object:
    """A WasiContext writing stdout to `null_fd`, with a 1-byte file open as guest fd 3 (every right)."""
    from wasitool.wasi.constants import ALL_RIGHTS, FILETYPE_REGULAR_FILE
    from wasitool.wasi.fdtable import FileDesc

    ctx = wasi_context(null_fd)
    host_fd = os.open(Path(tmp) / "f", os.O_RDWR | os.O_CREAT)
    os.write(host_fd, b"x")
    table = ctx._table  # type: ignore[attr-defined]
    assert table.add(FileDesc(host_fd, FILETYPE_REGULAR_FILE, ALL_RIGHTS, ALL_RIGHTS)) == 3
    return ctx


def _python_body(name: str, null_fd: int, tmp: str) -> Callable[[], object]:
    import struct

    from wasitool.wasi.memory import BytearrayMemory

    memory = BytearrayMemory()
    memory.fixed_base = True  # type: ignore[attr-defined]  # a bytearray that is never replaced
    struct.pack_into("<II", memory.data, 16, 32, 1)
    ctx = _context(null_fd, tmp)
    ctx.bind_memory(memory)  # type: ignore[attr-defined]
    funcs = ctx.host_functions()  # type: ignore[attr-defined]
    fd_write, fd_pread, fd_pwrite = funcs["fd_write"], funcs["fd_pread"], funcs["fd_pwrite"]
    byte = memoryview(memory.data)[32:33]
    bodies: dict[str, Callable[[], object]] = {
        "fd_write": lambda: fd_write(1, 16, 1, 8),
        "fd_pread": lambda: fd_pread(3, 16, 1, 0, 8),
        "fd_pwrite": lambda: fd_pwrite(3, 16, 1, 0, 8),
        "os.write": lambda: os.write(null_fd, byte),
        "empty loop": lambda: None,
    }
    return bodies[name]


def child(what: str, n: int) -> None:
    """Run `n` iterations of `what` ("<engine>:empty", "<engine>:empty pread", "<engine>:<call>" or
    "python:<body>")."""
    null_fd = os.open(os.devnull, os.O_WRONLY)
    tmp = tempfile.mkdtemp()
    kind, _, body = what.partition(":")
    if kind == "python":
        fn = _python_body(body, null_fd, tmp)
        for _ in range(n):
            fn()
    else:
        from wasitool.engines import load_engine
        from wasitool.engines.base import WasiHost
        from wasitool.runspec import Invoke
        from wasitool.wasi import SIGNATURES, ProcExit

        engine = load_engine(kind)
        call = {"empty": "fd_write", "empty pread": "fd_pread"}.get(body, body)
        wat = LOOP if call == "fd_write" else PREAD_LOOP.replace('"fd_pread"', f'"{call}"')
        module = engine.compile(engine.wat2wasm(wat, "loop"), "loop")
        host = (WasiHost({call: lambda *args: 0}, SIGNATURES, lambda m: None, ProcExit)
                if body.startswith("empty") else WasiHost.from_context(_context(null_fd, tmp)))  # type: ignore[arg-type]
        engine.run(module, host, Invoke("loop", (n,)))
    shutil.rmtree(tmp)
    os._exit(0)


def instructions(what: str, n: int) -> int:
    """User-space instructions of a child process running `what` n times (callgrind)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                        "--child", what, str(n)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
        found = re.search(r"^summary: (\d+)", out.read_text(), re.M)
        if found is None:
            raise SystemExit(f"hostcall_ir: no summary in callgrind's output for {what}")
        return int(found.group(1))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    if shutil.which("valgrind") is None:
        raise SystemExit("hostcall_ir: valgrind not found; install it (e.g. apt-get install valgrind)")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    from wasitool.engines import unavailable_reason

    cases = [f"{e}:{b}" for e in ("wasmer", "wasmtime") if unavailable_reason(e) is None
             for b in ("empty", "fd_write", "empty pread", "fd_pread", "fd_pwrite")]
    cases += ["python:fd_write", "python:fd_pread", "python:fd_pwrite", "python:os.write", "python:empty loop"]
    print(f"python {sys.version.split()[0]}, instructions per iteration ({n} vs {3 * n} iterations)")
    for what in sys.argv[2:] or cases:
        per = (instructions(what, 3 * n) - instructions(what, n)) / (2 * n)
        print(f"  {per:8.0f}  {what}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
