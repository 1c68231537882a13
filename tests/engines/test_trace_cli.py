"""`wasitool run --trace*` end to end on every engine: decoded lines, filters, JSON, the summary, errors."""

from __future__ import annotations

import json

from tests.engines.test_engine_cli import _one_line_error, wasitool
from tests.support import wat_modules as M

HELLO_LINE = ('fd_write(fd=1, iovs=[{buf="Hello, WASI!\\n", buf_len=13}], iovs_len=1, nwritten=0x64)'
              " -> 0 (ESUCCESS), nwritten=13")


def test_trace_shows_the_bytes_written(engine_name, wat_file):
    proc = wasitool("run", "--trace", str(wat_file(M.HELLO)), "--engine", engine_name)  # --trace before target
    assert (proc.returncode, proc.stdout) == (0, b"Hello, WASI!\n")
    assert proc.stderr.decode() == HELLO_LINE + "\n"


def test_trace_bytes_filter_and_args(engine_name, wat_file):
    path = str(wat_file(M.strings_dump("args"), "prog.wasm"))
    proc = wasitool("run", path, "--engine", engine_name, "--trace=args_*", "--trace-bytes", "6", "--", "abcdefgh")
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "args_sizes_get(argc=0x0, argv_buf_size=0x4) -> 0 (ESUCCESS), argc=2, argv_buf_size=19",
        'args_get(argv=0x400, argv_buf=0x1000) -> 0 (ESUCCESS), argv=[0x1000->"prog.w"..., 0x100a->"abcdef"...], '
        'argv_buf="prog.w"...',
    ]


def test_json_lines_and_summary(engine_name, wat_file, tmp_path):
    trace = tmp_path / "trace.jsonl"
    proc = wasitool("run", str(wat_file(M.exit_with(3))), "--engine", engine_name, "--trace-format", "json",
                    "--trace-file", str(trace), "--trace-summary")
    assert (proc.returncode, proc.stderr) == (3, b"")
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert records[0] == {"call": "proc_exit", "args": {"rval": 3}}
    assert records[1]["summary"] == [{"call": "proc_exit", "calls": 1, "errors": 0, "seconds": 0.0}]


def test_summary_alone_prints_only_the_table(engine_name, wat_file):
    proc = wasitool("run", str(wat_file(M.HELLO)), "--engine", engine_name, "--trace-summary")
    lines = proc.stderr.decode().splitlines()
    assert lines[0].split()[-1] == "call" and lines[2].split()[-2:] == ["1", "fd_write"]
    assert lines[-1].split()[-2:] == ["1", "total"] and len(lines) == 5


def test_unknown_call_is_one_line(engine_name, wat_file):
    err = _one_line_error(wasitool("run", str(wat_file(M.HELLO)), "--engine", engine_name, "--trace=fd_wrte"))
    assert "--trace=fd_wrte: `fd_wrte` matches no wasi_snapshot_preview1 function" in err
