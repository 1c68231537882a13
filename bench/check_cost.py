"""What `wasitool check` spends per cell on one Python engine, beyond the guests' own work.

    python bench/check_cost.py ENGINE   (in the venv that has ENGINE; prints one JSON object)

Times the bundled examples' column as `check` runs it (`run_matrix`: one batch, a forked child per cell,
component rows included), then each row's guest alone in this process (its WASI context built,
instantiated and run on the already compiled module or component: the guest's own work).
`overhead_per_cell_s` is the difference per cell that ran (`unsupported` cells run nothing): the fork, the
temporary preopen copies, loading each module, the judging. `..._cpu_s` is the same in CPU time (this
process and its children: what a busy machine inflates least). The engine is imported before the timing
starts (start-up, paid once per process). Builds the bundled examples first if needed.
"""

from __future__ import annotations

import json
import os
import resource
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
from wasitool.engines.limits import Limits  # noqa: E402
from wasitool.engines.protocol import Engine  # noqa: E402
from wasitool.example_table import load_examples  # noqa: E402
from wasitool.project import bundled_project  # noqa: E402
from wasitool.runspec import RunSpec  # noqa: E402
from wasitool.runtimes.base import is_component  # noqa: E402
from wasitool.runtimes.matrix import PASS, UNSUPPORTED, Row, ensure_built, rows, run_matrix  # noqa: E402
from wasitool.runtimes.python import PythonRuntime  # noqa: E402


def cpu_seconds() -> float:
    """User + system time of this process and the children it waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def guest_seconds(engine: str, table: list[Row], ran: set[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of the rows' guests run here one after the other: context, instantiate, run."""
    eng = load_engine(engine)
    warm_up(eng)
    wall = cpu = 0.0
    for row in table:
        if row.name not in ran:
            continue
        with tempfile.TemporaryDirectory() as workdir:
            spec = row.run_spec(Path(workdir))
            fds = [os.open(os.devnull, os.O_RDWR) for _ in range(3)]
            if spec.stdin:
                read_fd, write_fd = os.pipe()
                os.write(write_fd, spec.stdin)
                os.close(write_fd)
                os.close(fds[0])
                fds[0] = read_fd
            files = (fds[0], fds[1], fds[2])
            run, close = _component(eng, spec, files) if is_component(spec.module) else _core(eng, spec, files)
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            close()
            for fd in fds:
                os.close(fd)
    return wall, cpu


def _core(eng: Engine, spec: RunSpec, files: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    module = eng.compile(spec.module)
    ctx = _plain_context(spec, 0, files)
    return (lambda: eng.run(module, WasiHost.from_context(ctx), spec.invoke)), ctx.close


def _component(eng: Engine, spec: RunSpec, files: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    from wasitool.wasi.config import WasiConfig
    from wasitool.wasip2.host import ComponentHost

    data = spec.module.read_bytes()
    component = eng.compile_component(data, spec.module.name, Limits())  # type: ignore[attr-defined]
    host = ComponentHost(WasiConfig(argv=spec.argv, env=list(spec.env), preopens=list(spec.dirs), stdin=files[0],
                                    stdout=files[1], stderr=files[2]))
    return (lambda: eng.instantiate_component(component, spec.module.name, host, Limits(),  # type: ignore[attr-defined]
                                              spec.invoke)()), host.close


def main() -> int:
    engine = sys.argv[1]
    examples = list(load_examples(project=bundled_project()).values())
    ensure_built(examples)
    runtime = PythonRuntime(engine)
    load_engine(engine)  # its import is start-up, paid once per process (the start-up rows measure it)
    started, started_cpu = time.perf_counter(), cpu_seconds()
    matrix = run_matrix(examples, [runtime])
    column, column_cpu = time.perf_counter() - started, cpu_seconds() - started_cpu
    ran = {c.example for c in matrix.cells if c.status != UNSUPPORTED}
    guests, guests_cpu = guest_seconds(engine, rows(examples), ran)
    cells = max(len(ran), 1)
    print(json.dumps({"engine": engine, "cells": len(matrix.cells), "ran": len(ran),
                      "passed": sum(c.status == PASS for c in matrix.cells),
                      "failed": [c.example for c in matrix.cells if c.status == "fail"], "column_s": column,
                      "column_cpu_s": column_cpu, "guests_s": guests, "guests_cpu_s": guests_cpu,
                      "overhead_per_cell_s": (column - guests) / cells,
                      "overhead_per_cell_cpu_s": (column_cpu - guests_cpu) / cells}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
