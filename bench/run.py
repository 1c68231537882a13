"""Benchmark wasitool's Python WASI runtime against native, node:wasi and the wasmtime CLI (issue 5).

One command: builds the C workloads in bench/workloads/ with the project's toolchain (`cc` role,
`-O2 -s`) and with the host `cc -O2`, times whole processes (one warm-up run, then --runs timed runs;
median and min-max), checks every run's exit status and output, prints a table and writes JSON.

    .venv311/bin/python bench/run.py [--quick] [--only W ...] [--runs N] [--json PATH]

Python runtimes: `wasitool run FILE.wasm --engine E` (the venv's console script) in the venv that has the engine
(wasmer: .venv310, wasmtime: .venv311; override with --python ENGINE=PATH). node and the wasmtime
CLI are driven exactly as `wasitool check` drives them (wasitool.runtimes), native is the host build.
Also timed: `scons examples` (full and no-op, on a copy of the tree) and a warm `wasitool setup`, and the
`real` workload: the SQLite shell, Lua and zlib's minigzip built from pinned third-party sources
(bench/real_programs.py; fetched and built once, so --quick leaves them out unless `--only real`).
Needs an installed toolchain (`$WASITOOL_HOME` or the default store).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:  # run from a checkout without the package installed
    sys.path.insert(0, str(ROOT))

import real_programs  # noqa: E402
from invoke import wasitool_argv  # noqa: E402

from wasitool.runspec import Preopen, RunResult, RunSpec  # noqa: E402

WORKLOADS = BENCH / "workloads"
BUILD = BENCH / "build"
DEFAULT_JSON = BENCH / "results" / "latest.json"
VENVS = {"wasmer": ROOT / ".venv310", "wasmtime": ROOT / ".venv311"}
ENGINE_PACKAGES = {"wasmer": "wasmer", "wasmtime": "wasmtime"}
RUN_TIMEOUT = 600.0
_U64 = struct.Struct("<Q")
WORKLOAD_NAMES = ("startup", "fd_write", "file_io", "readdir", "fd_table", "sha256", "args_env", "batch", "check",
                  "real", "build", "setup")
BATCH_JOBS = (1, 2)  # `run --batch -j N` rows of the batch workload


@dataclass(frozen=True)
class Sizes:
    """Workload sizes: the issue's in full mode, tiny ones with --quick."""

    fd_writes: int = 200_000
    file_mib: int = 64
    readdir_small: int = 1_000
    readdir_large: int = 10_000
    fd_small: int = 2_000  # opens (half held open, half opened and closed while they are held)
    fd_large: int = 20_000
    sha_mib: int = 300
    nargs: int = 1_000
    nenv: int = 1_000
    batch_runs: int = 100
    sqlite_rows: int = 200_000
    lua_n: int = 3_000_000  # a multiple of 20
    gzip_mib: int = 32


QUICK = Sizes(fd_writes=2_000, file_mib=1, readdir_small=100, readdir_large=1_000, fd_small=100, fd_large=1_000,
              sha_mib=2, nargs=50, nenv=50, batch_runs=10, sqlite_rows=2_000, lua_n=20_000, gzip_mib=1)
REAL_MIN_CLI_SECONDS = 0.5  # the real programs' target applies where the wasmtime CLI's run takes longer


