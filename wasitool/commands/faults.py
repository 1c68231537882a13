"""`wasitool faults PROGRAM [-- ARGS]`: a fault sweep (`wasitool.faultsweep`), printed as a table or JSON.

PROGRAM is what `wasitool run` takes (an example name, a .wasm, a source file). Exit status 1 when a
rerun looks like a bug, else 0.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from wasitool.commands import run as run_command
from wasitool.errors import WasiError
from wasitool.faultsweep import Outcome, SpecFactory, Sweep, sweep
from wasitool.runspec import RunSpec


def main(args: argparse.Namespace) -> int:
    from wasitool.engines import choose_engine, unavailable_reason

    # wasmtime by default when it is importable: it gives the guest stacks that name call sites
    wanted = args.engine or ("wasmtime" if unavailable_reason("wasmtime") is None else None)
    engine, _why = choose_engine(wanted)
    make_spec = _spec_factory(args, engine)
    progress = _progress if sys.stderr.isatty() and not args.json else None
    result = sweep(make_spec, engine, per_call=args.per_call, max_runs=args.max_runs, timeout=args.timeout,
                   progress=progress, jobs=args.jobs)
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
    if args.json:
        _print_json(result, engine)
    else:
        _print_table(result)
    return 1 if any(o.suspect for o in result.outcomes) else 0


def _spec_factory(args: argparse.Namespace, engine: str) -> SpecFactory:
    """The run for a fresh workdir: the example's preopens materialised there, --dir copied there."""
    args.invoke = None  # a sweep runs the program's _start: `faults` has no --invoke
    source = run_command._source_file(args.target)
    example = None
    if source is not None:
        module = run_command._build_source(source, engine, args)
        base = RunSpec(module, argv0=source.name)
    elif run_command._is_module_path(args.target):
        base = RunSpec(Path(args.target))
    else:
        example = run_command._load_example(args.target)
        run_command._check_built(example, verbose=False)
        base = RunSpec(example.module)
    from wasitool.inspect_component import is_component_file

    if is_component_file(base.module):  # its WASI 0.2 host has no interposers: a sweep would find no calls
        raise WasiError(f"{base.module} is a component: `wasitool faults` fails preview1 host calls",
                        "sweep the core module it was made from (a .wasm for wasm32-wasip1, or the source file)")
    user = run_command._apply_flags(RunSpec(base.module), args)  # --dir, --env, -- ARGS checked once, here

    def make_spec(workdir: Path) -> RunSpec:
        spec = example.run_spec(workdir) if example is not None else base
        dirs = list(spec.dirs)
        for index, pre in enumerate(user.dirs):
            copy = workdir / f"dir{index}"
            shutil.copytree(pre.host, copy, symlinks=True)
            dirs.append(pre._replace(host=copy))
        env = dict(spec.env)
        env.update(user.env)
        return spec._replace(args=user.args or spec.args, env=tuple(env.items()), dirs=tuple(dirs))

    return make_spec


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rwasitool: rerun {done + 1}/{total}")
    sys.stderr.flush()


def _argument(outcome: Outcome) -> str:
    """The argument that tells calls of one kind apart (a path, an fd)."""
    args = outcome.call.args
    for key in ("path", "old_path"):
        if isinstance(args.get(key), str):
            return f'{key}="{args[key]}"'
    return f"fd={args['fd']}" if "fd" in args else ""


def _print_table(result: Sweep) -> None:
    base = result.baseline
    print(f"baseline: exit {base.exit_code}{f', trap: {base.trap}' if base.trap else ''}, {len(result.calls)} calls, "
          f"{len(result.outcomes)} reruns")
    rows = [("#", "call", "where", "errno", "exit", "trap", "output", "verdict")]
    for o in result.outcomes:
        call = f"{o.call.name}({_argument(o)})" if _argument(o) else o.call.name
        rows.append((str(o.call.index), call, o.call.where, o.errno, "hang" if o.timeout else str(o.exit_code),
                     o.trap or "-", "changed" if o.output_changed else "same", f"BUG? {o.suspect}" if o.suspect
                     else "ok"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    if result.skipped:
        print(f"{result.skipped} more sites not rerun (raise --max-runs)")
    suspects = sum(1 for o in result.outcomes if o.suspect)
    print(f"{suspects} suspect{'s' if suspects != 1 else ''}" if suspects else "no suspects")


def _print_json(result: Sweep, engine: str) -> None:
    import json

    base = result.baseline
    baseline = {"exit_code": base.exit_code, "trap": base.trap, "calls": len(result.calls)}
    report = {"engine": engine, "baseline": baseline,
              "reruns": [o.json() for o in result.outcomes], "skipped": result.skipped,
              "suspects": sum(1 for o in result.outcomes if o.suspect)}
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
