"""Many runs in one process: the engine imported once, each module compiled once, each guest in a forked child.

`run_batch(specs, engine, jobs=N)` yields one `BatchResult` per RunSpec, in the order given, while up to
N children run at once. For each spec this process compiles the module (once per path), builds the
guest's WASI context and instantiates it (`Engine.instantiate`), then forks: the child only runs the
guest, so it copies just the pages the guest writes. The child has its own fds, memory, limits and
exit; a crash, a leak or a time limit ends only that child (SIGKILL). The guest's stdout and stderr go
to in-memory files read back when it ends; its stdin is the spec's `stdin`, else empty. A spec's
`timeout` counts from the child's start mark. A component (wasmtime) is compiled once per file and linked
to wasitool's WASI 0.2 host here; its child instantiates and calls it (on an engine without the component
model, its result is `unsupported`).

wasmtime after fork: the child compiles nothing, so the parent's compiler threads, which it lacks, are
never waited for (the same rule as `engines.supervisor`, whose child protocol this reuses); the
instance made here is used by the child through its copy of this process's memory. Tests run every
isolation case on both engines. Where `os.fork` does not exist (Windows) each run is a process of its
own (`python -m wasitool.batch`, one JSON line in, one out).

`wasitool run --batch FILE.jsonl` reads specs as JSON lines (`spec_from_json`) and prints results as
JSON lines (`result_json`); `wasitool check` runs its Python-engine columns and `wasitool faults` its sweeps
through `run_batch`.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar, cast

from wasitool.engines import load_engine, supervisor
from wasitool.engines.base import ComponentGiven
from wasitool.engines.limits import Limits, timeout_line
from wasitool.engines.protocol import Engine
from wasitool.engines.traps import trap_line
from wasitool.engines.values import CompiledModule, MissingMemory, Outcome, WasiHost
from wasitool.errors import InternalError, WasiError, WasitoolError
from wasitool.runspec import Invoke, Preopen, RunResult, RunSpec

T = TypeVar("T")

# Builds the guest's WASI context: (spec, its index in the batch, (stdin, stdout, stderr)) -> a
# `wasitool.wasi.WasiContext` or anything with its `host_functions`/`bind_memory`/`close` (e.g. one with
# interposers installed, for fault sweeps), and optionally `attach(module)` (called with the compiled module
# before instantiating: `wasi.stacks`) and `flush()` (called in the child when the guest has run: a trace).
ContextFactory = Callable[[RunSpec, int, tuple[int, int, int]], Any]  # called in this process, before the fork
SPEC_KEYS = ("id", "module", "args", "env", "dirs", "stdin", "stdin_base64", "invoke", "argv0", "timeout", "requires")


class BatchResult(NamedTuple):
    """One run of a batch: its RunResult (None if it could not run: `error`), and the wall-clock seconds
    from the fork to the child's end (0 when nothing was forked)."""

    position: int  # the spec's place in the batch, from 0
    result: RunResult | None
    error: WasitoolError | None
    duration: float


def run_batch(specs: Iterable[RunSpec], engine: str | None = None, *, jobs: int = 1, limits: Limits | None = None,
              context: ContextFactory | None = None, fork: bool | None = None) -> Iterator[BatchResult]:
    """Run every spec (a fresh guest each) and yield their results in order, up to `jobs` at once.

    `limits` apply to every run (a spec's own `timeout` wins over `limits.timeout`); `context` builds each
    guest's WASI context (default: a plain `WasiContext`); `fork=False` runs each spec in a process of its
    own (the default where there is no `os.fork`; `context` is then not available).
    A spec whose module cannot be read or compiled gives a result with `error` set; the rest still run.
    """
    if fork is None:
        fork = hasattr(os, "fork")
    if not fork:
        if context is not None:
            raise WasiError("a batch without fork() cannot take a context factory", "run it where os.fork exists")
        yield from _run_in_processes(specs, engine, limits or Limits())
        return
    yield from _ForkedBatch(load_engine(engine), max(1, jobs), limits or Limits(), context).run(iter(specs))


class _Guest(NamedTuple):
    """A guest ready to run in a child: `run` (in the child), `flush` (in the child, after it), `close` (this
    process's instance and copies of the guest's fds, once the child has ended)."""

    run: Callable[[], Outcome]
    flush: Callable[[], None]
    close: Callable[[], None]


