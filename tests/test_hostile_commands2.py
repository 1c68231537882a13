"""Hostile inputs to the commands changed since the last round: `run --batch`, `replay`, `trace-diff`, `faults`,
the store's files and its root, the Windows wrappers' spec, `inspect` on components, `init`/`examples --copy`.
Each runs the real CLI in a subprocess and must end in one line `wasitool: error: ...` naming the problem and
the fix, a non-zero status that is neither a signal nor the bug status (3), no traceback, and no temporary
file left in the store."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import wasmtime

from tests.support.wasm_bytes import section, uleb
from tests.support.wat_modules import HELLO
from wasitool import exitcodes
from wasitool.engines import unavailable_reason

COMPONENT = """(component
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $ri (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $ri)))"""


def wasitool(*argv: str, cwd: Path, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    environ = {**os.environ, "WASITOOL_HOME": str(cwd / "store"), **env}
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], cwd=cwd, input=stdin, capture_output=True,
                          env=environ, timeout=120, check=False)


def one_line(proc: subprocess.CompletedProcess[bytes], store: Path | None = None) -> str:
    """The error line of a failed command, after checking it is the only line and no bug was reported."""
    err = proc.stderr.decode(errors="replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert proc.returncode > 0 and proc.returncode != exitcodes.BUG, (proc.returncode, err)
    assert err.startswith("wasitool: error: ") and err.count("\n") == 1, err
    if store is not None and store.exists():
        left = [p for p in store.rglob("*") if p.name.endswith(".tmp")]
        assert not left, left
    return err


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "hello.wasm").write_bytes(wasmtime.wat2wasm(HELLO))
    (tmp_path / "comp.wasm").write_bytes(wasmtime.wat2wasm(COMPONENT))
    (tmp_path / "data").mkdir()
    return tmp_path


# --- run --batch ------------------------------------------------------------------------------------------

BAD_BATCHES = [
    ("deep nesting", b'{"module": "hello.wasm", "id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
     "nests too deep to read"),
    ("a key twice", b'{"module": "hello.wasm", "module": "other.wasm"}\n', "key(s) given twice: module"),
    ("a number of 5000 digits", b'{"module": "hello.wasm", "timeout": 1' + b"0" * 5000 + b"}\n",
     "holds a number of thousands of digits"),
    ("NaN timeout", b'{"module": "hello.wasm", "timeout": NaN}\n', "`timeout` must be a positive number"),
    ("NUL in the module path", b'{"module": "hello\\u0000.wasm"}\n', "`module` holds a NUL character"),
    ("a lone surrogate in the module path", b'{"module": "\\ud800.wasm"}\n', "`module` is not valid Unicode"),
    ("a lone surrogate in args", b'{"module": "hello.wasm", "args": ["\\udfff"]}\n', "`args` is not valid Unicode"),
    ("NUL in args", b'{"module": "hello.wasm", "args": ["a\\u0000b"]}\n', "`args` holds a NUL character"),
    ("NUL in env", b'{"module": "hello.wasm", "env": {"A": "\\u0000"}}\n', "`env` holds a NUL character"),
    ("= in an env name", b'{"module": "hello.wasm", "env": {"A=B": "c"}}\n', "`env` name 'A=B' is empty or holds"),
    ("empty env name", b'{"module": "hello.wasm", "env": {"": "c"}}\n', "`env` name '' is empty or holds"),
    ("readonly not a bool", b'{"module": "hello.wasm", "dirs": [{"host": "data", "readonly": "yes"}]}\n',
     "`dirs.readonly` must be true or false"),
    ("unknown feature", b'{"module": "hello.wasm", "requires": ["warp-drive"]}\n',
     "unknown wasm feature `warp-drive` in `requires`"),
    ("invoke argument not a number", b'{"module": "hello.wasm", "invoke": ["_start", "abc"]}\n',
     "invoke argument `abc` is not a number"),
    ("a preopen that is a FIFO", b'{"module": "hello.wasm", "dirs": ["fifo"]}\n', "fifo is not a directory"),
    ("unknown key", b'{"module": "hello.wasm", "modul": "x"}\n', "unknown key(s) modul"),
]


@pytest.mark.parametrize(("data", "expected"), [case[1:] for case in BAD_BATCHES],
                         ids=[case[0] for case in BAD_BATCHES])
def test_a_bad_batch_line_stops_the_batch_in_one_line(work: Path, data: bytes, expected: str) -> None:
    os.mkfifo(work / "fifo")
    (work / "runs.jsonl").write_bytes(b'{"module": "hello.wasm"}\n' + data)
    proc = wasitool("run", "--batch", "runs.jsonl", cwd=work)
    error = one_line(proc, work / "store")
    assert proc.returncode == exitcodes.USAGE and proc.stdout == b""
    assert f"runs.jsonl:2: {expected}" in error or f"runs.jsonl:2 {expected}" in error, error


def test_binary_junk_is_not_a_batch(work: Path) -> None:
    (work / "runs.jsonl").write_bytes(bytes(range(256)) * 4)
    assert one_line(wasitool("run", "--batch", "runs.jsonl", cwd=work)) == (
        "wasitool: error: runs.jsonl is not UTF-8 text (fix: write the batch as JSON lines)\n")


def test_a_module_that_is_a_fifo_is_that_runs_error_not_a_hang(work: Path) -> None:
    """Reading a FIFO no one writes would block every run of the batch; the reference CLI blocks too on
    `wasmtime run FIFO`, but a batch promises that one run never holds up another."""
    os.mkfifo(work / "fifo.wasm")
    (work / "runs.jsonl").write_text('{"module": "fifo.wasm"}\n{"module": "hello.wasm"}\n')
    proc = wasitool("run", "--batch", "runs.jsonl", cwd=work)
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert proc.returncode == 1 and proc.stderr == b""
    assert first["error"] == "fifo.wasm is not a regular file (a FIFO or a device)"
    assert second["stdout"] == "Hello, WASI!\n"


@pytest.mark.parametrize(("line", "expected"), [
    ('{"module": "data"}', "cannot read data: Is a directory"),
    ('{"module": "missing.wasm"}', "cannot read missing.wasm: No such file or directory"),
])
def test_a_module_that_cannot_run_is_an_error_line_and_the_rest_run(work: Path, line: str, expected: str) -> None:
    (work / "runs.jsonl").write_text(line + '\n{"module": "hello.wasm", "id": 7}\n')
    proc = wasitool("run", "--batch", "runs.jsonl", cwd=work)
    first, second = (json.loads(out) for out in proc.stdout.splitlines())
    assert proc.returncode == 1 and proc.stderr == b""
    assert first["error"] == expected
    assert (second["id"], second["exit_code"], second["stdout"]) == (7, 0, "Hello, WASI!\n")


@pytest.mark.parametrize("engine", [e for e in ("wasmtime", "wasmer") if unavailable_reason(e) is None])
def test_a_component_in_a_batch(work: Path, engine: str) -> None:
    """Run on wasmtime; on wasmer (no component model) `unsupported`, and the rest of the batch runs."""
    (work / "runs.jsonl").write_text('{"module": "comp.wasm"}\n{"module": "hello.wasm"}\n')
    proc = wasitool("run", "--batch", "runs.jsonl", "--engine", engine, cwd=work)
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr
    assert first["exit_code"] == 0 and ("unsupported" in first) == (engine == "wasmer"), first
    assert second["stdout"] == "Hello, WASI!\n"


def test_duplicate_ids_are_echoed_as_given(work: Path) -> None:
    """`id` is the caller's: echoed, never checked; `index` tells the lines apart."""
    (work / "runs.jsonl").write_text('{"module": "hello.wasm", "id": "x"}\n' * 2)
    proc = wasitool("run", "--batch", "runs.jsonl", cwd=work)
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0, proc.stderr
    assert [(r["index"], r["id"], r["exit_code"]) for r in results] == [(0, "x", 0), (1, "x", 0)]