@dataclass
class Invocation:
    """One process to time: argv (and the executable, when argv[0] is only a name), env, cwd."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path | None = None
    executable: str | None = None


@dataclass
class Case:
    """A workload at one size: what to run and how to judge its output."""

    workload: str  # one of WORKLOAD_NAMES
    label: str  # the table's workload column, e.g. "readdir 10000"
    program: str  # bench/workloads/<program>.c, or the name of a `module` built elsewhere
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    dirs: tuple[Preopen, ...] = ()
    stdout_to_null: bool = False
    check: Callable[[bytes, bytes], str | None] = lambda out, err: None
    module: Path | None = None  # a prebuilt module (no native build): the real programs
    requires: tuple[str, ...] = ()  # wasm features the module uses (a runtime lacking one: unsupported)
    prepare: Callable[[], None] | None = None  # before every run, untimed (fresh files in a preopen)


@dataclass
class Row:
    """One table row: a case on one runtime (or a build/setup measurement)."""

    workload: str
    label: str
    runtime: str
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)
    median: float | None = None
    min: float | None = None
    max: float | None = None
    cpu_median: float | None = None
    ratio_native: float | None = None
    ratio_wasmtime_cli: float | None = None
    target: str = ""
    passed: bool | None = None
    error: str | None = None
    unsupported: str | None = None  # the runtime cannot run this module (e.g. lacks a wasm feature)

    def settle(self) -> None:
        if self.times:
            self.median = statistics.median(self.times)
            self.min, self.max = min(self.times), max(self.times)
        if self.cpu_times:
            self.cpu_median = statistics.median(self.cpu_times)


# --- building the workloads ---------------------------------------------------------------------------


def build_workloads(names: Sequence[str]) -> dict[str, tuple[Path, Path]]:
    """Compile each workload to BUILD/<name>.wasm (toolchain cc, -O2 -s) and BUILD/<name> (host cc -O2)."""
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.toolchain.select import load_toolchain

    toolchain = load_toolchain(lock=SHIPPED_LOCK)
    wasm_cc = toolchain.command("cc")
    env = {**os.environ, **toolchain.env()}
    host_cc = os.environ.get("CC", "cc")
    BUILD.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in names:
        source = WORKLOADS / f"{name}.c"
        wasm, native = BUILD / f"{name}.wasm", BUILD / name
        for target, argv in ((wasm, [*wasm_cc, "-O2", "-s"]), (native, [host_cc, "-O2"])):
            if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
                continue
            proc = subprocess.run([*argv, "-o", str(target), str(source)], env=env, capture_output=True,
                                  text=True, check=False)
            if proc.returncode != 0:
                raise SystemExit(f"bench: cannot build {target.name}:\n{proc.stderr}")
        out[name] = (wasm, native)
    return out


def make_files(n: int) -> Path:
    """BUILD/data/files-<n>: a directory of n empty files (made once)."""
    path = BUILD / "data" / f"files-{n}"
    if not path.is_dir() or sum(1 for _ in os.scandir(path)) != n:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        for i in range(n):
            (path / f"f{i:06d}").touch()
    return path


# --- expected outputs ---------------------------------------------------------------------------------


def _fnv1a(data: bytes) -> int:
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def cached(key: str, compute: Callable[[], str]) -> str:
    """`compute()`, remembered in BUILD/expected.json (the big expected outputs take seconds)."""
    path = BUILD / "expected.json"
    try:
        memo = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    if key not in memo:
        memo[key] = compute()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(memo, indent=1) + "\n", encoding="utf-8")
    return memo[key]


def expected_sha256(mib: int) -> str:
    """What workloads/sha256.c prints for `mib`, computed with hashlib."""
    block = bytearray((j * 131 + (j >> 8) * 7) & 0xFF for j in range(65536))
    h = hashlib.sha256()
    for i in range(mib * 16):
        block[:8] = i.to_bytes(8, "little")
        h.update(block)
    return h.hexdigest()


def expected_file_io(mib: int) -> str:
    """What workloads/fileio.c prints for `mib`."""
    chunk = 4096
    total = mib * 1024 * 1024
    s = 1469598103934665603
    idx = bytes((j * 13) & 0xFF for j in range(chunk))
    for b in range(total // chunk):
        add = (b * 7) & 0xFF
        data = idx.translate(bytes((x + add) & 0xFF for x in range(256)))
        for (word,) in _U64.iter_unpack(data):
            s = ((s ^ word) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"written={total} read={total} sum={s:016x}\n"


def _expect_stdout(text: str) -> Callable[[bytes, bytes], str | None]:
    def check(out: bytes, err: bytes) -> str | None:
        got = out.decode(errors="replace")
        return None if got == text else f"stdout {got[:80]!r}, expected {text[:80]!r}"

    return check


def _expect_stderr(text: str) -> Callable[[bytes, bytes], str | None]:
    def check(out: bytes, err: bytes) -> str | None:
        got = err.decode(errors="replace")
        return None if got == text else f"stderr {got[:80]!r}, expected {text[:80]!r}"

    return check


def make_cases(sizes: Sizes, only: set[str] | None) -> list[Case]:
    """The workloads of the issue at `sizes` (those named in `only`, if given)."""
    cases: list[Case] = []

    def want(name: str) -> bool:
        return only is None or name in only

    if want("startup"):
        cases.append(Case("startup", "startup (hello)", "hello", check=_expect_stdout("hello, world\n")))
    if want("fd_write"):
        n = sizes.fd_writes
        cases.append(Case("fd_write", f"fd_write x{n}", "fdwrite", (str(n),), stdout_to_null=True,
                          check=_expect_stderr(f"fd_write calls={n} bytes={n}\n")))
    if want("file_io"):
        work = BUILD / "data" / "fileio"
        work.mkdir(parents=True, exist_ok=True)
        mib = sizes.file_mib
        text = cached(f"fileio-{mib}", lambda: expected_file_io(mib))
        cases.append(Case("file_io", f"file I/O {mib} MiB", "fileio", (str(mib),), dirs=(Preopen(work, "."),),
                          check=_expect_stdout(text)))
    if want("readdir"):
        for n in (sizes.readdir_small, sizes.readdir_large):
            cases.append(Case("readdir", f"readdir {n}", "readdir", dirs=(Preopen(make_files(n), "."),),
                              check=_expect_stdout(f"entries={n}\n")))
    if want("fd_table"):
        work = BUILD / "data" / "fdtable"
        work.mkdir(parents=True, exist_ok=True)
        (work / "f").touch()
        for n in (sizes.fd_small, sizes.fd_large):
            cases.append(Case("fd_table", f"fd table {n} opens", "fdtable", (str(n // 2), str(n - n // 2)),
                              dirs=(Preopen(work, "."),), check=_expect_stdout(f"opens={n} closes={n}\n")))
    if want("sha256"):
        mib = sizes.sha_mib
        digest = cached(f"sha256-{mib}", lambda: expected_sha256(mib))
        cases.append(Case("sha256", f"sha256 {mib} MiB", "sha256", (str(mib),), check=_expect_stdout(digest + "\n")))
    if want("args_env"):
        args = tuple(f"argument-{i:05d}" for i in range(sizes.nargs))
        env = tuple((f"VAR_{i:05d}", f"value-{i:05d}") for i in range(sizes.nenv))
        total = sum(_fnv1a(a.encode()) for a in args) + sum(_fnv1a(f"{k}={v}".encode()) for k, v in env)
        text = f"args={len(args)} env={len(env)} sum={total & 0xFFFFFFFFFFFFFFFF:016x}\n"
        cases.append(Case("args_env", f"{sizes.nargs} args + {sizes.nenv} env", "argsenv", args, env,
                          check=_expect_stdout(text)))
    if want("real"):
        cases += real_cases(sizes)
    return cases


def real_cases(sizes: Sizes) -> list[Case]:
    """The SQLite shell on a database file, Lua on a script, minigzip compressing then decompressing a text
    file: each in its own preopened directory under BUILD/data/real, reset before every run."""
    sqlite, lua, minigzip = (real_programs.build(p, BUILD) for p in real_programs.PROGRAMS)
    data = BUILD / "data" / "real"
    db_dir, lua_dir = data / "sqlite", data / "lua"
    rows = sizes.sqlite_rows
    expected = cached(f"sqlite-{rows}", lambda: real_programs.sqlite_expected(rows))
    lua_dir.mkdir(parents=True, exist_ok=True)
    (lua_dir / "bench.lua").write_text(real_programs.LUA_SCRIPT, encoding="utf-8")
    n = sizes.lua_n
    lua_text = cached(f"lua-{n}", lambda: real_programs.lua_expected(n))
    text = real_programs.text_file(data / f"text-{sizes.gzip_mib}.txt", sizes.gzip_mib)
    packed = real_programs.gzip_file(text)
    zip_dir, unzip_dir = data / "gzip", data / "gunzip"
    return [
        Case("real", f"sqlite3 {rows} rows", "sqlite3", ("bench.db", real_programs.sqlite_script(rows)),
             dirs=(Preopen(db_dir, "."),), check=_expect_stdout(expected), module=sqlite,
             prepare=real_programs.clear_database(db_dir)),
        Case("real", f"lua {n}", "lua", ("bench.lua", str(n)), dirs=(Preopen(lua_dir, "."),),
             check=_expect_stdout(lua_text), module=lua, requires=("exceptions",)),
        Case("real", f"minigzip {sizes.gzip_mib} MiB", "minigzip", ("text.txt",), dirs=(Preopen(zip_dir, "."),),
             check=real_programs.compressed_check(zip_dir, "text.txt", text), module=minigzip,
             prepare=real_programs.place(text, zip_dir, "text.txt")),
        Case("real", f"minigzip -d {sizes.gzip_mib} MiB", "minigzip", ("-d", "text.txt.gz"),
             dirs=(Preopen(unzip_dir, "."),), check=real_programs.decompressed_check(unzip_dir, "text.txt", text),
             module=minigzip, prepare=real_programs.place(packed, unzip_dir, "text.txt.gz")),
    ]


# --- runtimes -----------------------------------------------------------------------------------------


class Unsupported(RuntimeError):
    """The runtime cannot run this case's module (a row saying why, not an error)."""


