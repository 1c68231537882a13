"""--record, `wasitool replay` and `wasitool trace-diff` on every engine: a replay gives back the recorded
random bytes, directory listing and output with no host files; it stops at the first call that differs;
trace-diff names the first divergence between two builds, from recordings or JSON traces."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.engines.test_engine_cli import _one_line_error
from tests.support import probe_modules as P
from tests.support import wat_modules as M


def wasitool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wasitool", *args], capture_output=True, timeout=300, cwd=cwd)


def test_replay_gives_back_the_recorded_random_bytes(engine_name, wat_file, tmp_path):
    module = wat_file(P.random(48))
    recording = tmp_path / "run.jsonl"
    first = wasitool("run", str(module), "--engine", engine_name, "--record", str(recording))
    assert first.returncode == 0 and len(first.stdout) == 48
    header, *calls = (json.loads(line) for line in recording.read_text().splitlines())
    assert header["recording"] == "wasitool" and header["module"] == str(module)
    assert [c["call"] for c in calls] == ["random_get", "fd_write", "proc_exit"]
    replay = wasitool("replay", str(recording), "--engine", engine_name)
    assert (replay.returncode, replay.stdout, replay.stderr) == (0, first.stdout, b"")
    assert wasitool("run", str(module), "--engine", engine_name).stdout != first.stdout  # really random


def test_replay_traces_what_the_run_traced(engine_name, wat_file, tmp_path):
    module, recording = wat_file(P.random(16)), tmp_path / "run.jsonl"
    run = wasitool("run", str(module), "--engine", engine_name, "--record", str(recording), "--trace=random_get")
    replay = wasitool("replay", str(recording), "--engine", engine_name, "--trace=random_get")
    assert replay.returncode == 0 and replay.stderr == run.stderr and run.stderr.startswith(b"random_get(buf=0x1000")
    err = _one_line_error(wasitool("replay", str(recording), "--engine", engine_name, "--trace=random_gte"))
    assert "--trace=random_gte: `random_gte` matches no wasi_snapshot_preview1 function" in err


def test_replay_stops_at_the_first_call_that_differs(engine_name, wat_file, tmp_path):
    recording = tmp_path / "hello.jsonl"
    assert wasitool("run", str(wat_file(M.HELLO)), "--engine", engine_name, "--record", str(recording)).returncode == 0
    other = wat_file(M.HELLO.replace("Hello, WASI!", "Hello, wasi!"), "other.wasm")
    proc = wasitool("replay", str(recording), "--engine", engine_name, "--module", str(other))
    assert proc.returncode == 1 and proc.stdout == b""
    assert proc.stderr.decode() == (
        'wasitool: replay: call 1 differs: recorded fd_write(fd=1, iovs=[{"buf": "Hello, WASI!\\n", "buf_len": 13}], '
        'iovs_len=1, nwritten=100), replayed fd_write(fd=1, iovs=[{"buf": "Hello, wasi!\\n", "buf_len": 13}], '
        'iovs_len=1, nwritten=100)\n')
    longer = wat_file(M.HELLO.replace("(i32.const 100)))", "(i32.const 100))) (call $again)")
                      .replace("(func (export", '(func $again (drop (call $fd_write (i32.const 1) (i32.const 0) '
                               '(i32.const 1) (i32.const 100))))\n  (func (export'), "longer.wasm")
    proc = wasitool("replay", str(recording), "--engine", engine_name, "--module", str(longer), "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and report["divergence"]["number"] == 2 and report["divergence"]["recorded"] is None
    assert proc.stderr.decode().endswith("after the recording ended\n")


def test_bad_recording_is_one_line(tmp_path, engine_name):
    trace = tmp_path / "trace.jsonl"
    trace.write_text('{"call": "fd_write"}\n')
    err = _one_line_error(wasitool("replay", str(trace), "--engine", engine_name))
    assert f"{trace} is not a wasitool recording (fix: pass a file written by `wasitool run --record FILE`)" in err


def test_trace_diff_of_json_traces(engine_name, wat_file, tmp_path):
    traces = []
    for name, text in (("a", "Hello, WASI!"), ("b", "Hello, wasi!")):
        trace = tmp_path / f"{name}.jsonl"
        module = wat_file(M.HELLO.replace("Hello, WASI!", text), f"{name}.wasm")
        wasitool("run", str(module), "--engine", engine_name, "--trace-format", "json", "--trace-file", str(trace))
        traces.append(str(trace))
    proc = wasitool("trace-diff", *traces)
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines() == [
        f"first divergence at call 1 (A: {traces[0]}, B: {traces[1]})",
        'A     1  fd_write(fd=1, iovs=[{"buf": "Hello, WASI!\\n", "buf_len": 13}], iovs_len=1) -> ESUCCESS, '
        'nwritten=13',
        'B     1  fd_write(fd=1, iovs=[{"buf": "Hello, wasi!\\n", "buf_len": 13}], iovs_len=1) -> ESUCCESS, '
        'nwritten=13',
    ]
    same = wasitool("trace-diff", traces[0], traces[1], "--ignore=fd_*", "--json")
    assert (same.returncode, json.loads(same.stdout)["divergence"]) == (0, None)
    err = _one_line_error(wasitool("trace-diff", traces[0], traces[1], "--ignore=fd_wrte"))
    assert "--ignore=fd_wrte: `fd_wrte` matches no wasi_snapshot_preview1 function" in err


VARIANT = """#include <stdio.h>
int main(void) {
    printf("opening %s\\n", NAME);
    FILE *in = fopen(NAME, "r");
    if (in == NULL) { perror(NAME); return 1; }
    char line[64];
    while (fgets(line, sizeof line, in) != NULL) printf("%s", line);
    return fclose(in);
}
"""


def test_trace_diff_names_the_first_divergence_between_two_builds(use_toolchain, engine_name, tmp_path):
    source = tmp_path / "variant.c"
    source.write_text(VARIANT)
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.cfg").write_text("one\n")
    recordings = []
    for name in ("a.cfg", "missing.cfg"):
        recording = tmp_path / f"{name}.jsonl"
        wasitool("run", str(source), f'-X-DNAME="{name}"', "--engine", engine_name, "--dir", f"{data}::.",
                 "--record", str(recording))
        recordings.append(str(recording))
    proc = wasitool("trace-diff", *recordings, "--ignore=fd_write", "--context", "1")
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 1
    assert lines[0] == f"first divergence at call 7 (A: {recordings[0]}, B: {recordings[1]})"
    assert lines[1].startswith("      6  fd_fdstat_get(fd=3) -> ESUCCESS")  # call 5, an fd_write, is ignored
    assert lines[2].startswith('A     7  path_open(fd=3, dirflags=SYMLINK_FOLLOW, path="a.cfg", path_len=5, oflags=0')
    assert lines[2].endswith("-> ESUCCESS, opened_fd=4")
    assert lines[3].startswith('B     7  path_open(fd=3, dirflags=SYMLINK_FOLLOW, path="missing.cfg", path_len=11')
    assert lines[3].endswith("-> ENOENT")


def test_replay_of_readdir_needs_no_files(use_toolchain, engine_name, tmp_path):
    """The example's preopen is a temporary copy, gone once the recorded run ends; the replay runs in an
    empty directory and prints the same listing."""
    recording = tmp_path / "readdir.jsonl"
    recorded = wasitool("run", "readdir", "--engine", engine_name, "--record", str(recording))
    assert recorded.returncode == 0 and sorted(recorded.stdout.splitlines()) == [b"alpha.txt", b"beta.txt", b"subdir/"]
    module = tmp_path / "readdir.wasm"
    shutil.copy(json.loads(recording.read_text().splitlines()[0])["module"], module)
    empty = tmp_path / "empty"
    empty.mkdir()
    calls = [json.loads(line)["call"] for line in recording.read_text().splitlines()[1:]]
    assert "fd_readdir" in calls and "path_open" in calls
    replay = wasitool("replay", str(recording), "--module", str(module), "--engine", engine_name, cwd=empty)
    assert (replay.returncode, replay.stdout) == (0, recorded.stdout)
    assert list(empty.iterdir()) == []


READER = """#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(void) {
    char line[64];
    if (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);
    FILE *in = fopen("data.txt", "r");
    if (in == NULL || fgets(line, sizeof line, in) == NULL) return 1;
    printf("file: %s", line);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("time %lld.%09ld random %08x\\n", (long long)now.tv_sec, now.tv_nsec, arc4random());
    return 0;
}
"""


def test_recording_holds_what_the_run_read(use_toolchain, engine_name, tmp_path):
    """stdin, file contents, the clock and random bytes are in the recording: its replay, with no files and
    other input, prints the same (a rerun does not)."""
    source, data = tmp_path / "reader.c", tmp_path / "data"
    source.write_text(READER)
    data.mkdir()
    (data / "data.txt").write_text("from the file\n")
    recording = tmp_path / "rec.jsonl"
    argv = [sys.executable, "-m", "wasitool", "run", str(source), "--engine", engine_name, "--dir", f"{data}::."]
    first = subprocess.run([*argv, "--record", str(recording)], input=b"from stdin\n", capture_output=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(b"stdin: from stdin\nfile: from the file\ntime ")
    writes = b"".join(base64.b64decode(w[1]) for line in recording.read_text().splitlines()[1:]
                      for w in json.loads(line).get("writes", ()))
    assert b"from stdin" in writes and b"from the file" in writes
    module = tmp_path / "reader.wasm"
    shutil.copy(json.loads(recording.read_text().splitlines()[0])["module"], module)
    shutil.rmtree(data)
    replay = subprocess.run([sys.executable, "-m", "wasitool", "replay", str(recording), "--module", str(module),
                             "--engine", engine_name], input=b"other input\n", capture_output=True, cwd=tmp_path)
    assert (replay.returncode, replay.stdout) == (0, first.stdout)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "data.txt").write_text("from the file\n")
    again = subprocess.run(argv, input=b"from stdin\n", capture_output=True)
    assert again.stdout != first.stdout  # another time, other random numbers


def test_engines_agree_call_for_call(use_toolchain, tmp_path):
    """Deterministic recordings of one program on every engine here (and twice on the first) have no
    divergence: both engines make the same calls and get the same answers."""
    from tests.conftest import importable_engines

    engines = importable_engines()
    recordings = []
    for number, engine in enumerate([*engines, engines[0]]):
        recording = tmp_path / f"{number}-{engine}.jsonl"
        proc = wasitool("run", "files", "--engine", engine, "--deterministic", "--record", str(recording))
        assert proc.returncode == 0, proc.stderr
        recordings.append(str(recording))
    for other in recordings[1:]:
        proc = wasitool("trace-diff", recordings[0], other)
        assert (proc.returncode, proc.stdout) == (0, b"no divergence: the same 17 calls\n")


def test_a_recording_replays_on_every_engine(wat_file, tmp_path):
    from tests.conftest import importable_engines

    module, recording = wat_file(P.random(24)), tmp_path / "run.jsonl"
    engines = importable_engines()
    first = wasitool("run", str(module), "--engine", engines[-1], "--record", str(recording))
    for engine in engines:
        replay = wasitool("replay", str(recording), "--engine", engine)
        assert (replay.returncode, replay.stdout) == (0, first.stdout), engine
