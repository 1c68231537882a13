"""`wasitool replay FILE`: run a module against a recording (`wasitool.wasi.replay`).

Exit status: the replayed guest's (its recorded proc_exit, 134 for a trap), or 1 with one line naming the
first call that differs from the recording, both sides decoded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from wasitool.errors import WasiError
from wasitool.wasi.replay import Divergence, Replayer

HostFunction = Callable[..., "int | None"]


def main(args: argparse.Namespace) -> int:
    from wasitool.engines import choose_engine, load_engine
    from wasitool.engines.traps import trap_line
    from wasitool.engines.values import Outcome, WasiHost
    from wasitool.wasi import SIGNATURES, ProcExit
    from wasitool.wasi.record import read_recording

    header, calls = read_recording(Path(args.recording))
    module_path = Path(args.module or header.get("module", ""))
    if not module_path.is_file():
        whose = "" if args.module else "the recorded module "
        raise WasiError(f"{whose}{module_path} is not a file", "pass the module with --module FILE.wasm")
    engine, _why = choose_engine(args.engine)
    eng = load_engine(engine)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        streams = (out.fileno(), err.fileno()) if args.json else (1, 2)  # --json: the output goes in the report
        replayer = Replayer(calls, *streams)
        functions = replayer.host_functions()
        if args.trace:
            functions = _traced(functions, replayer, calls, args)
        host = WasiHost(functions, SIGNATURES, replayer.bind_memory, ProcExit)
        outcome: Outcome = eng.run(eng.compile(module_path), host)
        if outcome.trap is not None and replayer.divergence is None:
            os.write(streams[1], trap_line(outcome.trap).encode())
        divergence = replayer.divergence
        if args.json:
            report = {"engine": engine, "module": str(module_path), "calls": len(calls),
                      "replayed": replayer.position, "exit_code": outcome.exit_code, "trap": outcome.trap,
                      "stdout": _read(out), "stderr": _read(err),
                      "divergence": divergence._asdict() if divergence is not None else None}
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
    if divergence is not None:
        print(f"wasitool: replay: {describe(divergence)}", file=sys.stderr)
        return 1
    if replayer.position < len(calls) and outcome.trap is None:
        print(f"wasitool: replay: the run ended after {replayer.position} of {len(calls)} recorded calls",
              file=sys.stderr)
        return 1
    return outcome.exit_code


def _traced(functions: dict[str, HostFunction], replayer: Replayer, calls: list[dict[str, Any]],
            args: argparse.Namespace) -> dict[str, HostFunction]:
    """The replayed calls --trace selects, traced to stderr as `wasitool run --trace` does."""
    from wasitool.wasi import SIGNATURES
    from wasitool.wasi.trace import Tracer, select_calls
    from wasitool.wasi.trace_decode import TraceEnv

    try:
        tracer = Tracer(sys.stderr, select_calls(args.trace))
    except ValueError as exc:
        raise WasiError(f"--trace={args.trace}: {exc}",
                        "name preview1 functions or globs, e.g. --trace=path_open,fd_read*") from None
    counts = {c["call"]: c.get("out", {}) for c in calls if c["call"] in ("args_sizes_get", "environ_sizes_get")}
    env = TraceEnv(replayer.view, tracer.max_bytes, int(counts.get("args_sizes_get", {}).get("argc", 0)),
                   int(counts.get("environ_sizes_get", {}).get("environc", 0)))
    return {name: tracer.wrap(fn, SIGNATURES[name], env) if tracer.wants(name) else fn
            for name, fn in functions.items()}


def _read(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode("utf-8", "replace")


def describe(divergence: Divergence) -> str:
    """One line: which call differs, the recorded one and the replayed one."""
    actual = _call_text(divergence.actual)
    if divergence.recorded is None:
        return f"call {divergence.number} is {actual}, after the recording ended"
    return f"call {divergence.number} differs: recorded {_call_text(divergence.recorded)}, replayed {actual}"


def _call_text(call: dict[str, object]) -> str:
    args = call.get("args")
    assert isinstance(args, dict)
    return f"{call['call']}({', '.join(f'{k}={json.dumps(v, ensure_ascii=False)}' for k, v in args.items())})"