class Runner:
    """Turns a case into one process invocation."""

    name = ""

    def available(self) -> str | None:
        return None

    def invocation(self, case: Case, wasm: Path, native: Path | None) -> Invocation:
        raise NotImplementedError


class PythonRunner(Runner):
    """`wasitool run FILE.wasm --engine E` in the venv holding engine E (`invoke.wasitool_argv`)."""

    def __init__(self, engine: str, python: Path) -> None:
        self.engine, self.python = engine, python
        self.name = f"python-{engine}"
        self._features: frozenset[str] | None = None

    def features(self) -> frozenset[str]:
        """The wasm features the engine compiles (asked once, in the engine's venv)."""
        if self._features is None:
            from wasitool.runtimes.base import host_process_env

            code = ("from wasitool.engines import ENGINES; "
                    f"print(','.join(sorted(ENGINES.create('{self.engine}').features())))")
            proc = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True, check=False,
                                  env=host_process_env())
            self._features = frozenset(f for f in proc.stdout.strip().split(",") if f)
        return self._features

    def available(self) -> str | None:
        if not self.python.exists():
            return f"{self.python} not found"
        proc = subprocess.run([str(self.python), "-c", f"import {ENGINE_PACKAGES[self.engine]}"],
                              capture_output=True, text=True, check=False)
        return None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["import failed"])[-1]

    def invocation(self, case: Case, wasm: Path, native: Path | None) -> Invocation:
        missing = [f for f in case.requires if f not in self.features()]
        if missing:
            raise Unsupported(f"lacks wasm feature(s): {', '.join(missing)}")
        argv = [*wasitool_argv(self.python), "run", str(wasm), "--engine", self.engine]
        for d in case.dirs:
            argv += ["--dir", f"{d.host}::{d.guest}"]
        for k, v in case.env:
            argv += ["--env", f"{k}={v}"]
        argv += ["--", *case.args] if case.args else []
        from wasitool.runtimes.base import host_process_env

        return Invocation(argv, host_process_env())


