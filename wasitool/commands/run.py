"""`wasitool run NAME|FILE.wasm|FILE.c|FILE.wat`: run an example, a module or a source file in the Python
WASI runtime.

Only what the run needs is imported: the chosen engine, WASI, (for a NAME) the example table and (for a
source file) `wasitool.onefile`, which builds C and C++ with the toolchain (cached) and assembles WebAssembly
text with the engine's own parser. The exit status is the guest's; 134 for a trap, 124 when --timeout (or
the example's `timeout`) expires, 130 on Ctrl-C (`wasitool.engines.limits` documents them).
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

from wasitool.errors import WasiError, WasitoolError
from wasitool.runspec import Invoke, Preopen, RunResult, RunSpec
from wasitool.typed import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from wasitool.engines.limits import Limits
    from wasitool.examples import Example
    from wasitool.wasi.interpose import Interposer
    from wasitool.wasi.trace import Tracer


def main(args: argparse.Namespace) -> int:
    """Run the target and return the guest's exit status."""
    from wasitool.engines import choose_engine

    if args.runtime in PYTHON_RUNTIMES:  # wasitool's own runtime on one engine: the same as --engine
        args.engine, args.runtime = PYTHON_RUNTIMES[args.runtime], None
    engine, why = choose_engine(args.engine)
    if args.engine is None and engine != "wasmtime" and (args.wasi == "p2" or (
            args.target is not None and is_component(args.target))):
        engine, why = _component_engine(engine, why)
    limits = _limits(args)
    if args.batch is not None:
        return _batch(args, engine, limits)
    if args.target is None:
        raise WasiError("nothing to run", "name an example, a .wasm file or a source file, or give --batch FILE")
    if args.jobs != 1:
        raise WasiError("-j/--jobs applies to --batch runs", "drop it, or run a batch: --batch FILE.jsonl -j N")
    if args.verbose:
        print(f"wasitool: engine {engine} ({why})", file=sys.stderr)
    source = _source_file(args.target)
    if source is None and (args.optimize or args.cflags or args.lib or args.export or args.posix
                           or args.wasi != "p1"):
        raise WasiError("-O, -X/--cflags, --lib, --export, --posix and --wasi apply to a source file "
                        "(FILE.c, FILE.cc)",
                        "drop them, or run the source file")
    example = None if source is not None or _is_module_path(args.target) else _load_example(args.target)
    if args.diff and example is None:
        raise WasiError("--diff needs an example name (a file has no expected output)",
                        "run `wasitool run NAME --diff`")
    with ExitStack() as stack:
        if source is not None:
            spec = _apply_flags(RunSpec(_build_source(source, engine, args), argv0=source.name), args)
        elif example is None:
            spec = _apply_flags(RunSpec(Path(args.target)), args)
        else:
            spec = _apply_flags(_example_spec(example, stack, args.verbose), args)
        if args.runtime is not None:
            return _on_other_runtime(args, spec, example, limits)
        trace = _tracer(args, stack, spec.module)
        interposers = _interposers(args, example, spec, stack)
        if args.trace_stack and trace is not None:
            interposers.insert(0, _stacks(engine, trace))
        if args.verbose:
            print(f"wasitool: running {spec.module} argv={spec.argv} env={dict(spec.env)}", file=sys.stderr)
        result = _run(spec, engine, example, args, trace, limits, interposers)  # writes the trace summary too
    if args.diff and example is not None:  # --diff without an example was refused above
        return _diff(example, result, engine)
    if args.json:
        _print_json(result, engine, interposers)
    else:
        _print_results(result)
    return result.exit_code


PYTHON_RUNTIMES = {"python-wasmer": "wasmer", "python-wasmtime": "wasmtime"}
_HOST_ONLY = ("trace", "trace_file", "trace_format", "trace_bytes", "trace_summary", "trace_stack", "inject",
              "deterministic", "record", "fuel", "max_memory")


