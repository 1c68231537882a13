"""`wasitool run NAME|FILE.wasm|FILE.c|FILE.wat`: run an example, a module or a source file in the Python
WASI runtime.

Only what the run needs is imported: the chosen engine, WASI, (for a NAME) the example table and (for a
source file) `wasitool.onefile`, which builds C and C++ with the toolchain (cached) and assembles WebAssembly
text with the engine's own parser. The exit status is the guest's; 134 for a trap, 124 when --timeout (or
the example's `timeout`) expires, 130 on Ctrl-C (`wasitool.engines.limits` documents them).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wasitool.errors import WasiError, WasitoolError
from wasitool.runspec import Invoke, Preopen, RunResult, RunSpec

if TYPE_CHECKING:
    from wasitool.engines.limits import Limits
    from wasitool.examples import Example
    from wasitool.wasi.trace import Tracer


def main(args: argparse.Namespace) -> int:
    """Run the target and return the guest's exit status."""
    from wasitool.engines import choose_engine

    engine, why = choose_engine(args.engine)
    limits = _limits(args)
    if args.verbose:
        print(f"wasitool: engine {engine} ({why})", file=sys.stderr)
    source = _source_file(args.target)
    if source is None and (args.optimize or args.cflags or args.lib or args.export or args.posix):
        raise WasiError("-O, -X/--cflags, --lib, --export and --posix apply to a source file (FILE.c, FILE.cc)",
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
        trace = _tracer(args, stack)
        if args.verbose:
            print(f"wasitool: running {spec.module} argv={spec.argv} env={dict(spec.env)}", file=sys.stderr)
        result = _run(spec, engine, example, args, trace, limits)  # writes the trace summary too
    if args.diff and example is not None:  # --diff without an example was refused above
        return _diff(example, result, engine)
    if args.json:
        _print_json(result, engine)
    else:
        _print_results(result)
    return result.exit_code


def _limits(args: argparse.Namespace) -> Limits:
    """--timeout, --fuel and --max-memory, validated (one-line errors); Ctrl-C always stops the guest."""
    from wasitool.engines.limits import Limits, parse_fuel, parse_size, parse_timeout

    return Limits(parse_timeout(args.timeout) if args.timeout is not None else None,
                  parse_fuel(args.fuel) if args.fuel is not None else None,
                  parse_size(args.max_memory) if args.max_memory is not None else None,
                  interruptible=True)


def _run(spec: RunSpec, engine: str, example: Example | None, args: argparse.Namespace, trace: Tracer | None,
         limits: Limits) -> RunResult:
    from wasitool import pyruntime

    try:
        result = pyruntime.run(spec, engine, capture=args.diff or args.json, trace=trace, limits=limits)
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
    from wasitool.onefile import language_of

    return Path(target) if language_of(target) else None


def _build_source(source: Path, engine: str, args: argparse.Namespace) -> Path:
    """The module to run for a source file: C/C++ built with the toolchain (cached), text assembled by
    the engine's own parser (no toolchain needed, as `wasmtime run x.wat`)."""
    from wasitool import onefile

    flags = (*onefile.posix_flags(), *args.cflags) if args.posix and onefile.language_of(source) != "wat" \
        else tuple(args.cflags)
    options = onefile.Options(args.optimize, flags, args.lib, tuple(args.export))
    if onefile.language_of(source) != "wat":
        return onefile.build(source, options)
    if options != onefile.Options():
        raise WasiError(f"{source} is assembled by the engine as it is: compile options do not apply",
                        f"build it with `wasitool build {source} -X...`, then run the .wasm")
    from wasitool.engines import load_engine

    return onefile.engine_module(source, load_engine(engine))


def _is_module_path(target: str) -> bool:
    return target.endswith(".wasm") or "/" in target or "\\" in target or Path(target).is_file()


def _load_example(name: str) -> Example:
    """A program of the current project, else a bundled example of that name."""
    from wasitool.examples import load_examples
    from wasitool.project import bundled_project, find_project

    project = find_project()
    for candidate in (project, bundled_project()) if project is not None else (bundled_project(),):
        examples = load_examples(project=candidate)
        if name in examples:
            return examples[name]
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
        from wasitool.engines.base import parse_number

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
        raise WasiError(f"--dir {item!r}: {host} is not a directory", "pass an existing directory")
    return Preopen(path, guest if sep else host, readonly)


def _tracer(args: argparse.Namespace, stack: ExitStack) -> Tracer | None:
    """The tracer the --trace* options ask for (None: no tracing, nothing wrapped).

    Any --trace* option turns tracing on; --trace-summary alone prints only the table at the end.
    """
    lines = bool(args.trace or args.trace_file or args.trace_format or args.trace_bytes is not None)
    if not (lines or args.trace_summary):
        return None
    from wasitool.wasi.trace import DEFAULT_MAX_BYTES, Tracer, select_calls

    try:
        calls = select_calls(args.trace or "all")
    except ValueError as exc:
        raise WasiError(f"--trace={args.trace}: {exc}",
                        "name preview1 functions or globs, e.g. --trace=path_open,fd_read*") from None
    stream = _trace_file(args.trace_file, stack) if args.trace_file else sys.stderr
    max_bytes = DEFAULT_MAX_BYTES if args.trace_bytes is None else args.trace_bytes
    return Tracer(stream, calls, max_bytes=max_bytes, fmt=args.trace_format or "text", lines=lines,
                  summary=args.trace_summary)


def _trace_file(path: str, stack: ExitStack) -> TextIO:
    try:
        return stack.enter_context(open(path, "w", encoding="utf-8"))
    except OSError as exc:
        raise WasiError(f"cannot write the trace to {path}: {exc.strerror}") from None


def _print_results(result: RunResult) -> None:
    """Values returned by an invoked export, one per line (after the guest's own output)."""
    if result.results:
        sys.stdout.write("".join(f"{value}\n" for value in result.results))
        sys.stdout.flush()


def _print_json(result: RunResult, engine: str) -> None:
    """One JSON object: how the run ended (exit code, trap or timeout), results and the captured output."""
    import json

    report = {
        "engine": engine,
        "exit_code": result.exit_code,
        "trap": result.trap,
        "timeout": result.timeout,
        "results": result.results,
        "stdout": result.stdout.decode("utf-8", "replace"),
        "stderr": result.stderr.decode("utf-8", "replace"),
    }
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    sys.stdout.flush()


def _diff(example: Example, result: RunResult, engine: str) -> int:
    from wasitool.diffing import diff_run

    return diff_run(example, result, runtime=f"python-{engine}")