def test_an_empty_batch_runs_nothing(work: Path) -> None:
    (work / "runs.jsonl").write_text("\n# nothing\n")
    proc = wasitool("run", "--batch", "runs.jsonl", cwd=work)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")


@pytest.mark.parametrize(("argv", "expected"), [
    (["-j", "0"], "argument -j/--jobs: '0' is not a positive number"),
    (["-j", "-1"], "argument -j/--jobs: '-1' is not a positive number"),
    (["-j"], "argument -j/--jobs: expected one argument"),
    (["--batch", "."], "cannot read the batch file .: Is a directory"),
    (["--batch", "nope.jsonl"], "cannot read the batch file nope.jsonl: No such file or directory"),
])
def test_batch_options_that_cannot_work(work: Path, argv: list[str], expected: str) -> None:
    (work / "runs.jsonl").write_text('{"module": "hello.wasm"}\n')
    args = argv if "--batch" in argv else ["--batch", "runs.jsonl", *argv]
    assert expected in one_line(wasitool("run", *args, cwd=work))


def test_a_huge_job_count_runs_as_many_as_there_are(work: Path) -> None:
    (work / "runs.jsonl").write_text('{"module": "hello.wasm"}\n' * 3)
    proc = wasitool("run", "--batch", "runs.jsonl", "-j", "9" * 30, cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["exit_code"] for line in proc.stdout.splitlines()] == [0, 0, 0]