class WasitoolRunner(Runner):
    """A runtime of `wasitool.runtimes` (node, wasmtime-cli, native): its own argv, recorded, not copied.

    The runtime's `run` is called with its `run_process` replaced by a recorder, so the mapping from a
    RunSpec to a command line is exactly the one `wasitool check` uses.
    """

    def __init__(self, name: str) -> None:
        from wasitool.runtimes import get_runtime

        self.name = name
        self.runtime = get_runtime(name)

    def available(self) -> str | None:
        return self.runtime.available()

    def invocation(self, case: Case, wasm: Path, native: Path | None) -> Invocation:
        is_native = self.name == "native"
        spec = RunSpec(native if is_native and native else wasm, case.args, case.env, case.dirs,
                       requires=case.requires, native_binary=native)
        seen: list[Invocation] = []

        def record(argv: Sequence[Any], *, stdin: bytes | None, env: dict[str, str], cwd: Path | None = None,
                   timeout: float | None = None, executable: Path | None = None) -> RunResult:
            seen.append(Invocation([os.fspath(a) for a in argv], dict(env), cwd,
                                   os.fspath(executable) if executable else None))
            return RunResult(0)

        module = inspect.getmodule(type(self.runtime).run)
        with mock.patch.object(module, "run_process", record):
            result = self.runtime.run(spec)
        if not seen and result.unsupported:
            raise Unsupported(result.unsupported)
        if not seen:
            raise RuntimeError(f"{self.name} cannot run {case.program}: no process")
        inv = seen[0]
        if inv.cwd is not None and not inv.cwd.exists():  # native's empty temporary cwd is gone by now
            inv.cwd = BUILD / "empty"
            inv.cwd.mkdir(parents=True, exist_ok=True)
        return inv


def runners(pythons: dict[str, Path]) -> list[Runner]:
    """Every runtime the bench compares, in table order."""
    return [*(PythonRunner(e, p) for e, p in pythons.items()),
            WasitoolRunner("native"), WasitoolRunner("node"), WasitoolRunner("wasmtime-cli")]


# --- timing -------------------------------------------------------------------------------------------


