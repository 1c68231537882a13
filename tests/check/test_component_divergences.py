"""The declared preview1-vs-0.2 differences, measured on one real C program built both ways
(`wasitool build FILE.c` and `--wasi p2`): a heap address moves up by whole pages and `exit(3)` is status 1;
with the entries of `wasitool.legit_differences` applied, the component's run equals its preview1 build's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wasitool.examples import Expectation, OutputCheck
from wasitool.expect import differences
from wasitool.legit_differences import adjust
from wasitool.runspec import RunSpec
from wasitool.runtimes import get_runtime

HEAP_C = r"""#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *block = malloc(100);
    printf("malloc(100) = %p\n", (void *)block);
    free(block);
    return 3;
}
"""


@pytest.mark.parametrize("runtime", ["python-wasmtime", "wasmtime-cli", "wasmtime-py-wasip2"])
def test_a_components_divergences_are_the_declared_ones(use_toolchain: Path, tmp_path: Path, runtime: str) -> None:
    source = tmp_path / "heap.c"
    source.write_text(HEAP_C)
    modules = {"p1": tmp_path / "heap.wasm", "p2": tmp_path / "heap.p2.wasm"}
    for target, out in modules.items():
        proc = subprocess.run([sys.executable, "-m", "wasitool", "build", str(source), "--wasi", target, "-o",
                               str(out)], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
    preview1 = get_runtime("wasmtime-cli").run(RunSpec(modules["p1"], timeout=60))
    component = get_runtime(runtime).run(RunSpec(modules["p2"], timeout=60))
    assert preview1.exit_code == 3 and preview1.stdout.startswith(b"malloc(100) = 0x")
    assert (component.exit_code, component.stdout == preview1.stdout) == (1, False)  # both differ, really
    expected = Expectation(exit_code=3, stdout=OutputCheck("exact", preview1.stdout.decode()))
    expectation, result, used = adjust(runtime, "heap.p2", expected, component)
    assert differences(expectation, result) == []
    assert len(used) == 2 and "wasi:cli/exit" in used[0].why and "64 KiB pages" in used[1].why
    assert adjust(runtime, "heap", expected, component)[2] == []  # a preview1 row gets no such allowance
