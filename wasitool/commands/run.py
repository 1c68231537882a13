"""`wasitool run NAME|FILE.wasm`: run an example or a module in the Python WASI runtime.

Only what the run needs is imported: the chosen engine, WASI, and (for a NAME) the example table.
The exit status is the guest's; 134 for a trap, 124 when --timeout (or the example's `timeout`)
expires, 130 on Ctrl-C (`wasitool.engines.limits` documents them).
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


def main(args: argparse.Namespace) -> int:
    """Run the target and return the guest's exit status."""
    from wasitool.engines import choose_engine

    engine, why = choose_engine(args.engine)
    limits = _limits(args)
    if args.verbose:
        print(f"wasitool: engine {engine} ({why})", file=sys.stderr)
    example = None if _is_module_path(args.target) else _load_example(args.target)
    if args.diff and example is None:
        raise WasiError("--diff needs an example name (a .wasm file has no expected output)",
                        "run `wasitool run NAME --diff`")
    with ExitStack() as stack:
        if example is None:
            spec = _apply_flags(RunSpec(Path(args.target)), args)
            requires: tuple[str, ...] = ()
        else:
            spec = _apply_flags(_example_spec(example, stack, args.verbose), args)
            requires = tuple(example.requires)
        trace = _trace_stream(args, stack)
        if args.verbose:
            print(f"wasitool: running {spec.module} argv={spec.argv} env={dict(spec.env)}", file=sys.stderr)
        result = _run(spec, engine, example, args, trace, requires, limits)
    if args.diff:
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


def _run(spec: RunSpec, engine: str, example: Example | None, args: argparse.Namespace, trace: TextIO | None,
         requires: tuple[str, ...], limits: Limits) -> RunResult:
    from wasitool import pyruntime

    try:
        result = pyruntime.run(spec, engine, capture=args.diff or args.json, trace=trace, requires=requires,
                               limits=limits)
    except WasitoolError as exc:
        if args.verbose and exc.__cause__ is not None:
            import traceback

            traceback.print_exception(exc.__cause__, file=sys.stderr)
        raise
    if result.unsupported:
        name = example.name if example is not None else spec.module.name
        raise WasiError(f"{name}: {result.unsupported}", "try another engine with --engine")
    return result


def _is_module_path(target: str) -> bool:
    return target.endswith(".wasm") or "/" in target or "\\" in target or Path(target).is_file()


def _load_example(name: str) -> Example:
    from wasitool.examples import load_examples

    examples = load_examples()
    if name not in examples:
        raise WasiError(f"unknown example `{name}` and no such .wasm file",
                        "list the examples with `wasitool examples`, or pass a path to a .wasm file")
    return examples[name]


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

    try:
        ensure_built([example.name], root=example.root)
    except WasitoolError as exc:
        if not example.module.is_file():
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
    return RunSpec(spec.module, guest_args, tuple(env.items()), dirs, spec.stdin, invoke, spec.argv0, spec.timeout)


def _parse_env(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise WasiError(f"--env {item!r} is not K=V", "write --env NAME=VALUE (the host env is never passed)")
    return key, value


def _parse_dir(item: str) -> Preopen:
    host, sep, guest = item.partition("::")
    path = Path(host)
    if not path.is_dir():
        raise WasiError(f"--dir {item!r}: {host} is not a directory", "pass an existing directory")
    return Preopen(path, guest if sep and guest else host)


def _trace_stream(args: argparse.Namespace, stack: ExitStack) -> TextIO | None:
    if args.trace_file:
        try:
            return stack.enter_context(open(args.trace_file, "w", encoding="utf-8"))
        except OSError as exc:
            raise WasiError(f"cannot write the trace to {args.trace_file}: {exc.strerror}") from None
    return sys.stderr if args.trace else None


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