# --- replay and trace-diff --------------------------------------------------------------------------------

@pytest.fixture
def recording(work: Path) -> Path:
    proc = wasitool("run", "--record", "rec.jsonl", "hello.wasm", cwd=work)
    assert (proc.returncode, proc.stdout) == (0, b"Hello, WASI!\n"), proc.stderr
    return work / "rec.jsonl"


def _edited(recording: Path, call: dict[str, object] | None = None, drop: str = "", raw: str = "") -> Path:
    header, first = (json.loads(line) for line in recording.read_text().splitlines()[:2])
    line = {k: v for k, v in {**first, **(call or {})}.items() if k != drop}
    recording.write_text(json.dumps(header) + "\n" + (raw or json.dumps(line)) + "\n")
    return recording


WRITES = "`writes` is a list of [address, base64 bytes]"
BAD_CALLS = [
    ("unknown call", {"call": "nope"}, "", "", '`call` "nope" is no wasi_snapshot_preview1 function'),
    ("no call", None, "call", "", "`call` null is no wasi_snapshot_preview1 function"),
    ("args a list", {"args": [1]}, "", "", "`args` and `out` are objects"),
    ("no args", None, "args", "", "`args` and `out` are objects"),
    ("out a list", {"out": []}, "", "", "`args` and `out` are objects"),
    ("result a string", {"result": "x"}, "", "", "`result` is an errno (0 to 65535)"),
    ("no result", None, "result", "", "`result` is an errno (0 to 65535)"),
    ("result too big", {"result": 2**70}, "", "", "`result` is an errno (0 to 65535)"),
    ("writes not base64", {"writes": [[100, "!!!"]]}, "", "", WRITES),
    ("writes at a negative address", {"writes": [[-4, "AAAA"]]}, "", "", WRITES),
    ("writes a string", {"writes": "x"}, "", "", WRITES),
    ("nwritten a string", {"out": {"nwritten": "x"}}, "", "", "`out.nwritten` is a byte count"),
    ("NaN args", None, "", '{"call": "fd_write", "args": NaN}', "`args` and `out` are objects"),
]


@pytest.mark.parametrize(("call", "drop", "raw", "expected"), [case[1:] for case in BAD_CALLS],
                         ids=[case[0] for case in BAD_CALLS])
def test_a_damaged_recorded_call_is_refused_before_the_replay(recording: Path, call: dict[str, object] | None,
                                                              drop: str, raw: str, expected: str) -> None:
    _edited(recording, call, drop, raw)
    error = one_line(wasitool("replay", "rec.jsonl", cwd=recording.parent))
    assert error == (f"wasitool: error: rec.jsonl: line 2 is not a recorded call: {expected} "
                     "(fix: record it again with `wasitool run --record FILE`)\n")


@pytest.mark.parametrize("raw", ['{"call": "fd_write", "args": [1]}', '{"call": "fd_write", "out": NaN}',
                                 '{"call": "fd_write", "args": ' + "[" * 100_000 + "]" * 100_000 + "}"],
                         ids=["args a list", "out NaN", "deep nesting"])
def test_trace_diff_refuses_a_damaged_call(recording: Path, raw: str) -> None:
    _edited(recording, raw=raw)
    error = one_line(wasitool("trace-diff", "rec.jsonl", "rec.jsonl", cwd=recording.parent))
    assert error.startswith("wasitool: error: cannot read rec.jsonl: ")
    assert "line 2 is not a call" in error or "a line nests too deep" in error