def _no_flush() -> None:
    pass


class _Running:
    """A forked child and what the parent keeps for it."""

    __slots__ = ("buffer", "deadline", "files", "index", "label", "pid", "release", "started", "timeout")

    def __init__(self, index: int, pid: int, files: tuple[int, int, int], label: str, timeout: float | None,
                 release: Callable[[], None]) -> None:
        self.index = index
        self.pid = pid
        self.files = files  # stdin, stdout, stderr of the guest (this process's copies)
        self.release = release  # drops this process's instance and context once the child has ended
        self.label = label
        self.timeout = timeout
        self.started = time.perf_counter()
        self.deadline: float | None = None  # set by the start mark when there is a timeout
        self.buffer = b""


class _ForkedBatch:
    """The fork-per-run loop: prepare in this process, fork, collect results as children end."""

    def __init__(self, eng: Engine, jobs: int, limits: Limits, context: ContextFactory | None) -> None:
        self.eng = eng
        self.jobs = jobs
        self.limits = limits
        self.context = context or _plain_context
        self.modules: dict[Path, CompiledModule | WasitoolError] = {}
        self.components: dict[Path, Any] = {}  # compiled components (or the error compiling one gave)
        self.running: dict[int, _Running] = {}  # read fd of the child's pipe -> the child
        self.done: dict[int, BatchResult] = {}

    def run(self, specs: Iterator[RunSpec]) -> Iterator[BatchResult]:
        """Start runs as slots free up (a spec is taken from `specs` only then), yield results in order."""
        warm_up(self.eng)
        # What exists now (the interpreter, the engine, wasitool) is never walked, so never copied, by a
        # child's garbage collector. Frozen once: each run's objects must stay collectable here, where its
        # instance (a cycle holding gigabytes of reserved address space) is garbage once the child is forked.
        gc.freeze()
        pending = enumerate(specs)
        more = True
        next_index = 0
        try:
            while more or self.running:
                while more and len(self.running) < self.jobs:
                    taken = next(pending, None)
                    if taken is None:
                        more = False
                    else:
                        self._start(*taken)
                if self.running:
                    self._wait()
                while next_index in self.done:
                    yield self.done.pop(next_index)
                    next_index += 1
        finally:
            for fd, child in list(self.running.items()):
                self._kill(fd)
                _close(child.files)
            gc.unfreeze()

    def _start(self, index: int, spec: RunSpec) -> None:
        """Compile (once per module) here, then fork the child; results known without a run are done now."""
        missing = [f for f in spec.requires if not self.eng.supports(f)]
        if missing:
            reason = f"{', '.join(missing)} not supported by engine {self.eng.name}"
            if not hasattr(self.eng, "instantiate_component") and _is_component_file(spec.module):
                reason = self._core_only()  # the first reason: its features are beside the point
            self.done[index] = BatchResult(index, RunResult(0, unsupported=reason), None, 0.0)
            return
        limits = self.limits if spec.timeout is None else self.limits.with_timeout(spec.timeout)
        try:
            try:
                module = self.eng.prepare(self._module(spec.module), limits.for_child())  # what the child runs
            except ComponentGiven as given:
                if not hasattr(self.eng, "instantiate_component"):
                    self.done[index] = BatchResult(index, RunResult(0, unsupported=self._core_only()), None, 0.0)
                    return
                label, component = given.label, self._component(spec.module, given, limits)
                self._fork(index, spec, label, limits,
                           lambda files: self._component_guest(component, label, spec, files, limits))
            else:
                self._fork(index, spec, module.label, limits,
                           lambda files: self._core_guest(module, spec, index, files, limits))
        except WasitoolError as exc:
            self.done[index] = BatchResult(index, None, exc, 0.0)

    def _core_only(self) -> str:
        return f"runs core modules only: the {self.eng.name} engine has no component model"

    def _fork(self, index: int, spec: RunSpec, label: str, limits: Limits,
              prepare: Callable[[tuple[int, int, int]], _Guest]) -> None:
        """Make the guest's stdio files and the guest (`prepare`), then fork the child that runs it."""
        files = _guest_files(spec.stdin)
        try:
            guest = prepare(files)
        except BaseException:
            _close(files)
            raise

        def work(started: Callable[[], None]) -> Outcome:  # pragma: no cover - runs in the child
            started()
            return guest.run()

        try:
            pid, read_fd = supervisor.fork_child(work, guest.flush)
        except BaseException:
            guest.close()
            raise
        # Released when the child has ended: freeing the instance while the child still shares its pages
        # costs this process more (page by page, copy-on-write) than once the child is gone.
        self.running[read_fd] = _Running(index, pid, files, label, limits.timeout, guest.close)

    def _core_guest(self, module: CompiledModule, spec: RunSpec, index: int, files: tuple[int, int, int],
                    limits: Limits) -> _Guest:
        """A core module's guest: its WASI context (`self.context`) and instance, made here."""
        ctx = self.context(spec, index, files)
        attach = getattr(ctx, "attach", None)  # interposers that need the module (`wasi.stacks`)
        host = WasiHost.from_context(ctx, getattr(ctx, "flush", None))  # flush: e.g. a trace, in the child
        try:
            if attach is not None:
                attach(module)
            # instantiated here: the child runs the guest at once and copies only the pages it writes
            run = self.eng.instantiate(module, host, spec.invoke, limits.for_child())
        except BaseException:
            ctx.close()
            raise

        def release() -> None:
            # the context lets go of the instance's memory: on wasmer, instance -> host function -> context
            # -> memory -> instance is a cycle through the engine that no garbage collector sees
            host.bind_memory(MissingMemory())
            ctx.close()

        return _Guest(run, host.flush, release)

    def _component_guest(self, component: Any, label: str, spec: RunSpec, files: tuple[int, int, int],
                         limits: Limits) -> _Guest:
        """A component's guest: wasitool's WASI 0.2 host linked here; the child instantiates and calls it."""
        from wasitool.wasi.config import WasiConfig
        from wasitool.wasip2.host import ComponentHost

        host = ComponentHost(WasiConfig(argv=spec.argv, env=list(spec.env), preopens=list(spec.dirs),
                                        stdin=files[0], stdout=files[1], stderr=files[2]))
        try:
            run = self.eng.instantiate_component(  # type: ignore[attr-defined]  # `_component` checked it has it
                component, label, host, limits.for_child(), spec.invoke)
        except BaseException:
            host.close()
            raise
        return _Guest(run, _no_flush, host.close)

    def _component(self, path: Path, given: ComponentGiven, limits: Limits) -> Any:
        """The component at `path` compiled (once) for this batch's engine (which has the component model)."""
        return _once(self.components, path,
                     lambda: self.eng.compile_component(given.data, given.label, limits))  # type: ignore[attr-defined]

    def _module(self, path: Path) -> CompiledModule:
        def compile_it() -> CompiledModule:
            if path.exists() and not path.is_file() and not path.is_dir():  # read here, it could block the batch
                raise WasiError(f"{path} is not a regular file (a FIFO or a device)",
                                "name a .wasm file: a batch reads each module once, before its runs")
            return self.eng.compile(path)

        return _once(self.modules, path, compile_it)

    def _wait(self) -> None:
        """Read what the children sent; finish those that ended or passed their time limit."""
        now = time.perf_counter()
        deadlines = [r.deadline for r in self.running.values() if r.deadline is not None]
        wait = max(0.0, min(deadlines) - now) if deadlines else None
        ready, _, _ = select.select(list(self.running), [], [], wait)
        for fd in ready:
            child = self.running[fd]
            chunk = os.read(fd, 65536)
            if not chunk:
                self._finish(fd)
                continue
            if not child.buffer and child.timeout is not None:
                child.deadline = time.perf_counter() + child.timeout
            child.buffer += chunk
        now = time.perf_counter()
        for fd, child in list(self.running.items()):
            if child.deadline is not None and now >= child.deadline:
                self._kill(fd)
                outcome = Outcome.timed_out(child.timeout or 0.0)
                self.done[child.index] = BatchResult(child.index, _result(outcome, child.files), None,
                                                     now - child.started)

    def _finish(self, fd: int) -> None:
        child = self.running.pop(fd)
        os.close(fd)
        _, status = os.waitpid(child.pid, 0)
        child.release()
        duration = time.perf_counter() - child.started
        payload = child.buffer[1:] if child.buffer[:1] == supervisor.STARTED else child.buffer
        try:
            outcome = supervisor.result_of(payload, status, child.label, self.eng.name)
        except WasitoolError as exc:
            _close(child.files)
            self.done[child.index] = BatchResult(child.index, None, exc, duration)
            return
        except InternalError as exc:
            _close(child.files)
            self.done[child.index] = BatchResult(child.index, None, WasiError(
                f"wasitool bug while running {child.label}: {exc}", "report it with the batch line"), duration)
            return
        self.done[child.index] = BatchResult(child.index, _result(outcome, child.files), None, duration)

    def _kill(self, fd: int) -> None:
        child = self.running.pop(fd)
        os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
        child.release()


