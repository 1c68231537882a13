"""A real C program (wasi-libc, built with the pinned toolchain) in a batch: its chdir, open files and exit
stay in its own run."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasitool import onefile
from wasitool.batch import run_batch
from wasitool.runspec import Preopen, RunSpec

pytestmark = pytest.mark.slow

WANDERER = r"""#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char cwd[256];
    if (argc > 1 && chdir(argv[1]) != 0) { perror("chdir"); return 2; }
    for (int i = 0; argc > 2 && i < atoi(argv[2]); i++) fopen("marker", "r");  /* leaked on purpose */
    FILE *f = fopen("marker", "r");
    if (!getcwd(cwd, sizeof cwd)) return 3;
    printf("%s %s\n", cwd, f ? "found" : "missing");
    return argc > 2 ? 5 : 0;
}
"""


def test_chdir_and_leaks_stay_in_their_run(use_toolchain: Path, engine_name: str, tmp_path: Path) -> None:
    source = tmp_path / "wanderer.c"
    source.write_text(WANDERER)
    module = onefile.build(source, onefile.Options())
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "marker").write_text("here")
    dirs = (Preopen(data, "/data"),)
    specs = [RunSpec(module, ("/data/sub", "50"), dirs=dirs), RunSpec(module, dirs=dirs),
             RunSpec(module, ("/data/sub",), dirs=dirs)]
    out = [item.result for item in run_batch(specs, engine_name, jobs=2)]
    assert all(r is not None for r in out)
    assert [(r.exit_code, r.stdout) for r in out if r is not None] == [
        (5, b"/data/sub found\n"), (0, b"/ missing\n"), (0, b"/data/sub found\n")]
