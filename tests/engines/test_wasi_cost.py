"""Cost bounded by the work on every engine, compared with the wasmtime CLI: iovec arrays, fd numbers."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.support.wasi_probe import Probe, run_probe, run_probe_cli, wasmtime_cli_available
from wasitool.runspec import Preopen
from wasitool.wasi.constants import RIGHT_FD_READ

PAGES = 256  # 16 MiB: about two million iovecs


def test_two_million_empty_iovecs(engine_name: str, tmp_path: Path) -> None:
    """An fd_write whose iovec array fills 16 MiB of zeroed memory, one real iovec at its end."""
    probe = Probe(pages=PAGES, report_fd=2)
    text = probe.bytes(b"hello\n")
    count = (PAGES * 65536 - 0x10000) // 8
    probe.bytes(struct.pack("<II", text, 6), at=0x10000 + 8 * (count - 1))
    probe.call("fd_write", 1, 0x10000, count, Probe.OUT)
    probe.dump(Probe.OUT, 4)
    report, result = run_probe(probe, engine_name, tmp_path / "p.wasm")
    assert (report.errnos, report.dumps, result.stdout) == ([0], [struct.pack("<I", 6)], b"hello\n")
    if wasmtime_cli_available():
        cli, cli_result = run_probe_cli(probe, tmp_path / "p.wasm")
        assert (cli, cli_result.stdout) == (report, b"hello\n")


def test_lowest_free_fd_as_the_wasmtime_cli(engine_name: str, tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"")
    probe = Probe()
    f = probe.bytes(b"f")

    def open_at(out: int) -> None:
        probe.call("path_open", 3, 0, f, 1, 0, RIGHT_FD_READ, 0, 0, Probe.OUT + out)

    open_at(0)  # 4
    open_at(4)  # 5
    probe.call("fd_close", 4)
    open_at(8)  # 4 again
    probe.call("fd_close", 0)
    open_at(12)  # 0: a closed stdio number is reused
    probe.call("fd_renumber", 5, 20)  # EBADF: 20 is not open
    probe.call("fd_close", 5)
    open_at(16)  # 5
    probe.dump(Probe.OUT, 20)
    report, _ = run_probe(probe, engine_name, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))
    assert struct.unpack("<5I", report.dumps[0]) == (4, 5, 4, 0, 5)
    assert report.errnos == [0, 0, 0, 0, 0, 0, 8, 0, 0]
    if wasmtime_cli_available():
        assert run_probe_cli(probe, tmp_path / "p.wasm", dirs=(Preopen(tmp_path, "/d"),))[0] == report