@pytest.mark.parametrize(("header", "expected"), [
    ({"version": "1"}, 'rec.jsonl is a version "1" recording; this wasitool reads 1'),
    ({"version": 2}, "rec.jsonl is a version 2 recording; this wasitool reads 1"),
    ({"module": 5}, "rec.jsonl: the header's `module` is not a file name"),
    ({"recording": "other"}, "rec.jsonl is not a wasitool recording"),
])
def test_a_recording_of_another_version_or_kind(recording: Path, header: dict[str, object], expected: str) -> None:
    lines = recording.read_text().splitlines()
    recording.write_text(json.dumps({**json.loads(lines[0]), **header}) + "\n" + "\n".join(lines[1:]) + "\n")
    assert one_line(wasitool("replay", "rec.jsonl", cwd=recording.parent)).startswith(f"wasitool: error: {expected}")


@pytest.mark.parametrize(("argv", "expected"), [
    (["replay", "."], "cannot read the recording .: Is a directory"),
    (["replay", "missing"], "cannot read the recording missing: No such file or directory"),
    (["replay", "rec.jsonl", "--module", "data"], "data is not a file (fix: pass the module with --module FILE.wasm)"),
    (["replay", "rec.jsonl", "--module", "comp.wasm"], "comp.wasm is a component, not a core module"),
    (["trace-diff", ".", "rec.jsonl"], "cannot read .: Is a directory"),
])
def test_replay_inputs_that_are_not_files_or_modules(recording: Path, argv: list[str], expected: str) -> None:
    assert expected in one_line(wasitool(*argv, cwd=recording.parent))


def test_a_recording_of_another_module_stops_at_the_first_call_that_differs(recording: Path) -> None:
    """Not an error of the recording: the replay runs and names the call where the two part (exit 1)."""
    (recording.parent / "other.wasm").write_bytes(wasmtime.wat2wasm(HELLO.replace("Hello", "Howdy")))
    proc = wasitool("replay", "rec.jsonl", "--module", "other.wasm", cwd=recording.parent)
    err = proc.stderr.decode()
    assert proc.returncode == 1 and err.count("\n") == 1, err
    assert err.startswith("wasitool: replay: call 1 differs: recorded fd_write(") and "Howdy" in err


# --- the store --------------------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, Path]:
    """A store with the shipped lock's tools installed by hand and recorded for a project's copy of it: (the
    store, the project's lock)."""
    from tests.project.test_store import fake_install, lock_copy
    from wasitool.toolchain.select import load_toolchain

    root = tmp_path / "store"
    lock = lock_copy(tmp_path / "proj" / "wasitool.lock")
    fake_install(root, lock)
    load_toolchain(root=root, lock=lock)
    return root, lock


def _store_command(store: tuple[Path, Path], *argv: str) -> subprocess.CompletedProcess[bytes]:
    root, lock = store
    return wasitool(*argv, cwd=lock.parent, WASITOOL_HOME=str(root))


def _overwrite(root: Path, pattern: str, data: bytes) -> None:
    paths = list(root.glob(pattern))
    assert paths, pattern
    for path in paths:
        path.write_bytes(data)


