"""`wasitool run --batch FILE.jsonl`: JSON lines in, JSON lines out, one-line errors for bad batches."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.wat_modules import CAT, HELLO, exit_with, strings_dump

REPO = Path(__file__).resolve().parents[2]


def wasitool(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "wasitool", "run", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_batch_file_runs_every_line(engine_name: str, wat_file, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    lines = [
        {"id": "hello", "module": str(wat_file(HELLO, "hello.wasm"))},
        {"module": str(wat_file(strings_dump("args"), "args.wasm")), "args": ["a", "b c"], "argv0": "prog"},
        {"id": [1], "module": str(wat_file(strings_dump("environ"), "env.wasm")), "env": {"K": "v", "E": ""}},
        {"module": str(wat_file(CAT, "cat.wasm")), "stdin_base64": base64.b64encode(b"\xff\xfe").decode(),
         "dirs": [f"{data}::/data:ro"]},
        {"module": str(wat_file(exit_with(9), "nine.wasm")), "timeout": 30},
    ]
    batch = tmp_path / "runs.jsonl"
    batch.write_text("# a comment\n\n" + "".join(json.dumps(line) + "\n" for line in lines))
    proc = wasitool("--batch", str(batch), "--engine", engine_name, "-j", "2")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["index"] for o in out] == [0, 1, 2, 3, 4]
    assert out[0]["id"] == "hello" and out[0]["stdout"] == "Hello, WASI!\n" and out[0]["exit_code"] == 0
    assert out[1]["stdout"] == "prog\0a\0b c\0" and out[1]["exit_code"] == 3 and "id" not in out[1]
    assert out[2]["id"] == [1] and out[2]["stdout"] == "K=v\0E=\0"
    assert "stdout" not in out[3] and base64.b64decode(out[3]["stdout_base64"]) == b"\xff\xfe"
    assert out[4]["exit_code"] == 9 and out[4]["trap"] is None and out[4]["timeout"] is None
    assert all(o["duration"] > 0 for o in out)


def test_batch_from_stdin_reports_a_run_that_cannot_start(engine_name: str, wat_file, tmp_path: Path) -> None:
    stdin = json.dumps({"module": str(tmp_path / "gone.wasm")}) + "\n" + json.dumps({"module": str(wat_file(HELLO))})
    proc = wasitool("--batch", "-", "--engine", engine_name, stdin=stdin)
    assert proc.returncode == 1
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["error"].startswith("cannot read ") and "exit_code" not in first
    assert second["stdout"] == "Hello, WASI!\n"


def test_bad_batches_are_one_line_errors(tmp_path: Path) -> None:
    cases = {
        "{not json\n": "stdin:1 is not JSON",
        '{"module": "m.wasm", "argz": []}\n': "stdin:1: unknown key(s) argz",
        '\n{"args": []}\n': "stdin:2: `module` (the .wasm file's path) is missing",
        '{"module": "m.wasm", "timeout": -1}\n': "`timeout` must be a positive number",
        '{"module": "m.wasm", "env": ["A=b"]}\n': "`env` must be an object of strings",
        f'{{"module": "m.wasm", "dirs": ["{tmp_path}/none"]}}\n': "is not a directory",
        '{"module": "m.wasm", "invoke": {"export": "f", "args": [true]}}\n': "`invoke.args` must be numbers",
    }
    for text, message in cases.items():
        proc = wasitool("--batch", "-", stdin=text)
        assert proc.returncode == 2 and proc.stdout == "", text
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and message in lines[0], text


def test_batch_refuses_per_run_options(tmp_path: Path) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text("")
    for extra in (["hello.wasm"], ["--env", "A=b"], ["--trace"], ["--dir", str(tmp_path)], ["--inject", "fd_write=EIO"],
                  ["--deterministic"], ["--seed", "0"]):
        proc = wasitool("--batch", str(batch), *extra)
        assert proc.returncode == 2 and "does not apply" in proc.stderr, extra
    assert wasitool("--batch", str(tmp_path / "none.jsonl")).stderr.startswith(
        "wasitool: error: cannot read the batch file")
    assert "nothing to run" in wasitool().stderr
    assert "-j/--jobs applies to --batch runs" in wasitool(str(tmp_path / "m.wasm"), "-j", "2").stderr
