"""--inject against wasi-libc (real builds, both engines): legal short reads, writes and directory reads
change nothing a correct program prints; skew and zeroed randomness reach it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.engines.test_engine_cli import wasitool

PROGRAM = Path(__file__).parent / "programs" / "copy_and_list.c"


@pytest.fixture
def listing(tmp_path: Path) -> Path:
    root = tmp_path / "listing"
    root.mkdir()
    for i in range(40):
        (root / f"entry-{i:02d}-{'x' * i}").write_text("")
    return root


def test_short_io_and_readdir_change_nothing(use_toolchain, engine_name, listing):
    text = b"".join(b"line %d\n" % i for i in range(500))
    plain = wasitool("run", str(PROGRAM), "--engine", engine_name, "--dir", f"{listing}::.", stdin=text)
    year = time.gmtime().tm_year
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == b"stdin %d bytes\n%sentries 42\nrandom zero 0\nyear %d\n" % (len(text), text, year)
    faulty = wasitool("run", str(PROGRAM), "--engine", engine_name, "--dir", f"{listing}::.",
                      "--inject", "fd_read=short:7", "--inject", "fd_write=short:5", "--inject", "fd_readdir=short",
                      "--trace-summary", stdin=text)
    assert (faulty.returncode, faulty.stdout) == (0, plain.stdout)
    calls = {line.split()[-1]: int(line.split()[-2]) for line in faulty.stderr.decode().splitlines()[2:-2]}
    assert calls["fd_readdir"] >= 42 and calls["fd_read"] > len(text) // 7 and calls["fd_write"] > len(text) // 5


def test_skew_and_zero_random_reach_the_program(use_toolchain, engine_name, listing):
    proc = wasitool("run", str(PROGRAM), "--engine", engine_name, "--dir", f"{listing}::.",
                    "--inject", "clock_time_get=+3660d", "--inject", "random_get=zero")
    assert proc.returncode == 0, proc.stderr
    ahead = time.gmtime(time.time() + 3660 * 86400).tm_year
    assert proc.stdout.decode().splitlines()[-2:] == ["random zero 1", f"year {ahead}"]
