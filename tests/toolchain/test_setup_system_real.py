"""The `system` source on a real distribution toolchain (Debian's clang-NN, wasm-ld-NN, wasi-libc, wabt).

CI installs those packages and sets WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN=1, turning the skip into a failure.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.toolchain.test_setup_pip import HELLO_C

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _require_debian_toolchain() -> None:
    have = glob.glob("/usr/bin/clang-[0-9]*") and Path("/usr/include/wasm32-wasi/stdio.h").is_file()
    if not have:
        reason = "Debian clang-NN + wasi-libc are not installed (CI installs them)"
        if os.environ.get("WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN"):
            pytest.fail(reason)
        pytest.skip(reason)


def test_system_source_builds_a_program_that_runs(tmp_path: Path) -> None:
    _require_debian_toolchain()
    env = {**os.environ, "WASITOOL_HOME": str(tmp_path / "store")}
    proc = subprocess.run([sys.executable, "-m", "wasitool", "setup", "--source", "system", "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    tools = json.loads(proc.stdout)["tools"]
    cc = tools["wasi-sdk"]["commands"]["cc"]
    assert re.fullmatch(r"/usr/bin/clang-\d+", cc[0]) and cc[1:] == ["--target=wasm32-wasi", "--sysroot=/usr"]
    assert tools["wasi-sdk"]["pinned"] is False and tools["wabt"]["source"] == "system"
    (tmp_path / "hello.c").write_text(HELLO_C)
    subprocess.run([*cc, "-O2", "-s", "-o", "hello.wasm", "hello.c"], cwd=tmp_path, check=True)
    subprocess.run([*tools["wabt"]["commands"]["wasm-validate"], "hello.wasm"], cwd=tmp_path, check=True)
    run = subprocess.run([sys.executable, "-m", "wasitool", "run", str(tmp_path / "hello.wasm")],
                         cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout) == (3, "hello from hello.wasm\n"), run.stderr