def time_once(inv: Invocation, stdout_to_null: bool = False) -> tuple[float, float, int, bytes, bytes]:
    """(wall seconds, CPU seconds (user + system, all threads), exit status, stdout, stderr) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(inv.argv, executable=inv.executable, env=inv.env, cwd=inv.cwd,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL if stdout_to_null else subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return RUN_TIMEOUT, 0.0, 124, b"", b"timed out"
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, proc.returncode, out or b"", err


def measure(inv: Invocation, runs: int, check: Callable[[bytes, bytes], str | None],
            stdout_to_null: bool = False, prepare: Callable[[], None] | None = None
            ) -> tuple[list[float], list[float], str | None]:
    """One unrecorded warm-up run, then `runs` timed runs; every run must exit 0 and pass `check`.

    Returns (wall times, CPU times, error).
    """
    times: list[float] = []
    cpus: list[float] = []
    for i in range(runs + 1):
        if prepare is not None:
            prepare()
        seconds, cpu, code, out, err = time_once(inv, stdout_to_null)
        if code != 0:
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            return times, cpus, f"exit {code}: {tail[0][:120]}"
        problem = check(out, err)
        if problem:
            return times, cpus, problem
        if i:
            times.append(seconds)
            cpus.append(cpu)
    return times, cpus, None


# --- targets ------------------------------------------------------------------------------------------


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def apply_targets(rows: list[Row], sizes: Sizes) -> None:
    """Ratios to native and the wasmtime CLI, and the issue's targets for the Python runtimes."""
    by = {(r.label, r.runtime): r for r in rows}
    for r in rows:
        if r.workload in ("build", "setup", "baseline", "check"):
            continue
        r.ratio_native = _ratio(r.median, getattr(by.get((r.label, "native")), "median", None))
        r.ratio_wasmtime_cli = _ratio(r.median, getattr(by.get((r.label, "wasmtime-cli")), "median", None))
    for r in rows:
        if r.error or r.median is None:
            if r.target:
                r.passed = False
            continue
        engine = r.runtime.removeprefix("python-")
        if r.runtime.startswith("python-") and r.workload == "startup":
            base = by.get((f"import {engine}", f"python ({engine} venv)"))
            r.target = f"<= 1.2x import {engine}"
            r.passed = _le(_ratio(r.median, getattr(base, "median", None)), 1.2)
        elif r.runtime.startswith("python-") and r.workload in ("fd_write", "sha256"):
            limit = {"fd_write": 2.0, "sha256": 1.1}[r.workload]
            r.target = f"<= {limit:g}x wasmtime-cli"
            r.passed = _le(r.ratio_wasmtime_cli, limit)
        elif r.runtime.startswith("python-") and r.workload in ("file_io", "args_env"):
            vs_node = _ratio(r.median, getattr(by.get((r.label, "node")), "median", None))
            r.target = f"<= node (here {_fmt_ratio(vs_node)})"
            r.passed = _le(vs_node, 1.0)
        elif r.runtime.startswith("python-") and r.label == f"fd table {sizes.fd_large} opens":
            small = by.get((f"fd table {sizes.fd_small} opens", r.runtime))
            growth = _ratio(r.median, getattr(small, "median", None))
            r.target = f"<= 12x n={sizes.fd_small}, linear (here {_fmt_ratio(growth)})"
            r.passed = _le(growth, 12.0)
        elif r.runtime.startswith("python-") and r.label == f"readdir {sizes.readdir_large}":
            small = by.get((f"readdir {sizes.readdir_small}", r.runtime))
            growth = _ratio(r.median, getattr(small, "median", None))
            r.target = f"<= 0.2 s, <= 12x n={sizes.readdir_small} (here {_fmt_ratio(growth)})"
            r.passed = r.median <= 0.2 and _le(growth, 12.0)
        elif r.runtime.startswith("python-") and r.workload == "batch":
            r.target = "<= 1.0x wasmtime-cli"
            r.passed = _le(r.ratio_wasmtime_cli, 1.0)
        elif r.workload == "check":  # in CPU (this process and its children): a busy machine inflates wall time
            r.target, r.passed = "<= 10 ms cpu", (r.cpu_median if r.cpu_median is not None else r.median) <= 0.010
        elif r.runtime.startswith("python-") and r.workload == "real":
            # How long the CLI's run takes is judged by its CPU time: a loaded machine stretches wall time.
            cli = getattr(by.get((r.label, "wasmtime-cli")), "cpu_median", None)
            if cli is not None and cli > REAL_MIN_CLI_SECONDS:
                r.target = "<= 2x wasmtime-cli"
                r.passed = _le(r.ratio_wasmtime_cli, 2.0)
            elif cli is not None:
                r.target = f"none: the CLI's run takes <= {REAL_MIN_CLI_SECONDS:g} s of CPU"
        if r.workload == "build" and r.label.startswith("scons examples (no-op)"):
            r.target, r.passed = "< 1 s", r.median < 1.0
        if r.workload == "setup":
            r.target, r.passed = "< 0.3 s", r.median < 0.3