def _plain_context(spec: RunSpec, index: int, fds: tuple[int, int, int]) -> Any:
    from wasitool.wasi import WasiConfig, WasiContext

    config = WasiConfig(argv=spec.argv, env=list(spec.env), preopens=list(spec.dirs), stdin=fds[0],
                        stdout=fds[1], stderr=fds[2])
    return WasiContext(config)


def warm_up(eng: Engine) -> None:
    """Import and initialise here what every child would otherwise do again: the WASI implementation,
    the engine's host-call machinery (one instance of an empty module, run in this process)."""
    from wasitool.wasi import WasiConfig, WasiContext
    from wasitool.wasi.context import import_call_families

    import_call_families()
    empty = eng.compile(eng.wat2wasm(_EMPTY_COMMAND, "warm-up"), "warm-up")
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        ctx = WasiContext(WasiConfig(argv=["warm-up"], env=[], preopens=[], stdin=devnull, stdout=devnull,
                                     stderr=devnull))
        eng.run(empty, WasiHost.from_context(ctx))
        ctx.close()
    finally:
        os.close(devnull)


_EMPTY_COMMAND = """(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 0))))"""


def _once(made: dict[Path, Any], path: Path, make: Callable[[], T]) -> T:
    """`make()` for `path` the first time; afterwards what it gave, or the WasitoolError it raised again."""
    found = made.get(path)
    if found is None:
        try:
            found = make()
        except WasitoolError as exc:
            found = exc
        made[path] = found
    if isinstance(found, WasitoolError):
        raise found
    return cast(T, found)