def _on_other_runtime(args: argparse.Namespace, spec: RunSpec, example: Example | None, limits: Limits) -> int:
    """`run --runtime NAME`: the same RunSpec on another runtime of `check` (the wasmtime CLI, node, jco, …)."""
    from wasitool.runtimes import get_runtime

    given = [f"--{name.replace('_', '-')}" for name in _HOST_ONLY if getattr(args, name, None)]
    if args.seed is not None:
        given.append("--seed")
    if given:
        raise WasiError(f"{', '.join(given)} act on wasitool's own runtime, not on {args.runtime}",
                        "drop them, or leave out --runtime")
    runtime = get_runtime(args.runtime)
    missing = runtime.available()
    if missing is not None:
        raise WasiError(f"runtime {args.runtime}: {missing}", "install it, or pick another with --runtime")
    if limits.timeout is not None:
        spec = spec._replace(timeout=limits.timeout)
    if args.verbose:
        print(f"wasitool: running {spec.module} on {args.runtime} argv={spec.argv}", file=sys.stderr)
    result = runtime.run(spec)
    if result.unsupported:
        raise WasiError(f"{spec.module.name} on {args.runtime}: {result.unsupported}",
                        "pick another runtime with --runtime, or leave it out")
    if args.diff and example is not None:
        from wasitool.diffing import diff_run

        return diff_run(example, result, runtime=args.runtime)
    if args.json:
        _print_json(result, args.runtime, [])
    else:
        sys.stdout.buffer.write(result.stdout)
        sys.stdout.flush()
        sys.stderr.buffer.write(result.stderr)
        sys.stderr.flush()
        _print_results(result)
    return result.exit_code


def is_component(target: str) -> bool:
    """Whether `target` is a file holding a WebAssembly component (its header's layer is 1)."""
    try:
        with open(target, "rb") as f:
            header = f.read(8)
    except OSError:
        return False
    return header[:4] == b"\0asm" and header[6:8] == b"\x01\0"


def _component_engine(engine: str, why: str) -> tuple[str, str]:
    """The default engine for a component: wasmtime (the one with the component model) when importable."""
    from wasitool.engines import unavailable_reason

    if unavailable_reason("wasmtime") is not None:
        return engine, why
    return "wasmtime", f"default for a component: wasmtime has the component model (not {engine})"


def _limits(args: argparse.Namespace) -> Limits:
    """--timeout, --fuel and --max-memory, validated (one-line errors); Ctrl-C always stops the guest."""
    from wasitool.engines.limits import Limits, parse_fuel, parse_size, parse_timeout

    return Limits(parse_timeout(args.timeout) if args.timeout is not None else None,
                  parse_fuel(args.fuel) if args.fuel is not None else None,
                  parse_size(args.max_memory) if args.max_memory is not None else None,
                  interruptible=True)


def _run(spec: RunSpec, engine: str, example: Example | None, args: argparse.Namespace, trace: Tracer | None,
         limits: Limits, interposers: list[Interposer]) -> RunResult:
    from wasitool import pyruntime

    # A run that keeps nothing of its own in this process (no trace, no recording, no fixture directory to
    # remove afterwards) may end it on Ctrl-C rather than stop the guest (on wasmtime: code without epoch
    # checks, `Limits.exit_on_interrupt`).
    limits.exit_on_interrupt = trace is None and not interposers and not (example is not None and example.dirs)
    try:
        result = pyruntime.run(spec, engine, capture=args.diff or args.json, trace=trace, limits=limits,
                               interpose=interposers)
    except WasitoolError as exc:
        if args.verbose and exc.__cause__ is not None:
            import traceback

            traceback.print_exception(exc.__cause__, file=sys.stderr)
        raise
    if result.unsupported:
        name = example.name if example is not None else spec.module.name
        raise WasiError(f"{name}: {result.unsupported}", "try another engine with --engine")
    return result


def _source_file(target: str) -> Path | None:
    """A target named like a source file (`.c`, `.cc`, `.cpp`, `.wat`, ...): a path, never an example."""
    if target.endswith(".wasm") or "." not in Path(target).name:  # modules and examples: no import
        return None
    from wasitool.languages import language_of

    return Path(target) if language_of(target) else None