def _le(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


# --- batches and check -------------------------------------------------------------------------------


def batch_rows(runs: int, count: int, hello: tuple[Path, Path], live: list[Runner]) -> list[Row]:
    """`count` runs of hello: one `wasitool run --batch` process per Python engine (-j 1 and -j 2), against
    `count` processes of the wasmtime CLI (and native) started one after the other by a shell loop."""
    label = f"batch {count} x hello"
    wasm, native = hello
    expected = b"hello, world\n"
    lines = BUILD / f"batch-hello-{count}.jsonl"
    lines.write_text("".join(json.dumps({"module": str(wasm), "id": i}) + "\n" for i in range(count)))

    def batch_ok(out: bytes, err: bytes) -> str | None:
        results = [json.loads(line) for line in out.splitlines()]
        if len(results) != count:
            return f"{len(results)} result lines, expected {count}"
        bad = [r for r in results if r.get("exit_code") != 0 or r.get("stdout") != expected.decode()]
        return f"{len(bad)} runs failed, e.g. {bad[0]}" if bad else None

    def loop_ok(out: bytes, err: bytes) -> str | None:
        return None if out == expected * count else f"stdout has {out.count(expected)} of {count} greetings"

    case = Case("startup", "startup (hello)", "hello")
    rows = []
    for r in live:
        if isinstance(r, PythonRunner):
            for jobs in BATCH_JOBS:
                row = Row("batch", label, r.name if jobs == 1 else f"{r.name} -j{jobs}")
                argv = [*wasitool_argv(r.python), "run", "--batch", str(lines), "--engine", r.engine,
                        "-j", str(jobs)]
                from wasitool.runtimes.base import host_process_env

                inv = Invocation(argv, host_process_env())
                row.times, row.cpu_times, row.error = measure(inv, runs, batch_ok)
                rows.append(row)
            continue
        if r.name == "node":  # ~150 ms a process: the batch row would take longer than the rest of the bench
            continue
        row = Row("batch", label, r.name)
        try:
            one = r.invocation(case, wasm, native)
        except RuntimeError as exc:
            row.error = str(exc)
        else:
            argv = [one.executable or one.argv[0], *one.argv[1:]]
            loop = f'i=0; while [ $i -lt {count} ]; do "$@" || exit $?; i=$((i+1)); done'
            inv = Invocation(["sh", "-c", loop, "sh", *argv], one.env, one.cwd)
            row.times, row.cpu_times, row.error = measure(inv, runs, loop_ok)
        rows.append(row)
    return rows


def check_rows(runs: int, pythons: dict[str, Path], live: list[Runner]) -> list[Row]:
    """Per cell of the bundled `check` matrix's Python-engine column, the seconds (wall and CPU) beyond the
    guests' own work (bench/check_cost.py, once per timed run)."""
    rows = []
    for engine, python in pythons.items():
        if f"python-{engine}" not in {r.name for r in live}:
            continue
        row = Row("check", "check column, per cell beyond the guests", f"python-{engine}")
        for _ in range(runs):
            proc = subprocess.run([str(python), str(BENCH / "check_cost.py"), engine], capture_output=True,
                                  text=True, check=False, timeout=RUN_TIMEOUT)
            try:
                data = json.loads(proc.stdout)
            except ValueError:
                row.error = (proc.stderr.strip().splitlines() or ["no output"])[-1][:120]
                break
            if data["failed"]:
                row.error = f"cells failed: {', '.join(data['failed'])}"
                break
            row.times.append(data["overhead_per_cell_s"])
            row.cpu_times.append(data["overhead_per_cell_cpu_s"])
        rows.append(row)
    return rows


# --- build and setup ----------------------------------------------------------------------------------


def scons_rows(runs: int, python: Path) -> list[Row]:
    """`scons examples` on a copy of the tree (out/ of the checkout is left alone): full, then no-op."""
    tree = BUILD / "scons-tree"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    from wasitool.project import export_project, load_project

    export_project(load_project(ROOT), tree)
    scons = python.parent / "scons"
    argv = [str(scons) if scons.exists() else str(python), *([] if scons.exists() else ["-m", "SCons"]),
            "-Q", "examples"]
    inv = Invocation(argv, dict(os.environ), tree)
    ok: Callable[[bytes, bytes], str | None] = lambda out, err: None  # noqa: E731

    def clean() -> None:
        shutil.rmtree(tree / "out", ignore_errors=True)

    rows = []
    full = Row("build", "scons examples (full)", "scons")
    full.times, full.cpu_times, full.error = measure(inv, max(1, min(runs, 3)), ok, prepare=clean)
    rows.append(full)
    noop = Row("build", "scons examples (no-op)", "scons")
    noop.times, noop.cpu_times, noop.error = measure(inv, runs, ok)
    rows.append(noop)
    return rows


def setup_row(runs: int, python: Path) -> Row:
    """A warm `wasitool setup` (the store already holds the pinned toolchain)."""
    row = Row("setup", "wasitool setup (warm)", "wasitool")
    inv = Invocation([str(python), "-m", "wasitool", "setup"], dict(os.environ), ROOT)
    row.times, row.cpu_times, row.error = measure(inv, runs, lambda out, err: None)
    return row


# --- machine and versions -----------------------------------------------------------------------------


def _first_line(argv: Sequence[str]) -> str:
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"
    return ((proc.stdout or proc.stderr).strip().splitlines() or ["n/a"])[0]


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, memory, OS."""
    cpu = "unknown"
    mem_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": mem_gib, "os": platform.platform()}


def versions(pythons: dict[str, Path], rs: list[Runner]) -> dict[str, str]:
    """Versions of everything that is timed."""
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.toolchain.select import load_toolchain

    out: dict[str, str] = {}
    for engine, py in pythons.items():
        pkg = "wasmer" if engine == "wasmer" else "wasmtime"
        out[f"python ({engine} venv)"] = _first_line([str(py), "--version"])
        out[pkg] = _first_line([str(py), "-c", f"import importlib.metadata as m; print(m.version('{pkg}'))"])
    tc = load_toolchain(lock=SHIPPED_LOCK)
    out["zig"] = _first_line([tc.command("cc")[0], "version"])
    out["host cc"] = _first_line([os.environ.get("CC", "cc"), "--version"])
    for r in rs:
        if isinstance(r, WasitoolRunner) and r.name in ("node", "wasmtime-cli") and r.available() is None:
            exe = r.runtime.executable()  # type: ignore[attr-defined]
            out[r.name] = _first_line([str(exe), "--version"])
    return out


# --- output -------------------------------------------------------------------------------------------


def _fmt_s(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.0f} ms" if v < 10 else f"{v:.1f} s"


def _fmt_ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def _fmt_pass(r: Row) -> str:
    if r.error:
        return "ERROR"
    if r.unsupported:
        return f"unsupported: {r.unsupported}"
    return {True: "pass", False: "FAIL", None: ""}[r.passed]


def table_lines(rows: list[Row]) -> list[list[str]]:
    """The table as strings: workload, runtime, median, min-max, x native, x wasmtime-cli, target, result."""
    return [[r.label, r.runtime, _fmt_s(r.median),
             f"{_fmt_s(r.min)}-{_fmt_s(r.max)}" if r.min is not None else "-", _fmt_s(r.cpu_median),
             _fmt_ratio(r.ratio_native), _fmt_ratio(r.ratio_wasmtime_cli), r.target,
             _fmt_pass(r) + (f": {r.error}" if r.error else "")] for r in rows]


HEADERS = ["workload", "runtime", "median", "min-max", "cpu", "x native", "x wasmtime-cli", "target", "result"]


def print_table(rows: list[Row]) -> None:
    """A rich table on stdout (plain text if rich is missing)."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        for line in table_lines(rows):
            print(" | ".join(line))
        return
    table = Table(title="wasitool bench")
    numeric = ("median", "min-max", "cpu", "x native", "x wasmtime-cli")
    for h in HEADERS:
        table.add_column(h, justify="right" if h in numeric else "left")
    for line in table_lines(rows):
        style = "red" if line[-1].startswith(("FAIL", "ERROR")) else None
        table.add_row(*line, style=style)
    Console(width=200).print(table)


def markdown_table(rows: list[Row]) -> str:
    """The table as GitHub markdown (for RESULTS.md)."""
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    out += ["| " + " | ".join(c.replace("|", "/") for c in line) + " |" for line in table_lines(rows)]
    return "\n".join(out) + "\n"


# --- main ---------------------------------------------------------------------------------------------


def _raise_open_file_limit(wanted: int) -> None:
    """Let the timed processes (children inherit it) hold `wanted` fds, within the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and 2 runs (smoke test); the real programs only with --only real")
    p.add_argument("--only", action="append", choices=WORKLOAD_NAMES, metavar="W",
                   help=f"only this workload (repeatable): {', '.join(WORKLOAD_NAMES)}")
    p.add_argument("--runs", type=int, help="timed runs per cell (default 5, --quick 2)")
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"write results here (default {DEFAULT_JSON})")
    p.add_argument("--runtime", action="append", metavar="R", help="only these runtimes (repeatable)")
    p.add_argument("--python", action="append", default=[], metavar="ENGINE=PATH",
                   help="the interpreter that runs `wasitool run --engine ENGINE`")
    p.add_argument("--markdown", action="store_true", help="also print the table as markdown")
    p.add_argument("--work", type=Path, default=BUILD, help=f"build and data directory (default {BUILD})")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build, time, judge; print the table and write the JSON. Exit 1 if any run failed its check."""
    global BUILD
    args = parse_args(argv)
    BUILD = args.work.resolve()
    sizes = QUICK if args.quick else Sizes()
    runs = args.runs or (2 if args.quick else 5)
    only = set(args.only) if args.only else None
    if args.quick and only is None:  # the real programs take minutes to fetch and build: only when named
        only = set(WORKLOAD_NAMES) - {"real"}
    pythons = {e: v / "bin" / "python" for e, v in VENVS.items()}
    for item in args.python:
        engine, _, path = item.partition("=")
        pythons[engine] = Path(os.path.abspath(path))  # absolute (runs start in other directories), not
        # resolved: a venv's `python` links to the base interpreter, which lacks the venv's packages
    all_runners = runners(pythons)
    if args.runtime:
        all_runners = [r for r in all_runners if r.name in args.runtime or r.name == "native"]
    started = time.time()
    _raise_open_file_limit(sizes.fd_large + 64)
    cases = make_cases(sizes, only)
    programs = sorted({c.program for c in cases if c.module is None})
    built = build_workloads(programs) if programs else {}
    rows: list[Row] = []
    live: list[Runner] = []
    missing: dict[str, str] = {}
    for r in all_runners:
        reason = r.available()
        if reason is None:
            live.append(r)
        else:
            missing[r.name] = reason
            print(f"bench: {r.name} skipped: {reason}", file=sys.stderr)
    if only is None or "startup" in only:
        for engine, py in pythons.items():
            if f"python-{engine}" not in {r.name for r in live}:
                continue
            row = Row("baseline", f"import {engine}", f"python ({engine} venv)")
            inv = Invocation([str(py), "-c", f"import {ENGINE_PACKAGES[engine]}"], {"PATH": os.environ["PATH"]})
            row.times, row.cpu_times, row.error = measure(inv, runs, lambda out, err: None)
            rows.append(row)
    for case in cases:
        wasm, native = (case.module, None) if case.module else built[case.program]
        for r in live:
            if native is None and r.name == "native":
                continue
            row = Row(case.workload, case.label, r.name)
            try:
                inv = r.invocation(case, wasm, native)
            except Unsupported as exc:
                row.unsupported = str(exc)
            except RuntimeError as exc:
                row.error = str(exc)
            else:
                row.times, row.cpu_times, row.error = measure(inv, runs, case.check, case.stdout_to_null,
                                                              case.prepare)
            row.settle()
            print(f"bench: {case.label:<24} {r.name:<16} {_fmt_s(row.median):>9}"
                  + (f"  ERROR {row.error}" if row.error else "")
                  + (f"  unsupported: {row.unsupported}" if row.unsupported else ""), file=sys.stderr)
            rows.append(row)
    if only is None or "batch" in only:
        hello = build_workloads(["hello"])["hello"]
        rows += batch_rows(runs, sizes.batch_runs, hello, live)
    if only is None or "check" in only:
        rows += check_rows(runs, pythons, live)
    py311 = pythons.get("wasmtime", Path(sys.executable))
    if only is None or "build" in only:
        rows += scons_rows(runs, py311)
    if only is None or "setup" in only:
        rows.append(setup_row(runs, py311))
    for row in rows:
        row.settle()
    apply_targets(rows, sizes)
    print_table(rows)
    if args.markdown:
        print(markdown_table(rows))
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "mode": "quick" if args.quick else "full",
        "commit": _first_line(["git", "-C", str(ROOT), "describe", "--always", "--dirty"]),
        "runs": runs,
        "sizes": asdict(sizes),
        "machine": machine_info(),
        "versions": versions(pythons, live),
        "unavailable": missing,
        "rows": [asdict(r) for r in rows],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"bench: wrote {args.json}", file=sys.stderr)
    return 0 if not any(r.error for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