def _guest_files(stdin: bytes | None) -> tuple[int, int, int]:
    """Fresh stdin (the spec's bytes, or empty), stdout and stderr files for one guest."""
    files = []
    for data in (stdin or b"", None, None):
        fd = _memory_file()
        if data:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.lseek(fd, 0, os.SEEK_SET)
        files.append(fd)
    return files[0], files[1], files[2]


def _memory_file() -> int:
    """An anonymous file (in memory where the OS has memfd)."""
    create = getattr(os, "memfd_create", None)
    if create is not None:
        return int(create("wasitool-batch", os.MFD_CLOEXEC))
    import tempfile

    with tempfile.TemporaryFile() as f:
        return os.dup(f.fileno())


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks, offset = [], 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _close(files: tuple[int, int, int]) -> None:
    for fd in files:
        os.close(fd)


def _result(outcome: Outcome, files: tuple[int, int, int]) -> RunResult:
    """The RunResult of a finished child: its output files, plus the line a trap or time limit prints."""
    stdout, stderr = _read_all(files[1]), _read_all(files[2])
    _close(files)
    if outcome.trap is not None:
        stderr += trap_line(outcome.trap).encode()
    elif outcome.timeout is not None:
        stderr += timeout_line(outcome.timeout).encode()
    return RunResult(outcome.exit_code, stdout, stderr, outcome.results, trap=outcome.trap,
                     timeout=outcome.timeout)


# --- without fork: a process per run --------------------------------------------------------------------


def _run_in_processes(specs: Iterable[RunSpec], engine: str | None, limits: Limits) -> Iterator[BatchResult]:
    import subprocess

    argv = [sys.executable, "-m", "wasitool.batch", *(["--engine", engine] if engine else []),
            *_limit_args(limits)]
    for index, spec in enumerate(specs):
        started = time.perf_counter()
        line = json.dumps(spec_json(spec))
        timeout = spec.timeout or limits.timeout
        try:
            proc = subprocess.run(argv, input=line.encode(), capture_output=True, check=False,
                                  timeout=None if timeout is None else timeout + 60.0)
        except subprocess.TimeoutExpired:
            outcome = Outcome.timed_out(timeout or 0.0)
            yield BatchResult(index, RunResult(outcome.exit_code, b"", timeout_line(timeout or 0.0).encode(),
                                               timeout=timeout), None, time.perf_counter() - started)
            continue
        duration = time.perf_counter() - started
        try:
            data = json.loads(proc.stdout.decode() or "null")
            yield result_from_json(index, data, duration)
        except (ValueError, TypeError, KeyError):
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            yield BatchResult(index, None, WasiError(f"run {index + 1} failed: {tail[0]}"), duration)


