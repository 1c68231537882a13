"""Host-call cost in instructions: a breakdown that a busy machine does not blur.

    .venv311/bin/python bench/hostcall_ir.py [N]     # wasmtime-py (3.11)
    .venv310/bin/python bench/hostcall_ir.py [N]     # wasmer and wasmtime-py (3.10)

Each measurement runs this file again under valgrind's callgrind (needs `valgrind` on PATH) with N and
3N iterations and reports (instructions(3N) - instructions(N)) / 2N: the user-space instructions of one
iteration, start-up and compilation cancelled out. Instruction counts do not depend on the machine's
load (CPU time on a shared 2-core machine moved by +-50% between runs; the counts by ~5%, with the
address layout; the hash seed is fixed); they leave out the kernel's share of a syscall and are no
substitute for time, only a fair way to compare two versions of the code.
Measured, per iteration (a call from wasm unless said otherwise):
- `<engine>: empty host function`: the engine's wasm -> Python -> wasm crossing (`fd_write` = `lambda: 0`);
- `<engine>: fd_write as wasitool links it`: the same loop calling the real `fd_write` (1 byte to /dev/null);
- `python: fd_write`: `WasiContext.fd_write` called from a Python loop on a fixed-base memory;
- `python: os.write`, `python: empty loop`: its syscall alone, and the loop that calls it.
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


def _python_body(name: str, null_fd: int) -> Callable[[], object]:
    import struct

    from wasitool.wasi.memory import BytearrayMemory

    memory = BytearrayMemory()
    memory.fixed_base = True  # type: ignore[attr-defined]  # a bytearray that is never replaced
    struct.pack_into("<II", memory.data, 16, 32, 1)
    ctx = wasi_context(null_fd)
    ctx.bind_memory(memory)  # type: ignore[attr-defined]
    fd_write = ctx.host_functions()["fd_write"]  # type: ignore[attr-defined]
    byte = memoryview(memory.data)[32:33]
    bodies: dict[str, Callable[[], object]] = {
        "fd_write": lambda: fd_write(1, 16, 1, 8),
        "os.write": lambda: os.write(null_fd, byte),
        "empty loop": lambda: None,
    }
    return bodies[name]


def child(what: str, n: int) -> None:
    """Run `n` iterations of `what` ("<engine>:empty", "<engine>:fd_write" or "python:<body>")."""
    null_fd = os.open(os.devnull, os.O_WRONLY)
    kind, _, body = what.partition(":")
    if kind == "python":
        fn = _python_body(body, null_fd)
        for _ in range(n):
            fn()
    else:
        from wasitool.engines import load_engine
        from wasitool.engines.base import WasiHost
        from wasitool.runspec import Invoke
        from wasitool.wasi import SIGNATURES, ProcExit

        engine = load_engine(kind)
        module = engine.compile(engine.wat2wasm(LOOP, "loop"), "loop")
        host = (WasiHost({"fd_write": lambda a, b, c, d: 0}, SIGNATURES, lambda m: None, ProcExit)
                if body == "empty" else WasiHost.from_context(wasi_context(null_fd)))
        engine.run(module, host, Invoke("loop", (n,)))
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
             for b in ("empty", "fd_write")]
    cases += ["python:fd_write", "python:os.write", "python:empty loop"]
    print(f"python {sys.version.split()[0]}, instructions per iteration ({n} vs {3 * n} iterations)")
    for what in cases:
        per = (instructions(what, 3 * n) - instructions(what, n)) / (2 * n)
        print(f"  {per:8.0f}  {what}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
