"""Probe modules: a WAT guest that makes a list of WASI calls and reports what each returned.

The same module runs on the Python engines and on the wasmtime CLI, so a test compares the errnos
(and the memory the calls wrote) of both. The report is the last bytes the guest writes to stdout:
one u32 errno per call, then each dumped memory window.

    probe = Probe()
    path = probe.bytes(b"name/")
    probe.call("path_open", 3, 0, path, 5, OFLAG_CREAT, RIGHTS, 0, 0, probe.OUT)
    report = probe.parse(stdout)     # report.errnos == [31]
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import NamedTuple

from wasitool.runspec import Preopen, RunResult, RunSpec
from wasitool.wasi import SIGNATURES

_W = "wasi_snapshot_preview1"


class Report(NamedTuple):
    """What a probe guest printed: stdout before the report, one errno per call, the dumped windows."""

    stdout: bytes
    errnos: list[int]
    dumps: list[bytes]


class Probe:
    """Build a probe: `bytes()` places data, `call()` appends a call, `wat()` gives the module text."""

    OUT = 0x100  # a scratch area (256 bytes) for out-pointers
    _REPORT = 0x18000  # errnos, then the dumps, then the iovec of the report write (up to 0x20000)
    _DATA = 0x1000  # where `bytes()` places data

    def __init__(self, pages: int = 2, report_fd: int = 1) -> None:
        self.pages = pages
        self.report_fd = report_fd
        self.calls: list[tuple[str, tuple[int, ...]]] = []
        self.data: list[tuple[int, bytes]] = []
        self.dump_windows: list[tuple[int, int]] = []
        self._top = self._DATA
        self.exit_code: int | None = None

    def bytes(self, data: bytes, at: int | None = None) -> int:
        """Place `data` in memory (at `at`, or the next free 8-aligned address); returns the address."""
        if at is None:
            at = self._top
            self._top = (self._top + len(data) + 8) & ~7
            assert self._top < self._REPORT - 0x100, "probe data area full"
        self.data.append((at, data))
        return at

    def iovecs(self, pairs: list[tuple[int, int]]) -> int:
        """An iovec array of (ptr, len) pairs; returns its address."""
        return self.bytes(b"".join(struct.pack("<II", p, n) for p, n in pairs))

    def call(self, name: str, *args: int) -> int:
        """Append a call (arguments in witx order); returns its index in `Report.errnos`."""
        assert len(args) == len(SIGNATURES[name].params), name
        self.calls.append((name, args))
        return len(self.calls) - 1

    def dump(self, at: int, size: int) -> int:
        """Report `size` bytes at `at` after the calls; returns the index in `Report.dumps`."""
        self.dump_windows.append((at, size))
        return len(self.dump_windows) - 1

    def wat(self) -> str:
        used = sorted({name for name, _ in self.calls} | {"fd_write"} | ({"proc_exit"} if self.exit_code else set()))
        imports = []
        for name in used:
            sig = SIGNATURES[name]
            params = " ".join(t for _, t in sig.params)
            result = " (result i32)" if sig.results else ""
            imports.append(f'(import "{_W}" "{name}" (func ${name} (param {params}){result}))')
        data = "".join(f'(data (i32.const {at}) "{_escape(raw)}")' for at, raw in self.data)
        body = []
        for i, (name, args) in enumerate(self.calls):
            sig = SIGNATURES[name]
            values = " ".join(f"({t}.const {_signed(v, t)})" for (_, t), v in zip(sig.params, args, strict=True))
            call = f"(call ${name} {values})"
            body.append(f"(i32.store (i32.const {self._REPORT + 4 * i}) {call})" if sig.results else call)
        # Copy the windows after the errnos, then write the report with fd_write until it is all out
        # (the wasmtime CLI writes only the first non-empty iovec of each call).
        at = self._REPORT + 4 * len(self.calls)
        for src, size in self.dump_windows:
            body.append(f"(memory.copy (i32.const {at}) (i32.const {src}) (i32.const {size}))")
            at += size
        iov = (at + 7) & ~7
        body.append(f"""(i32.store (i32.const {iov}) (i32.const {self._REPORT}))
  (i32.store (i32.const {iov + 4}) (i32.const {at - self._REPORT}))
  (block $done (loop $more
    (br_if $done (i32.eqz (i32.load (i32.const {iov + 4}))))
    (br_if $done (call $fd_write (i32.const {self.report_fd}) (i32.const {iov}) (i32.const 1)
                                 (i32.const {iov + 8})))
    (br_if $done (i32.eqz (i32.load (i32.const {iov + 8}))))
    (i32.store (i32.const {iov}) (i32.add (i32.load (i32.const {iov})) (i32.load (i32.const {iov + 8}))))
    (i32.store (i32.const {iov + 4}) (i32.sub (i32.load (i32.const {iov + 4})) (i32.load (i32.const {iov + 8}))))
    (br $more)))""")
        if self.exit_code:
            body.append(f"(call $proc_exit (i32.const {self.exit_code}))")
        return (f'(module {" ".join(imports)} (memory (export "memory") {self.pages}) {data}\n'
                f'(func (export "_start")\n  {chr(10).join(body)}))')

    def report_size(self) -> int:
        return 4 * len(self.calls) + sum(size for _, size in self.dump_windows)

    def parse(self, stdout: bytes) -> Report:
        """Split the guest's stdout into what it printed before the report, and the report."""
        size = self.report_size()
        assert len(stdout) >= size, f"short report: {stdout!r}"
        head, report = stdout[:len(stdout) - size], stdout[len(stdout) - size:]
        errnos = list(struct.unpack_from(f"<{len(self.calls)}I", report))
        dumps = []
        pos = 4 * len(self.calls)
        for _, n in self.dump_windows:
            dumps.append(report[pos:pos + n])
            pos += n
        return Report(head, errnos, dumps)


def _signed(value: int, wasm_type: str) -> int:
    bits = 32 if wasm_type == "i32" else 64
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _escape(raw: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in raw)


def compile_probe(probe: Probe, path: Path) -> Path:
    """Write the probe's module to `path`."""
    import wasmtime

    path.write_bytes(bytes(wasmtime.wat2wasm(probe.wat())))
    return path


def run_probe(probe: Probe, engine: str, path: Path, dirs: tuple[Preopen, ...] = (),
              stdin: bytes | None = None) -> tuple[Report, RunResult]:
    """Run the probe on a Python engine (output captured) and parse its report."""
    from wasitool.pyruntime import run

    result = run(RunSpec(compile_probe(probe, path), dirs=dirs, stdin=stdin), engine, capture=True)
    return probe.parse(result.stderr if probe.report_fd == 2 else result.stdout), result


def wasmtime_cli_available() -> bool:
    from wasitool.runtimes.cli import WasmtimeCli

    return WasmtimeCli().executable() is not None


def run_probe_cli(probe: Probe, path: Path, dirs: tuple[Preopen, ...] = (),
                  stdin: bytes | None = None) -> tuple[Report, RunResult]:
    """Run the probe on the wasmtime CLI (`wasmtime run`); the caller skips when it is not installed."""
    from wasitool.runtimes.cli import WasmtimeCli

    result = WasmtimeCli().run(RunSpec(compile_probe(probe, path), dirs=dirs, stdin=stdin))
    return probe.parse(result.stderr if probe.report_fd == 2 else result.stdout), result