def _limit_args(limits: Limits) -> list[str]:
    args = []
    if limits.timeout is not None:
        args += ["--timeout", repr(limits.timeout)]
    if limits.fuel is not None:
        args += ["--fuel", str(limits.fuel)]
    if limits.max_memory is not None:
        args += ["--max-memory", str(limits.max_memory)]
    return args


def _child_main(argv: Sequence[str]) -> int:
    """`python -m wasitool.batch [--engine E] [limits]`: one spec line on stdin, one result line on stdout."""
    import argparse

    from wasitool import pyruntime
    from wasitool.engines.limits import parse_fuel, parse_size, parse_timeout

    p = argparse.ArgumentParser(prog="python -m wasitool.batch")
    p.add_argument("--engine")
    p.add_argument("--timeout", type=parse_timeout)
    p.add_argument("--fuel", type=parse_fuel)
    p.add_argument("--max-memory", type=parse_size)
    args = p.parse_args(argv)
    spec = spec_from_json(json.loads(sys.stdin.readline()), "stdin")
    limits = Limits(args.timeout, args.fuel, args.max_memory)
    try:
        eng = load_engine(args.engine)
        result: RunResult | None = None
        if not hasattr(eng, "run_component"):  # a component is `unsupported` there, as in a forked batch
            from wasitool.runtimes.base import no_components

            result = no_components(spec, f"the {eng.name} engine has no component model")
        if result is None:
            result = pyruntime.run(spec, args.engine, capture=True, limits=limits)
        error = None
    except WasitoolError as exc:
        result, error = None, exc
    sys.stdout.write(json.dumps(result_json(BatchResult(0, result, error, 0.0))) + "\n")
    return 0


# --- the JSON lines format ------------------------------------------------------------------------------


def read_specs(lines: Iterable[str], source: str) -> list[tuple[RunSpec, object]]:
    """Every spec of a JSON-lines batch with its `id` (None if it has none; blank lines and lines starting
    with `#` skipped); a bad line is a one-line WasiError naming `source` and the line number."""
    specs = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{source}:{number}"
        obj = _json_line(text, where)
        specs.append((spec_from_json(obj, where), obj.get("id") if isinstance(obj, dict) else None))
    return specs