DAMAGED_RECORDS = [
    ("wrong types", json.dumps({"schema": 1, "platform": "linux-x86_64", "tools": {"wabt": {
        "name": 5, "source": [], "version": None, "root": 7, "commands": "x"}}}).encode(), "`name` is not a string"),
    ("an argv of numbers", json.dumps({"schema": 1, "platform": "linux-x86_64", "tools": {"wabt": {
        "name": "wabt", "source": "pip", "version": "1", "root": "/x", "commands": {"cc": [1]}}}}).encode(),
     "`commands` is not an object of argv lists"),
    ("deep nesting", b'{"schema": 1, "tools": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "maximum recursion depth"),
    ("truncated", b'{"schema": 1, "platf', "Unterminated string"),
]


@pytest.mark.parametrize(("data", "expected"), [case[1:] for case in DAMAGED_RECORDS],
                         ids=[case[0] for case in DAMAGED_RECORDS])
def test_a_damaged_record(store: tuple[Path, Path], data: bytes, expected: str) -> None:
    """Commands that need the record say it is damaged in one line; the store's own walks skip it."""
    _overwrite(store[0], "records/*.json", data)
    for command in (["toolchain", "--lock", str(store[1])], ["which", "cc", "--lock", str(store[1])]):
        error = one_line(_store_command(store, *command), store[0])
        assert expected in error and error.endswith("(fix: run `wasitool setup`)\n"), error
    for command in (["store", "list"], ["store", "list", "--json"], ["store", "gc", "--dry-run"]):
        proc = _store_command(store, *command)
        assert proc.returncode == 0 and proc.stderr == b"", proc.stderr


@pytest.mark.parametrize(("pattern", "data"), [
    ("tools/*/toolchain.json", json.dumps({"schema": 1, "tool": {"name": 5, "source": [], "version": None,
                                                                 "root": 7, "commands": "x"}}).encode()),
    ("tools/*/toolchain.json", b'{"schema": 1, "to'),
    ("locks/*.json", b'{"schema": 1, "lock": "\\ud800", "digest": "x"}'),
    ("locks/*.json", b'{"schema": 1, "lock": "a\\u0000b", "digest": 5}'),
    ("locks/*.json", b"[]"),
], ids=["manifest of wrong types", "truncated manifest", "lock index naming a surrogate", "lock index with NUL",
        "lock index a list"])
def test_store_list_and_gc_walk_past_damaged_files(store: tuple[Path, Path], pattern: str, data: bytes) -> None:
    _overwrite(store[0], pattern, data)
    for command in (["store", "list"], ["store", "list", "--json"], ["store", "gc", "--dry-run"], ["store", "gc"]):
        proc = _store_command(store, *command)
        assert proc.returncode == 0 and proc.stderr == b"", (command, proc.stderr)


def test_a_store_entry_of_the_wrong_kind(store: tuple[Path, Path]) -> None:
    root, lock = store
    shutil.rmtree(root / "records")
    (root / "records").write_text("not a directory")
    error = one_line(_store_command(store, "toolchain", "--lock", str(lock)), root)
    assert error.startswith(f"wasitool: error: cannot write {root}/records/") and \
        f": File exists ({root}/records) (fix: make the store writable, or empty it with " in error
    (root / ".lock").mkdir()
    assert one_line(_store_command(store, "store", "gc"), root) == (
        f"wasitool: error: the store {root} cannot be written: Is a directory ({root}/.lock) "
        "(fix: set WASITOOL_HOME to a writable directory, or remove what is in the way)\n")


@pytest.mark.parametrize("home", ["file", "/dev/null", "/proc", "/proc/self/status"])
@pytest.mark.parametrize("argv", [["store", "gc"], ["store", "clean", "--yes"], ["setup", "--offline"],
                                  ["run", "fd_write"]], ids=["gc", "clean", "setup", "run an example"])
def test_a_store_that_is_no_writable_directory(tmp_path: Path, home: str, argv: list[str]) -> None:
    """WASITOOL_HOME at a file, a device or /proc: one line naming the store, nothing written anywhere."""
    if home == "file":
        home = str(tmp_path / "file")
        Path(home).write_text("x")
    error = one_line(wasitool(*argv, cwd=tmp_path, WASITOOL_HOME=home))
    if home == "/proc/self/status":  # resolved in the child: its own pid
        assert re.fullmatch(r"wasitool: error: the store /proc/\d+/status is not a directory \(fix: set "
                            r"WASITOOL_HOME to a directory\)\n", error), error
    else:
        assert error.startswith(f"wasitool: error: the store {Path(home).resolve()} "), error
    assert "WASITOOL_HOME to a" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == (["file"] if (tmp_path / "file").exists() else [])


# --- the Windows wrappers' spec ---------------------------------------------------------------------------

def _wrapper(spec: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wasitool.toolchain.compiler_wrapper", spec, *args], cwd=cwd,
                          capture_output=True, timeout=60, check=False)


GOOD_SPEC = {"name": "wasm32-wasi-cc", "argv": ["cc"], "env": {}, "link_inputs": [], "sjlj_flags": [],
             "legacy_eh_flags": [], "sjlj_refusal": "", "zig": False}


@pytest.mark.parametrize(("content", "expected"), [
    (None, "No such file or directory"),
    (b"{", "Expecting property name enclosed in double quotes"),
    (b"\xff\xfe", "can't decode byte 0xff"),
    (b'{"argv": 5}', "it is not an object of the fields name, argv, env,"),
    (json.dumps({**GOOD_SPEC, "argv": "cc"}).encode(), "a field has the wrong type"),
    (json.dumps({**GOOD_SPEC, "argv": []}).encode(), "a field has the wrong type"),
    (json.dumps({**GOOD_SPEC, "zig": "yes"}).encode(), "a field has the wrong type"),
    (b"[" * 100_000 + b"]" * 100_000, "it nests too deep"),
], ids=["missing", "truncated", "not UTF-8", "fields missing", "argv a string", "argv empty", "zig a string",
        "deep nesting"])
def test_a_bad_compiler_wrapper_spec_is_one_line(tmp_path: Path, content: bytes | None, expected: str) -> None:
    if content is not None:
        (tmp_path / "cc.json").write_bytes(content)
    proc = _wrapper("cc.json", "-c", "x.c", cwd=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("wasitool: error: cc.json is not a compiler wrapper's spec: ") and expected in err, err
    assert err.endswith("(fix: run `wasitool setup` again: it rewrites the wrappers)\n")


@pytest.mark.parametrize("args", [["-c", "x.c"], ["x.c", "-o", "x.wasm"]], ids=["compile", "link"])
def test_a_wrapper_whose_compiler_is_gone(tmp_path: Path, args: list[str]) -> None:
    """127, as the sh wrappers' `exec` of a missing file, with one line naming the compiler."""
    (tmp_path / "cc.json").write_text(json.dumps({**GOOD_SPEC, "argv": [str(tmp_path / "gone" / "zig"), "cc"]}))
    proc = _wrapper("cc.json", *args, cwd=tmp_path)
    assert proc.returncode == 127
    assert proc.stderr.decode() == (f"wasm32-wasi-cc: error: cannot run {tmp_path}/gone/zig: No such file or "
                                    "directory (fix: run `wasitool setup` again)\n")


# --- components -------------------------------------------------------------------------------------------

COMPONENT_HEADER = b"\x00asm\x0d\x00\x01\x00"


def _nested(depth: int) -> bytes:
    component = COMPONENT_HEADER
    for _ in range(depth):
        component = COMPONENT_HEADER + section(4, component)
    return component


HOSTILE_COMPONENTS = [
    ("truncated", lambda c: c[: len(c) // 2], "runs past the end of its component"),
    ("a huge count", lambda c: COMPONENT_HEADER + section(7, uleb(2**32 - 1)), "truncated component"),
    ("a huge section size", lambda c: COMPONENT_HEADER + b"\x07" + uleb(2**32 - 1), "runs past the end"),
    ("an overlong LEB128", lambda c: COMPONENT_HEADER + b"\x07" + b"\xff" * 20, "malformed LEB128 integer"),
    ("a name of bad UTF-8", lambda c: COMPONENT_HEADER + section(10, b"\x01\x00\x03\xff\xfe\xfd\x01\x00"),
     "is not UTF-8"),
    ("nesting 200 deep", lambda c: _nested(200), "components nested more than 16 deep"),
]


@pytest.mark.parametrize(("make", "expected"), [case[1:] for case in HOSTILE_COMPONENTS],
                         ids=[case[0] for case in HOSTILE_COMPONENTS])
@pytest.mark.parametrize("view", [[], ["--wit"], ["--json"], ["--module", "0"]],
                         ids=["tables", "wit", "json", "module"])
def test_inspect_a_hostile_component(work: Path, make: Callable[[bytes], bytes], expected: str,
                                     view: list[str]) -> None:
    (work / "bad.wasm").write_bytes(make((work / "comp.wasm").read_bytes()))
    proc = wasitool("inspect", "bad.wasm", *view, cwd=work)
    error = one_line(proc)
    assert error.startswith("wasitool: error: cannot read bad.wasm: ") and expected in error, error
    assert error.endswith("(fix: give a valid .wasm component or module)\n")
    if view == ["--json"]:
        assert json.loads(proc.stdout)["ok"] is False


def test_faults_refuses_a_component(work: Path) -> None:
    """A sweep of a component found no calls and said "no suspects"; its host has no interposers."""
    assert one_line(wasitool("faults", "comp.wasm", cwd=work)) == (
        "wasitool: error: comp.wasm is a component: `wasitool faults` fails preview1 host calls (fix: sweep the "
        "core module it was made from (a .wasm for wasm32-wasip1, or the source file))\n")


@pytest.mark.parametrize("argv", [["init", "/proc/wasitool-x"], ["examples", "--copy", "/proc/wasitool-x"]],
                         ids=["init", "examples --copy"])
def test_a_project_directory_that_cannot_be_made(work: Path, argv: list[str]) -> None:
    assert one_line(wasitool(*argv, cwd=work)) == (
        "wasitool: error: cannot write the project into /proc/wasitool-x: No such file or directory (fix: choose a "
        "directory you can write in)\n")
