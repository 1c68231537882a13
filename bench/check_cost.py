"""What `wasitool check` spends per cell on one Python engine, beyond the guests' own work.

    python bench/check_cost.py ENGINE   (in the venv that has ENGINE; prints one JSON object)

Times the bundled examples' column as `check` runs it (`run_matrix`: one batch, a forked child per cell),
then each example's guest alone in this process (its WASI context built, instantiated and run on the
already compiled module: the guest's own work). `overhead_per_cell` is the difference per cell: the
fork, the temporary preopen copies, the judging. Builds the bundled examples first if needed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wasitool.batch import _plain_context, warm_up  # noqa: E402
from wasitool.engines import load_engine  # noqa: E402
from wasitool.engines.base import WasiHost  # noqa: E402
from wasitool.example_table import load_examples  # noqa: E402
from wasitool.project import bundled_project  # noqa: E402
from wasitool.runtimes.matrix import PASS, ensure_built, run_matrix  # noqa: E402
from wasitool.runtimes.python import PythonRuntime  # noqa: E402


def guest_seconds(engine: str, examples: list) -> float:
    """The examples' guests run here one after the other: context, instantiate, run (module compiled)."""
    eng = load_engine(engine)
    warm_up(eng)
    total = 0.0
    for example in examples:
        if any(not eng.supports(f) for f in example.requires):
            continue
        module = eng.compile(example.module)
        with tempfile.TemporaryDirectory() as workdir:
            spec = example.run_spec(Path(workdir))
            fds = [os.open(os.devnull, os.O_RDWR) for _ in range(3)]
            if spec.stdin:
                read_fd, write_fd = os.pipe()
                os.write(write_fd, spec.stdin)
                os.close(write_fd)
                os.close(fds[0])
                fds[0] = read_fd
            ctx = _plain_context(spec, 0, (fds[0], fds[1], fds[2]))
            started = time.perf_counter()
            eng.run(module, WasiHost.from_context(ctx), spec.invoke)
            total += time.perf_counter() - started
            ctx.close()
            for fd in fds:
                os.close(fd)
    return total


def main() -> int:
    engine = sys.argv[1]
    examples = list(load_examples(project=bundled_project()).values())
    ensure_built(examples)
    runtime = PythonRuntime(engine)
    started = time.perf_counter()
    matrix = run_matrix(examples, [runtime])
    column = time.perf_counter() - started
    guests = guest_seconds(engine, examples)
    cells = len(matrix.cells)
    print(json.dumps({"engine": engine, "cells": cells, "passed": sum(c.status == PASS for c in matrix.cells),
                      "failed": [c.example for c in matrix.cells if c.status == "fail"], "column_s": column,
                      "guests_s": guests, "overhead_per_cell_s": (column - guests) / max(cells, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