def _json_line(text: str, where: str) -> object:
    """One line's JSON value; a one-line WasiError for what is not JSON, nests too deep for Python's parser, has
    a number of more digits than Python reads, or gives a key twice (which one would win is not said)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) < len(pairs):
            keys = [key for key, _ in pairs]
            twice = sorted({key for key in keys if keys.count(key) > 1})
            raise WasiError(f"{where}: key(s) given twice: {', '.join(twice)}", "give each key once")
        return obj

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except RecursionError:
        raise WasiError(f"{where} nests too deep to read", "write one flat JSON object per line") from None
    except json.JSONDecodeError as exc:
        raise WasiError(f"{where} is not JSON: {exc}", "write one JSON object per line") from None
    except ValueError:  # a number of more digits than int() reads (`sys.get_int_max_str_digits`)
        raise WasiError(f"{where} holds a number of thousands of digits", "write numbers that fit 64 bits") from None


def spec_from_json(obj: object, where: str) -> RunSpec:
    """A RunSpec from one batch line (the fields are documented in `docs/batch.md`)."""
    if not isinstance(obj, dict):
        raise WasiError(f"{where}: a run spec is a JSON object", 'write e.g. {"module": "hello.wasm"}')
    unknown = sorted(set(obj) - set(SPEC_KEYS))
    if unknown:
        raise WasiError(f"{where}: unknown key(s) {', '.join(unknown)}", f"known keys: {', '.join(SPEC_KEYS)}")
    module = obj.get("module")
    if not isinstance(module, str) or not module:
        raise WasiError(f"{where}: `module` (the .wasm file's path) is missing", 'add "module": "path/to/x.wasm"')
    module = _text(module, where, "module")
    stdin: bytes | None = None
    if "stdin" in obj and "stdin_base64" in obj:
        raise WasiError(f"{where}: both `stdin` and `stdin_base64`", "give one of them")
    if "stdin" in obj:
        stdin = _text(obj["stdin"], where, "stdin").encode()
    elif "stdin_base64" in obj:
        try:
            stdin = base64.b64decode(_text(obj["stdin_base64"], where, "stdin_base64"), validate=True)
        except ValueError:
            raise WasiError(f"{where}: `stdin_base64` is not base64", "encode the bytes with base64") from None
    timeout = obj.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout > 0):  # NaN too
        raise WasiError(f"{where}: `timeout` must be a positive number of seconds", 'write e.g. "timeout": 10')
    argv0 = obj.get("argv0")
    return RunSpec(
        module=Path(module),
        args=tuple(_strings(obj.get("args", []), where, "args")),
        env=_env(obj.get("env", {}), where),
        dirs=tuple(_preopen(d, where) for d in _list(obj.get("dirs", []), where, "dirs")),
        stdin=stdin,
        invoke=_invoke(obj.get("invoke"), where),
        argv0=None if argv0 is None else _text(argv0, where, "argv0"),
        timeout=None if timeout is None else float(min(timeout, 10**18)),  # Limits saturates it further
        requires=_features(obj.get("requires", []), where),
    )


def spec_json(spec: RunSpec) -> dict[str, Any]:
    """The batch line of a RunSpec (the inverse of `spec_from_json`)."""
    obj: dict[str, Any] = {"module": os.fspath(spec.module)}
    if spec.args:
        obj["args"] = list(spec.args)
    if spec.env:
        obj["env"] = dict(spec.env)
    if spec.dirs:
        obj["dirs"] = [{"host": os.fspath(d.host), "guest": d.guest, "readonly": d.readonly} for d in spec.dirs]
    if spec.stdin is not None:
        obj["stdin_base64"] = base64.b64encode(spec.stdin).decode()
    if spec.invoke is not None:
        obj["invoke"] = {"export": spec.invoke.export, "args": list(spec.invoke.args)}
    for key in ("argv0", "timeout"):
        if getattr(spec, key) is not None:
            obj[key] = getattr(spec, key)
    if spec.requires:
        obj["requires"] = list(spec.requires)
    return obj


def result_json(item: BatchResult, ident: object = None) -> dict[str, Any]:
    """One result line: how the run ended, its output (UTF-8 text, or base64 when it is not), duration."""
    out: dict[str, Any] = {"index": item.position}
    if ident is not None:
        out["id"] = ident
    result = item.result
    if result is None:
        error = item.error or WasiError("no result")
        out.update(error=" ".join(error.problem.split()), fix=error.fix, duration=round(item.duration, 6))
        return out
    out.update(exit_code=result.exit_code, trap=result.trap, timeout=result.timeout, results=result.results)
    if result.unsupported:
        out["unsupported"] = result.unsupported
    for name in ("stdout", "stderr"):
        data: bytes = getattr(result, name)
        try:
            out[name] = data.decode()
        except UnicodeDecodeError:
            out[f"{name}_base64"] = base64.b64encode(data).decode()
    out["duration"] = round(item.duration, 6)
    return out


def result_from_json(index: int, data: Mapping[str, Any], duration: float) -> BatchResult:
    """The BatchResult a `result_json` line describes (a run in a process of its own)."""
    if "error" in data:
        return BatchResult(index, None, WasiError(data["error"], data.get("fix")), duration)
    output = [data[n].encode() if n in data else base64.b64decode(data[f"{n}_base64"]) for n in ("stdout", "stderr")]
    result = RunResult(data["exit_code"], output[0], output[1], list(data["results"]), data.get("unsupported"),
                       data["trap"], data["timeout"])
    return BatchResult(index, result, None, duration)


def _text(value: object, where: str, key: str) -> str:
    """A string a guest or the host can take: valid Unicode (no lone surrogate `\\ud800`) without NUL bytes."""
    if not isinstance(value, str):
        raise WasiError(f"{where}: `{key}` must be a string")
    if "\0" in value:
        raise WasiError(f"{where}: `{key}` holds a NUL character", "argv, environment and paths end at NUL: drop it")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise WasiError(f"{where}: `{key}` is not valid Unicode (a lone surrogate)",
                        "write the text as UTF-8; bytes for stdin go in `stdin_base64`") from None
    return value


def _list(value: object, where: str, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise WasiError(f"{where}: `{key}` must be a list")
    return value


def _strings(value: object, where: str, key: str) -> list[str]:
    return [_text(v, where, key) for v in _list(value, where, key)]


def _features(value: object, where: str) -> tuple[str, ...]:
    from wasitool.engines.features import FEATURE_PROBES

    features = tuple(_strings(value, where, "requires"))
    unknown = [f for f in features if f not in FEATURE_PROBES]
    if unknown:
        raise WasiError(f"{where}: unknown wasm feature `{unknown[0]}` in `requires`",
                        f"known features: {', '.join(sorted(FEATURE_PROBES))}")
    return features


def _env(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise WasiError(f"{where}: `env` must be an object of strings", 'write e.g. "env": {"HOME": "/"}')
    env = tuple((_text(k, where, "env"), _text(v, where, "env")) for k, v in value.items())
    for name, _ in env:
        if not name or "=" in name:
            raise WasiError(f"{where}: `env` name {name!r} is empty or holds `=`", 'write e.g. "env": {"HOME": "/"}')
    return env


def _preopen(value: object, where: str) -> Preopen:
    """`"HOST[::GUEST][:ro]"` as `--dir` takes it, or `{"host": ..., "guest": ..., "readonly": ...}`."""
    if isinstance(value, str):
        readonly = value.endswith(":ro")
        text = value[:-3] if readonly or value.endswith(":rw") else value
        host, sep, guest = text.partition("::")
        value = {"host": host, "guest": guest if sep else host, "readonly": readonly}
    if not isinstance(value, dict) or set(value) - {"host", "guest", "readonly"}:
        raise WasiError(f"{where}: a `dirs` entry is HOST[::GUEST][:ro] or {{host, guest, readonly}}")
    host = _text(value.get("host"), where, "dirs.host")
    guest = _text(value.get("guest", host), where, "dirs.guest")
    if not host or not guest:
        raise WasiError(f"{where}: a `dirs` entry names no host or guest directory", "write HOST::GUEST")
    if not Path(host).is_dir():
        raise WasiError(f"{where}: {host} is not a directory", "pass an existing directory")
    readonly = value.get("readonly", False)
    if not isinstance(readonly, bool):
        raise WasiError(f"{where}: `dirs.readonly` must be true or false")
    return Preopen(Path(host), guest, readonly)


def _invoke(value: object, where: str) -> Invoke | None:
    """`{"export": NAME, "args": [...]}` or `[NAME, ARGS...]` (numbers, or strings as --invoke parses)."""
    if value is None:
        return None
    if isinstance(value, list) and value:
        value = {"export": value[0], "args": value[1:]}
    if not isinstance(value, dict):
        raise WasiError(f"{where}: `invoke` is {{export, args}} or [EXPORT, ARGS...]")
    from wasitool.runspec import parse_number

    args = []
    for arg in _list(value.get("args", []), where, "invoke.args"):
        if isinstance(arg, str):
            try:
                arg = parse_number(arg)
            except WasiError as exc:
                raise WasiError(f"{where}: {exc.problem}", "write numbers, or strings as --invoke reads them") from None
        if isinstance(arg, bool) or not isinstance(arg, (int, float)):
            raise WasiError(f"{where}: `invoke.args` must be numbers")
        args.append(arg)
    return Invoke(_text(value.get("export"), where, "invoke.export"), tuple(args))


def write_results(results: Iterable[BatchResult], ids: Sequence[object], stream: IO[str]) -> bool:
    """Print each result as a JSON line as soon as it is known; True if every spec ran (no `error`)."""
    ok = True
    for item in results:
        ok = ok and item.error is None
        stream.write(json.dumps(result_json(item, ids[item.position])) + "\n")
        stream.flush()
    return ok


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))


def _is_component_file(path: str | os.PathLike[str]) -> bool:
    """Whether the file's header says component (magic, any version, layer 1); False when it cannot be read."""
    try:
        if not os.path.isfile(path):  # a FIFO would block the batch
            return False
        with open(path, "rb") as f:
            header = f.read(8)
    except OSError:
        return False
    return header[:4] == b"\0asm" and header[6:8] == b"\x01\x00"
