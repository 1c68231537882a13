"""wasmtime-py's own WASI 0.2 host (`Linker.add_wasip2()`): the reference wasitool's Python 0.2 host is diffed
against in `check`.

The run happens in a child interpreter (`python -m wasitool.runtimes.wasmtime_wasip2 SPEC`) so that the
guest's stdin, stdout and stderr are the child's streams, captured like any other runtime's, and a crash or
a time limit ends only the child. Core modules are not this runtime's business: they report `unsupported`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TypedDict

from wasitool.engines.traps import trap_from_stderr
from wasitool.runspec import RunResult, RunSpec
from wasitool.runtimes.base import NOT_FOUND, components_only, host_process_env, lacking, run_process

# The adapters and wasi-sdk's wasip2 target export this interface; any 0.2.x version is accepted.
RUN_EXPORT_PREFIX = "wasi:cli/run@0.2"
FEATURES = frozenset({"multi-value", "reference-types", "bulk-memory", "sign-ext", "exceptions"})


class ChildRequest(TypedDict):
    """What the child interpreter is told to run (JSON on its command line)."""

    module: str
    argv: list[str]
    env: list[tuple[str, str]]
    dirs: list[tuple[str, str, bool]]
    features: list[str]


class WasmtimePyWasip2:
    """The `wasmtime-py-wasip2` runtime: a component on wasmtime-py's built-in WASI 0.2 implementation."""

    name = "wasmtime-py-wasip2"

    def available(self) -> str | None:
        import importlib.util

        if importlib.util.find_spec("wasmtime") is None:
            return NOT_FOUND
        return None

    def run(self, spec: RunSpec) -> RunResult:
        missing = components_only(spec) or lacking(spec, FEATURES)
        if missing is not None:
            return missing
        request: ChildRequest = {
            "module": str(spec.module),
            "argv": spec.argv,
            "env": list(spec.env),
            "dirs": [(str(Path(d.host).resolve()), d.guest, d.readonly) for d in spec.dirs],
            "features": list(spec.requires),
        }
        pythonpath = os.pathsep.join(p for p in sys.path if p)
        result = run_process(
            [sys.executable, "-m", "wasitool.runtimes.wasmtime_wasip2", json.dumps(request)],
            stdin=spec.stdin,
            env=host_process_env({"PYTHONPATH": pythonpath}),
            timeout=spec.timeout,
        )
        result.trap = trap_from_stderr(result.stderr, result.exit_code)
        return result


def _child(request: ChildRequest) -> int:
    """Run one component as `request` says, with this process's stdio; returns the exit status."""
    import wasmtime
    from wasmtime import component

    config = wasmtime.Config()
    if "exceptions" in request["features"]:
        config.wasm_exceptions = True
    engine = wasmtime.Engine(config)
    comp = component.Component.from_file(engine, str(request["module"]))
    linker = component.Linker(engine)
    linker.add_wasip2()
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = request["argv"]
    wasi.env = [(key, value) for key, value in request["env"]]
    for host, guest, readonly in request["dirs"]:
        wasi.preopen_dir(host, guest, fs_mutable=not readonly)
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    store.set_wasi(wasi)
    instance = linker.instantiate(store, comp)
    run_export = next(
        (name for name in _export_names(comp, engine) if name.startswith(RUN_EXPORT_PREFIX)), None
    )
    if run_export is None:
        print("wasitool: the component exports no wasi:cli/run", file=sys.stderr)
        return 1
    interface = instance.get_export_index(store, run_export)
    run_index = instance.get_export_index(store, "run", interface) if interface is not None else None
    func = instance.get_func(store, run_index) if run_index is not None else None
    if func is None:
        print(f"wasitool: {run_export} has no `run` function", file=sys.stderr)
        return 1
    try:
        outcome = func(store)
        func.post_return(store)
    except wasmtime.ExitTrap as exit_trap:
        return exit_trap.code
    except (wasmtime.Trap, wasmtime.WasmtimeError) as trap:
        from wasitool.engines.traps import TRAP_EXIT_CODE, canonical_trap, trap_line

        sys.stderr.write(trap_line(canonical_trap(_trap_message(trap))))
        return TRAP_EXIT_CODE
    return 1 if _is_err(outcome) else 0


def _export_names(comp: object, engine: object) -> list[str]:
    """The names of a component's exports, from its type."""
    ctype = comp.type  # type: ignore[attr-defined]
    return list(ctype.exports(engine).keys())


def _trap_message(error: Exception) -> str:
    """The trap's own words: the message of a Trap, else the first line after "Caused by:" of an error."""
    message = getattr(error, "message", None)
    if isinstance(message, str):
        return message
    text = str(error)
    lines = [line.strip() for line in text.splitlines()]
    if "Caused by:" in lines:
        after = [line for line in lines[lines.index("Caused by:") + 1:] if line]
        if after:
            return after[-1].removeprefix("wasm trap: ")
    return lines[0] if lines else text


def _is_err(outcome: object) -> bool:
    """`result<_, _>` from wasi:cli/run: wasmtime-py gives a Variant("err") or raises for err."""
    return getattr(outcome, "tag", None) == "err"


if __name__ == "__main__":
    sys.stdout.flush()
    code = _child(json.loads(sys.argv[1]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
