"""Start-up of `wasitool run hello.wasm` against `python -c "import ENGINE"`, interleaved (issue 21 item 2).

    .venv311/bin/python bench/startup.py [--runs 30] [--wasm FILE] [--before CHECKOUT] [--python ENGINE=PATH]

Each round runs every command once, one after the other, so that a shared machine's load falls on all of
them alike; the table gives the medians of wall time and of CPU time (user + system of the process and of
the children it waited for: the supervisor's child on wasmer) and their ratios to the engine's import
(`pass ENGINE`: the interpreter alone, `python -c pass`, in that engine's venv).
`--before DIR` adds the same run with another checkout first on the path (the numbers before a change).
Bytecode caches are written (PYTHONDONTWRITEBYTECODE is left out), as a user's install has them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from invoke import wasitool_argv

ROOT = Path(__file__).resolve().parent.parent
VENVS = {"wasmer": ROOT / ".venv310" / "bin" / "python", "wasmtime": ROOT / ".venv311" / "bin" / "python"}
DEFAULT_WASM = ROOT / "bench" / "build" / "hello.wasm"  # written by bench/run.py


def _env(checkout: Path) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C", "PYTHONPATH": str(checkout)}
    if "WASITOOL_HOME" in os.environ:
        env["WASITOOL_HOME"] = os.environ["WASITOOL_HOME"]
    return env


def _once(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall, cpu) seconds of one process, which must exit 0."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"startup: {' '.join(argv)} failed: {err.decode(errors='replace')[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--wasm", type=Path, default=DEFAULT_WASM, help="the module to run (default: bench/run.py's hello)")
    p.add_argument("--before", type=Path, metavar="CHECKOUT", help="also run this checkout's wasitool")
    p.add_argument("--python", action="append", default=[], metavar="ENGINE=PATH")
    args = p.parse_args()
    if not args.wasm.is_file():
        raise SystemExit(f"startup: no {args.wasm} (fix: run `bench/run.py --only startup` once, or pass --wasm)")
    pythons = dict(VENVS, **dict(item.split("=", 1) for item in args.python))
    commands: dict[str, tuple[list[str], dict[str, str]]] = {}
    for engine, python in pythons.items():
        run = [*wasitool_argv(Path(python)), "run", str(args.wasm.resolve()), "--engine", engine]
        commands[f"pass {engine}"] = ([str(python), "-c", "pass"], _env(ROOT))
        commands[f"import {engine}"] = ([str(python), "-c", f"import {engine}"], _env(ROOT))
        commands[f"run {engine}"] = (run, _env(ROOT))
        if args.before is not None:
            commands[f"before {engine}"] = (run, _env(args.before))
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as cwd:  # not a checkout: `python -m` looks in the cwd first
        for argv, env in commands.values():  # warm-up: bytecode caches, the compile cache
            _once(argv, env, cwd)
        for _ in range(args.runs):
            for name, (argv, env) in commands.items():
                times[name].append(_once(argv, env, cwd))
    medians = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
               for name, t in times.items()}
    print("| command | wall | cpu | wall x import | cpu x import |\n|---|---|---|---|---|")
    for name, (wall, cpu) in medians.items():
        base_wall, base_cpu = medians[f"import {name.split()[1]}"]
        print(f"| {name} | {wall * 1000:.1f} ms | {cpu * 1000:.1f} ms | {wall / base_wall:.2f}x "
              f"| {cpu / base_cpu:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