def _build_source(source: Path, engine: str, args: argparse.Namespace) -> Path:
    """The module to run for a source file: C/C++ built with the toolchain (cached), text assembled by
    the engine's own parser (no toolchain needed, as `wasmtime run x.wat`)."""
    from wasitool import onefile
    from wasitool.languages import language_of

    flags = (*onefile.posix_flags(source), *args.cflags) if args.posix else tuple(args.cflags)
    options = onefile.Options(args.optimize, flags, args.lib, tuple(args.export), args.wasi)
    if language_of(source) != "wat" or args.wasi != "p1":
        return onefile.build(source, options)
    if options != onefile.Options():
        raise WasiError(f"{source} is assembled by the engine as it is: compile options do not apply",
                        f"build it with `wasitool build {source} -X...`, then run the .wasm")
    from wasitool.engines import load_engine

    return onefile.engine_module(source, load_engine(engine))


def _is_module_path(target: str) -> bool:
    """A path has a slash or a suffix (`./readdir`, `x.wasm`); anything else is a program's name, even when a
    file of that name is in the working directory (a native build of it, say)."""
    return "/" in target or "\\" in target or "." in Path(target).name or target in (".", "..")


def _load_example(name: str) -> Example:
    """A program of the current project, else a bundled example of that name."""
    from wasitool.example_table import load_examples
    from wasitool.project import bundled_project, find_project

    project = find_project()
    for candidate in (project, bundled_project()) if project is not None else (bundled_project(),):
        examples = load_examples(project=candidate)
        if name in examples:
            return examples[name]
    if Path(name).exists():
        raise WasiError(f"no program or example is named `{name}` (a bare name is never a file)",
                        f"to run the file, write ./{name}; `wasitool examples` lists the names")
    raise WasiError(f"unknown program or example `{name}` and no such file",
                    "list them with `wasitool examples`, or pass a path to a .wasm, .wat or .c file")


def _example_spec(example: Example, stack: ExitStack, verbose: bool) -> RunSpec:
    """The example's declared run; its preopens are materialised in a fresh temporary directory."""
    _check_built(example, verbose)
    workdir = Path(".")
    if example.dirs:
        import tempfile

        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"wasitool-{example.name}-")))
    return example.run_spec(workdir)


def _check_built(example: Example, verbose: bool) -> None:
    """Rebuild the example if stale (through `wasitool.build`); an existing module still runs if that fails."""
    from wasitool.build import ensure_built
    from wasitool.toolchain.records import LockChanged

    try:
        ensure_built([example.name], root=example.root)
    except WasitoolError as exc:
        if not example.module.is_file() or isinstance(exc, LockChanged):
            raise
        if verbose:
            print(f"wasitool: warning: cannot rebuild {example.name} ({exc.one_line()}); "
                  f"running the existing {example.module.name}", file=sys.stderr)


def _apply_flags(spec: RunSpec, args: argparse.Namespace) -> RunSpec:
    """Command-line flags add to (--env, --dir) or replace (-- ARGS, --invoke) the spec's values."""
    env = dict(spec.env)
    env.update(_parse_env(item) for item in args.env)
    guest_args = tuple(args.guest_args) if args.guest_args else spec.args
    invoke = spec.invoke
    if args.invoke:
        from wasitool.runspec import parse_number

        invoke = Invoke(args.invoke[0], tuple(parse_number(a) for a in args.invoke[1:]))
    dirs = spec.dirs + tuple(_parse_dir(d) for d in args.dir)
    return spec._replace(args=guest_args, env=tuple(env.items()), dirs=dirs, invoke=invoke)


