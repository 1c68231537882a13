"""`wasitool check`'s Python-engine columns run as one batch: the same cells as one run per cell."""

from __future__ import annotations

from pathlib import Path

import tests.support.wat_modules as M
from wasitool.example_table import load_examples
from wasitool.runtimes.matrix import judge, run_matrix
from wasitool.runtimes.python import PythonRuntime


def _project(tmp_path: Path, wat_file) -> Path:
    """Examples that pass, fail, trap, time out, read a fixture copy and are skipped by a feature."""
    root = tmp_path / "proj"
    for sub in ("src/fixture", "out"):
        (root / sub).mkdir(parents=True)
    (root / "src" / "fixture" / "x").write_text("x")
    for name in ("wasitool.lock", "SConstruct"):
        (root / name).write_text("")
    programs = {"hello": M.HELLO, "spin": M.SPIN, "crash": M.trap_start("unreachable"), "cat": M.CAT,
                "dir": M.PREOPEN_NAME, "seven": M.exit_with(7)}
    for name, wat in programs.items():
        (root / "src" / f"{name}.wat").write_text(wat)
        (root / "out" / f"{name}.wasm").write_bytes(wat_file(wat, f"{name}.wasm").read_bytes())
    (root / "wasitool.toml").write_text("""
[examples.hello]
source = "hello.wat"
teaches = "passes"
[examples.hello.expect]
stdout = "Hello, WASI!\\n"
[examples.spin]
source = "spin.wat"
teaches = "times out"
[examples.spin.run]
timeout = 0.3
[examples.crash]
source = "crash.wat"
teaches = "traps as expected"
[examples.crash.expect]
exit_code = 134
stderr = "wasitool: trap: unreachable instruction executed\\n"
[examples.cat]
source = "cat.wat"
teaches = "reads stdin"
[examples.cat.run]
stdin = "meow"
[examples.cat.expect]
stdout = "meow"
[examples.dir]
source = "dir.wat"
teaches = "sees its preopen"
[[examples.dir.run.dirs]]
guest = "/data"
fixture = "fixture"
[examples.dir.expect]
stdout = "/data"
[examples.seven]
source = "seven.wat"
teaches = "fails (expects 0), or is unsupported where exceptions are"
requires = ["exceptions"]
""")
    return root


def test_batched_cells_equal_single_runs(engine_name: str, wat_file, tmp_path: Path) -> None:
    examples = list(load_examples(_project(tmp_path, wat_file)).values())
    runtime = PythonRuntime(engine_name)
    matrix = run_matrix(examples, [runtime])
    single = [judge(example, runtime) for example in examples]
    fields = ("example", "runtime", "status", "detail", "differences", "allowed", "exit_code", "trap", "timeout")
    assert [[getattr(c, f) for f in fields] for c in matrix.cells] == [[getattr(c, f) for f in fields] for c in single]
    status = {c.example: c.status for c in matrix.cells}
    seven = "fail" if runtime_supports(engine_name, "exceptions") else "unsupported"
    assert status == {"hello": "pass", "spin": "fail", "crash": "pass", "cat": "pass", "dir": "pass",
                      "seven": seven}
    assert all(c.seconds > 0 for c in matrix.cells if c.status != "unsupported")


def runtime_supports(engine: str, feature: str) -> bool:
    from wasitool.engines import load_engine

    return load_engine(engine).supports(feature)
