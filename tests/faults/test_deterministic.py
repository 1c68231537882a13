"""--deterministic on every engine: clocks advance one step per read from a fixed start, random_get is a
seeded stream, inode numbers are stable, listings sorted; a program's output is byte-identical across
runs, engines and directories created in another order."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import probe_modules as P
from wasitool import pyruntime
from wasitool.runspec import Preopen, RunResult, RunSpec
from wasitool.wasi.deterministic import EPOCH_NS, STEP_NS, Determinism
from wasitool.wasi.inject import Injector, parse_rule

OFFSET = P.BUF - P.OUT


def _run(engine: str, module: Path, seed: int = 0, directory: Path | None = None, inject: str = "") -> RunResult:
    interposers: list = [Injector([parse_rule(inject)])] if inject else []
    dirs = (Preopen(directory, "."),) if directory is not None else ()
    return pyruntime.run(RunSpec(module, dirs=dirs), engine, capture=True,
                         interpose=[*interposers, Determinism(seed)])


def test_clocks_start_fixed_and_advance_per_read(engine_name, wat_file):
    realtime = wat_file(P.probe("clock_time_get", f"(i32.const 0) (i64.const 1) (i32.const {P.OUT})", (P.OUT, 8),
                                repeat=3))
    assert struct.unpack("<Q", _run(engine_name, realtime).stdout) == (EPOCH_NS + 3 * STEP_NS,)
    assert struct.unpack("<Q", _run(engine_name, wat_file(P.clock(1), "mono.wasm")).stdout) == (STEP_NS,)


def test_random_is_a_seeded_stream(engine_name, wat_file):
    module = wat_file(P.random(32))
    first, again, other = (_run(engine_name, module, seed).stdout for seed in (5, 5, 6))
    assert first == again != other and len(first) == 32


def _listing(stdout: bytes) -> list[tuple[int, int, bytes]]:
    used = struct.unpack_from("<I", stdout)[0]
    buf, pos, entries = stdout[OFFSET:], 0, []
    while pos < used:
        d_next, ino, namlen, _type = struct.unpack_from("<QQIB", buf, pos)
        entries.append((d_next, ino, buf[pos + 24:pos + 24 + namlen]))
        pos += 24 + namlen
    return entries


def test_listing_sorted_with_stable_inodes(engine_name, wat_file, tmp_path):
    names = ["zeta", "alpha", "Middle", "beta", "omega"]
    first, second = tmp_path / "one", tmp_path / "two"
    for root, order in ((first, names), (second, names[::-1])):
        root.mkdir()
        for name in order:
            (root / name).write_text(name)
    module = wat_file(P.readdir())
    one, two = (_listing(_run(engine_name, module, directory=d).stdout) for d in (first, second))
    assert one == two
    assert [name for _, _, name in one] == [b".", b"..", b"Middle", b"alpha", b"beta", b"omega", b"zeta"]
    assert [(d_next, ino) for d_next, ino, _ in one] == [(1, 1), (2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6)]


def test_short_readdir_cuts_the_sorted_listing(engine_name, wat_file, tmp_path):
    for name in ("b", "a"):
        (tmp_path / name).write_text(name)
    result = _run(engine_name, wat_file(P.readdir()), directory=tmp_path, inject="fd_readdir=short")
    assert struct.unpack_from("<I", result.stdout)[0] == 4096
    assert _listing(result.stdout)[0] == (1, 1, b".")


PROGRAM = Path(__file__).parent / "programs" / "times_and_randoms.c"


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wasitool", "run", str(PROGRAM), *args], capture_output=True,
                          timeout=120)


@pytest.fixture
def two_trees(tmp_path: Path) -> tuple[Path, Path]:
    """The same files, created in opposite orders (host listings and inode numbers differ)."""
    trees = tmp_path / "a", tmp_path / "b"
    names = [f"file{i}" for i in range(12)]
    for root, order in zip(trees, (names, names[::-1]), strict=True):
        (root / "sub").mkdir(parents=True)
        for name in order:
            (root / name).write_text(name)
    return trees


def test_output_is_byte_identical_across_runs_and_engines(use_toolchain, engine_name, two_trees):
    runs = [_cli("--engine", engine_name, "--dir", f"{tree}::.", "--deterministic") for tree in two_trees]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    lines = runs[0].stdout.decode().splitlines()
    assert lines[:2] == ["2025-01-01 00:00:00.001 random 863e9c72", "2025-01-01 00:00:00.002 random 5459339d"]
    names = ["./", *sorted(f"file{i}" for i in range(12)), "sub/"]  # `..` skipped; its inode is `.`'s
    assert lines[3:] == [f"{name} ino {ino}/{ino} mtime 1735689600" for ino, name in enumerate(names, 1)]
    plain = [_cli("--engine", engine_name, "--dir", f"{two_trees[0]}::.") for _ in range(2)]
    assert plain[0].stdout != plain[1].stdout  # without it, the times and random numbers differ
    seeded = _cli("--engine", engine_name, "--dir", f"{two_trees[0]}::.", "--seed", "9")
    assert seeded.stdout != runs[0].stdout and seeded.stdout.splitlines()[0].startswith(b"2025-01-01 00:00:00.001")


def test_engines_agree(use_toolchain, two_trees):
    from tests.conftest import importable_engines

    outputs = {engine: _cli("--engine", engine, "--dir", f"{two_trees[0]}::.", "--deterministic").stdout
               for engine in importable_engines()}
    assert len(set(outputs.values())) == 1, outputs
    assert next(iter(outputs.values())).startswith(b"2025-01-01 00:00:00.001 random 863e9c72\n")


GOLDEN = """2025-01-01 00:00:00.001 random 863e9c72
2025-01-01 00:00:00.002 random 5459339d
2025-01-01 00:00:00.003 random 1bc6c77a
./ ino 1/1 mtime 1735689600
"""


def test_table_field_makes_a_golden_file_hold(use_toolchain, tmp_path):
    """`deterministic = true` in an example's [run]: `wasitool run NAME --diff` holds it to exact output."""
    def wasitool(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "wasitool", *args], cwd=tmp_path / "proj", capture_output=True,
                              text=True, timeout=300)

    assert subprocess.run([sys.executable, "-m", "wasitool", "init", "proj"], cwd=tmp_path).returncode == 0
    root = tmp_path / "proj"
    (root / "src" / "stamps.c").write_bytes(PROGRAM.read_bytes())
    table = (root / "wasitool.toml").read_text()
    entry = (f'[examples.stamps]\nsource = "stamps.c"\nteaches = "golden output"\n'
             f'[examples.stamps.run]\ndirs = [{{ guest = ".", fresh = true }}]\ndeterministic = true\n'
             f'[examples.stamps.expect]\nstdout = """{GOLDEN}"""\n')
    (root / "wasitool.toml").write_text(table + entry)
    assert wasitool("setup", "--offline").returncode == 0
    proc = wasitool("run", "stamps", "--diff")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (root / "wasitool.toml").write_text(table + entry.replace("deterministic = true", "deterministic = false"))
    assert wasitool("run", "stamps", "--diff").returncode == 1  # the real clock: the golden file fails
    (root / "wasitool.toml").write_text(table + entry.replace("deterministic = true", "deterministic = 1"))
    proc = wasitool("run", "stamps")
    assert proc.returncode == 2 and "examples.stamps.run.deterministic must be true or false, not 1" in proc.stderr