def _parse_env(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise WasiError(f"--env {item!r} is not K=V", "write --env NAME=VALUE (the host env is never passed)")
    return key, value


def _parse_dir(item: str) -> Preopen:
    """`HOST`, `HOST::GUEST`, either followed by `:ro` (read-only) or `:rw` (the default)."""
    readonly = item.endswith(":ro")
    spec = item[:-3] if readonly or item.endswith(":rw") else item
    host, sep, guest = spec.partition("::")
    if not host:  # `--dir ''`, `--dir ::/x`, `--dir "$UNSET::/x"`: never the current directory by accident
        raise WasiError(f"--dir {item!r} names no host directory",
                        "write --dir HOST::GUEST, e.g. --dir ./data::/data, or --dir .::/x for the current directory")
    if sep and not guest:
        raise WasiError(f"--dir {item!r} names no guest path after `::`",
                        "write --dir HOST::GUEST, or --dir HOST to use the same name in the guest")
    path = Path(host)
    if not path.is_dir():
        if ":" in host and not sep:  # `--dir data:/data`: one colon, as docker -v
            one, _, other = host.partition(":")
            raise WasiError(f"--dir {item!r}: {host} is not a directory",
                            f"a guest path comes after two colons: --dir {one}::{other}{':ro' if readonly else ''} "
                            "(HOST::GUEST)")
        raise WasiError(f"--dir {item!r}: {host} is not a directory", "pass an existing directory")
    return Preopen(path, guest if sep else host, readonly)


def _tracer(args: argparse.Namespace, stack: ExitStack, module: Path) -> Tracer | None:
    """The tracer the --trace* options ask for (None: no tracing, nothing wrapped).

    Any --trace* option turns tracing on; --trace-summary alone prints only the table at the end. For a
    component, --trace selects WASI 0.2 functions (checked against the host's when it starts).
    """
    lines = bool(args.trace or args.trace_file or args.trace_format or args.trace_bytes is not None
                 or args.trace_stack)
    if not (lines or args.trace_summary):
        return None
    from wasitool.wasi.trace import DEFAULT_MAX_BYTES, Tracer, select_calls

    max_bytes = DEFAULT_MAX_BYTES if args.trace_bytes is None else args.trace_bytes
    if is_component(str(module)):
        from wasitool.wasip2.trace import ComponentTracer

        out = _trace_file(args.trace_file, stack) if args.trace_file else sys.stderr
        return ComponentTracer(out, args.trace, max_bytes=max_bytes, fmt=args.trace_format or "text", lines=lines,
                               summary=args.trace_summary)

    try:
        calls = select_calls(args.trace or "all")
    except ValueError as exc:
        raise WasiError(f"--trace={args.trace}: {exc}",
                        "name preview1 functions or globs, e.g. --trace=path_open,fd_read*") from None
    stream = _trace_file(args.trace_file, stack) if args.trace_file else sys.stderr
    return Tracer(stream, calls, max_bytes=max_bytes, fmt=args.trace_format or "text", lines=lines,
                  summary=args.trace_summary)


def _interposers(args: argparse.Namespace, example: Example | None, spec: RunSpec, stack: ExitStack
                 ) -> list[Interposer]:
    """The wrappers --record, --inject and --deterministic (or the example's `deterministic = true`) ask for:
    the recorder outermost (it records what the guest saw), then faults (a short fd_readdir cuts the sorted
    listing). None: nothing is wrapped, nothing imported."""
    interposers: list[Interposer] = []
    if (args.record or args.inject or args.deterministic or args.seed is not None or args.trace_stack) and \
            is_component(str(spec.module)):
        raise WasiError(f"{spec.module.name} is a component: --record, --inject, --deterministic, --seed and "
                        "--trace-stack act on preview1 calls", "run the preview1 build of the program (--wasi p1)")
    if args.record:
        from wasitool.digest import sha256_file
        from wasitool.wasi.record import Recorder

        stream = _trace_file(args.record, stack, line_buffered=True, what="the recording")
        header = {"module": str(spec.module), "sha256": sha256_file(spec.module), "argv": list(spec.argv)}
        interposers.append(Recorder(stream, header))
    if args.inject:
        from wasitool.wasi.inject import Injector, parse_rule

        interposers.append(Injector([parse_rule(text) for text in args.inject]))
    if args.deterministic or args.seed is not None or (example is not None and example.deterministic):
        from wasitool.wasi.deterministic import Determinism

        interposers.append(Determinism(args.seed or 0))
    return interposers


def _stacks(engine: str, trace: Tracer) -> Interposer:
    """--trace-stack: the sampler of guest stacks for the traced calls (wasmtime; else one line saying so)."""
    from wasitool.wasi.stacks import Stacks

    if engine != "wasmtime":
        print(f"wasitool: --trace-stack: the {engine} engine gives no guest call stacks (use --engine wasmtime)",
              file=sys.stderr)
        return Stacks(())
    return Stacks(trace.calls)


def _trace_file(path: str, stack: ExitStack, line_buffered: bool = False, what: str = "the trace") -> TextIO:
    try:
        return stack.enter_context(open(path, "w", encoding="utf-8", buffering=1 if line_buffered else -1))
    except OSError as exc:
        raise WasiError(f"cannot write {what} to {path}: {exc.strerror}") from None


def _print_results(result: RunResult) -> None:
    """Values returned by an invoked export, one per line (after the guest's own output)."""
    if result.results:
        sys.stdout.write("".join(f"{value}\n" for value in result.results))
        sys.stdout.flush()


def _print_json(result: RunResult, engine: str, interposers: list[Interposer]) -> None:
    """One JSON object: how the run ended (exit code, trap or timeout), results and the captured output;
    with --inject its rules (`inject`), in a deterministic run its `seed`."""
    import json

    report: dict[str, object] = {
        "engine": engine,
        "exit_code": result.exit_code,
        "trap": result.trap,
        "timeout": result.timeout,
        "results": result.results,
        "stdout": result.stdout.decode("utf-8", "replace"),
        "stderr": result.stderr.decode("utf-8", "replace"),
    }
    inject = [rule.text for i in interposers for rule in getattr(i, "rules", ())]
    seeds = [i.seed for i in interposers if hasattr(i, "seed")]
    if inject:
        report["inject"] = inject
    if seeds:
        report["seed"] = seeds[0]
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    sys.stdout.flush()


def _diff(example: Example, result: RunResult, engine: str) -> int:
    from wasitool.diffing import diff_run

    return diff_run(example, result, runtime=f"python-{engine}")


# --- --batch ------------------------------------------------------------------------------------------

_PER_RUN = ("dir", "env", "invoke", "diff", "trace", "trace_file", "trace_bytes", "trace_format", "trace_summary",
            "trace_stack", "inject", "deterministic", "seed", "record", "json", "optimize", "cflags", "lib", "export",
            "guest_args")


def _given(value: object) -> bool:
    """Whether an option was given: not its default (None, False, an empty list); `--seed 0` counts."""
    return value is not None and value is not False and value != [] and value != ()


def _batch(args: argparse.Namespace, engine: str, limits: Limits) -> int:
    """`--batch FILE`: every line's run in a forked child, `-j` at once; a JSON line per run on stdout.

    Exit status 0 when every line ran (whatever the guests' own statuses), 1 when some could not run."""
    from wasitool import batch

    given = [name for name in _PER_RUN if _given(getattr(args, name, None))]
    if getattr(args, "wasi", "p1") != "p1":
        given.append("wasi")
    if args.target is not None or given:
        what = args.target if args.target is not None else "--" + given[0].replace("_", "-")
        raise WasiError(f"--batch runs the specs in its file; {what} does not apply",
                        "put args, env, dirs and invoke in each line (docs/batch.md); --timeout, --fuel, "
                        "--max-memory and --engine apply to every run")
    source = "stdin" if args.batch == "-" else args.batch
    try:
        if args.batch == "-":
            lines = sys.stdin.readlines()
        else:
            with open(args.batch, encoding="utf-8") as f:
                lines = f.readlines()
    except OSError as exc:
        raise WasiError(f"cannot read the batch file {args.batch}: {exc.strerror}", "pass a readable file") from None
    except UnicodeDecodeError:
        raise WasiError(f"{source} is not UTF-8 text", "write the batch as JSON lines") from None
    entries = batch.read_specs(lines, source)
    limits.interruptible = False  # each run is a child this process kills on Ctrl-C
    results = batch.run_batch([spec for spec, _ in entries], engine, jobs=args.jobs, limits=limits)
    ok = batch.write_results(results, [ident for _, ident in entries], sys.stdout)
    return 0 if ok else 1
