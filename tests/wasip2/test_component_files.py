"""Files, clocks and random of a zig-built C program turned into a component, compared with the wasmtime CLI.

The guests (tests/wasip2/guests/*.c) are built with the real toolchain (slow tests) and adapted with the
preview1 command adapter (tests/support/components.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.components import P2Kit
from tests.wasip2.conftest import reference, wasitool

GUESTS = Path(__file__).parent / "guests"


@pytest.fixture
def c_component(use_toolchain: Path, p2kit: P2Kit, tmp_path: Path):
    """c_component(name) -> a component built from guests/NAME.c."""

    def build(name: str) -> Path:
        core = tmp_path / f"{name}.core.wasm"
        proc = subprocess.run([sys.executable, "-m", "wasitool", "build", str(GUESTS / f"{name}.c"), "-o", str(core)],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        return p2kit.adapt(core, tmp_path / f"{name}.wasm")

    return build


def _sandbox(where: Path) -> Path:
    """A preopen holding `out`, a symlink to a directory outside it (with a file the guest must not reach)."""
    (where / "outside").mkdir(parents=True)
    (where / "outside" / "x.txt").write_text("secret\n")
    box = where / "box"
    box.mkdir()
    os.symlink("../outside", box / "out")
    return box


def test_files_clocks_random_as_the_cli(hostcall, c_component, tmp_path, wasmtime_cli):
    path = c_component("fsops")
    ours_box, theirs_box = _sandbox(tmp_path / "ours"), _sandbox(tmp_path / "theirs")
    ours = wasitool("run", "--dir", f"{ours_box}::/sandbox", str(path))
    theirs = reference(wasmtime_cli, path, flags=("--dir", f"{theirs_box}::/sandbox"))
    assert (ours.returncode, ours.stderr) == (0, b"")
    assert ours.stdout == theirs.stdout, theirs.stderr
    lines = ours.stdout.decode().splitlines()
    for expected in ("mkdir sub: ok", "write: 12", "seek: 7", "read: 5 [file", "fstat: size=12 reg=1",
                     "b: one", "b: two", "ls sub: . .. a.txt b.txt", "rename: ok", "unlink: ok", "ls sub: . .. c.txt",
                     "rmdir nonempty: Directory not empty", "rmdir: ok",
                     "open missing: No such file or directory",
                     "open dotdot: Operation not permitted", "open link out: Operation not permitted",
                     "ls .: . .. out", "monotonic: 1", "realtime after 2020: 1", "random differs: 1",
                     "slept >= 20ms: 1"):
        assert expected in lines
    assert sorted(p.name for p in ours_box.iterdir()) == ["out"]


def test_readonly_preopen_refuses_every_write(c_component, tmp_path):
    box = _sandbox(tmp_path)
    proc = wasitool("run", "--dir", f"{box}::/sandbox:ro", str(c_component("fsops")))
    lines = proc.stdout.decode().splitlines()
    for refused in ("mkdir sub", "open create", "rename", "unlink", "unlink c", "rmdir nonempty", "rmdir"):
        assert f"{refused}: Operation not permitted" in lines
    assert "ls .: . .. out" in lines  # reading still works
    assert sorted(p.name for p in box.iterdir()) == ["out"]


def test_rename_across_preopens_as_the_cli(c_component, tmp_path, wasmtime_cli):
    """rename-at takes two descriptors (two borrowed handles: see docs/components.md)."""
    path = c_component("rename")
    runs = []
    for side in ("ours", "theirs"):
        a, b = tmp_path / side / "a", tmp_path / side / "b"
        a.mkdir(parents=True)
        b.mkdir()
        (a / "f").write_text("x")
        flags = ("--dir", f"{a}::/a", "--dir", f"{b}::/b")
        proc = (wasitool("run", *flags, str(path), "--", "/a/f", "/b/g") if side == "ours"
                else reference(wasmtime_cli, path, "/a/f", "/b/g", flags=flags))
        runs.append((proc.returncode, proc.stdout, sorted(p.name for p in a.iterdir()), (b / "g").read_text()))
    assert runs[0] == runs[1] == (0, b"rename /a/f -> /b/g: ok\n", [], "x")


def test_poll_of_two_pollables_as_the_cli(c_component, wasmtime_cli):
    """poll() on stdin with a timeout: the adapter polls two pollables at once (stdin stays open, empty)."""
    path = c_component("poll")
    outputs = []
    for argv in ([sys.executable, "-m", "wasitool", "run", str(path)], [str(wasmtime_cli), "run", str(path)]):
        reader, writer = os.pipe()
        try:
            proc = subprocess.run(argv, stdin=reader, capture_output=True, timeout=60)
        finally:
            os.close(reader)
            os.close(writer)
        outputs.append((proc.returncode, proc.stdout))
    assert outputs[0] == outputs[1] == (0, b"poll: 0 revents=0\n")


def test_trace_shows_typed_values(c_component, tmp_path):
    box = _sandbox(tmp_path)
    proc = wasitool("run", "--dir", f"{box}::/sandbox", str(c_component("fsops")), "--trace=open-at")
    assert proc.returncode == 0
    lines = proc.stderr.decode().splitlines()
    assert ('[method]descriptor.open-at(self=descriptor#4, path-flags={symlink-follow}, path="sub", '
            "open-flags={directory}, flags={read}) -> ok(descriptor#13)") in lines
    assert ('[method]descriptor.open-at(self=descriptor#4, path-flags={symlink-follow}, path="../x.txt", '
            "open-flags={}, flags={read}) -> err(not-permitted)") in lines
    assert all(line.startswith("[method]descriptor.open-at(") for line in lines)


def test_more_file_calls_as_the_cli(hostcall, c_component, tmp_path, wasmtime_cli):
    """pread/pwrite, truncate, times, symlinks, errors of mkdir/rmdir/unlink/open, stdio: as the wasmtime CLI,
    but for the one declared difference (COMPONENT_DIFFERENCES: an escaping symlink is refused)."""
    path = c_component("fsmore")
    ours_box, theirs_box = tmp_path / "ours", tmp_path / "theirs"
    ours_box.mkdir()
    theirs_box.mkdir()
    ours = subprocess.run([sys.executable, "-m", "wasitool", "run", "--dir", f"{ours_box}::/sandbox", str(path)],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    theirs = subprocess.run([str(wasmtime_cli), "run", "--dir", f"{theirs_box}::/sandbox", str(path)],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert (ours.returncode, ours.stderr, theirs.returncode) == (0, b"", 0)
    ours_lines, theirs_lines = ours.stdout.decode().splitlines(), theirs.stdout.decode().splitlines()
    assert "symlink up: Operation not permitted" in ours_lines
    assert "symlink up: ok 0" in theirs_lines
    differ = [(a, b) for a, b in zip(ours_lines, theirs_lines, strict=True) if a != b]
    assert differ == [("symlink up: Operation not permitted", "symlink up: ok 0")]
    for expected in ("pread: 4 [bcde]", "size after truncate: 3", "mtime: 1200000000.500000000 atime: 1000000000",
                     "atime after futimens: 5 mtime kept: 1200000000", "link: ok 0", "hard link count: 2",
                     "link existing: File exists", "target: f.txt",
                     "open nofollow: Symbolic link loop",
                     "write-open dir: Is a directory", "unlink trailing slash: Not a directory",
                     "lseek stdout: Invalid seek", "write stdin: Bad file descriptor"):
        assert expected in ours_lines


def test_run_c_file_as_a_component(use_toolchain, p2kit, tmp_path):
    """`wasitool run FILE.c --wasi p2`: built as a component (the pinned adapter), run on the 0.2 host; without
    --engine on wasmtime even where wasmer is the default (the Python 3.10 run checks that)."""
    source = tmp_path / "hi.c"
    source.write_text('#include <stdio.h>\nint main(int argc, char **argv) { printf("hi %s %d\\n", argv[0], argc); '
                      "return argc - 1; }\n")
    proc = subprocess.run([sys.executable, "-m", "wasitool", "run", "hi.c", "--wasi", "p2", "--trace=get-arguments",
                           "--", "x"], cwd=tmp_path, capture_output=True, timeout=600)
    assert (proc.returncode, proc.stdout) == (1, b"hi hi.c 2\n"), proc.stderr  # exit(1): err
    assert proc.stderr.decode().splitlines()[0] == 'get-arguments() -> ["hi.c", "x"]'
