"""Components in a batch: on wasmtime each is compiled once (wasmtime.component) and run in a forked child,
with the results a process per run gives, beside core modules, through `run --batch` too; on an engine
without the component model they are `unsupported` and the rest still runs. Real components (the `p2kit`
fixture: slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.components import P2Kit
from tests.support.wat_modules import CAT, HELLO, SPIN, exit_with, trap_start
from wasitool.batch import run_batch
from wasitool.runspec import RunSpec

REPO = Path(__file__).resolve().parents[2]


def _components(p2kit: P2Kit, tmp_path: Path) -> dict[str, Path]:
    texts = {"hello": HELLO, "cat": CAT, "spin": SPIN, "trap": trap_start("unreachable"), "seven": exit_with(7)}
    return {name: p2kit.wat_component(text, tmp_path, f"{name}.p2.wasm") for name, text in texts.items()}


def test_components_run_in_forked_children_as_in_processes(engine_name: str, p2kit: P2Kit, wat_file,
                                                           tmp_path: Path) -> None:
    made = _components(p2kit, tmp_path)
    core = wat_file(HELLO, "core.wasm")
    specs = [RunSpec(made["hello"]), RunSpec(made["cat"], stdin=b"meow"), RunSpec(core),
             RunSpec(made["trap"]), RunSpec(made["hello"], ("a",)), RunSpec(made["spin"], timeout=0.5),
             RunSpec(made["seven"]), RunSpec(made["cat"], stdin=b"again")]
    forked = list(run_batch(specs, engine_name, jobs=2))
    assert [item.position for item in forked] == list(range(len(specs)))
    assert [item.result for item in run_batch(specs, engine_name, fork=False)] == [item.result for item in forked]
    if engine_name != "wasmtime":
        why = "runs core modules only: the wasmer engine has no component model"
        assert [item.result.unsupported for item in forked if item.result is not None] == [
            why, why, None, why, why, why, why, why]
        assert forked[2].result is not None and forked[2].result.stdout == b"Hello, WASI!\n"
        return
    results = [item.result for item in forked]
    assert all(r is not None for r in results), [item.error for item in forked]
    ended = [(r.exit_code, r.stdout, r.trap, r.timeout) for r in results if r is not None]
    trap = "unreachable instruction executed"
    assert ended == [(0, b"Hello, WASI!\n", None, None), (0, b"meow", None, None), (0, b"Hello, WASI!\n", None, None),
                     (134, b"", trap, None), (0, b"Hello, WASI!\n", None, None), (124, b"", None, 0.5),
                     (1, b"", None, None), (0, b"again", None, None)]  # the adapter: proc_exit(7) is exit(err)


def test_run_batch_prints_component_lines_as_core_ones(p2kit: P2Kit, wat_file, tmp_path: Path) -> None:
    made = _components(p2kit, tmp_path)
    lines = [{"id": "p2", "module": str(made["cat"]), "stdin": "x"}, {"id": "p1", "module": str(wat_file(CAT))}]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "wasitool", "run", "--batch", "-", "--engine", "wasmtime"],
                          input="".join(json.dumps(line) + "\n" for line in lines), capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    p2, p1 = (json.loads(line) for line in proc.stdout.splitlines())
    assert sorted(p2) == sorted(p1) and (p2["id"], p2["stdout"], p2["exit_code"]) == ("p2", "x", 0)
