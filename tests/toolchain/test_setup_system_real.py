"""The `system` source on a real distribution toolchain (Debian's clang-NN, wasm-ld-NN, wasi-libc, wabt).

CI installs those packages and sets WASITOOL_REQUIRE_SYSTEM_TOOLCHAIN=1, turning the skip into a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.toolchain.real_sources import require_debian_toolchain
from tests.toolchain.test_setup_pip import HELLO_C

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow



def test_system_source_builds_a_program_that_runs(tmp_path: Path) -> None:
    require_debian_toolchain()
    env = {**os.environ, "WASITOOL_HOME": str(tmp_path / "store")}
    proc = subprocess.run([sys.executable, "-m", "wasitool", "setup", "--source", "system", "--tool", "wasi-sdk",
                           "--json"], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    sdk = json.loads(proc.stdout)["tools"]["wasi-sdk"]
    cc = sdk["commands"]["cc"]
    assert re.fullmatch(r"/usr/bin/clang-\d+", cc[0]) and cc[1:] == ["--target=wasm32-wasi", "--sysroot=/usr"]
    assert sdk["pinned"] is False and sdk["source"] == "system"
    (tmp_path / "hello.c").write_text(HELLO_C)
    subprocess.run([*cc, "-O2", "-s", "-o", "hello.wasm", "hello.c"], cwd=tmp_path, check=True)
    assert (tmp_path / "hello.wasm").read_bytes()[:4] == b"\0asm"
    run = subprocess.run([sys.executable, "-m", "wasitool", "run", str(tmp_path / "hello.wasm")],
                         cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout) == (3, "hello from hello.wasm\n"), run.stderr


def test_system_wabt_too_old_for_the_examples_is_refused(tmp_path: Path) -> None:
    require_debian_toolchain()
    version = subprocess.run(["wat2wasm", "--version"], capture_output=True, text=True).stdout.strip()
    if tuple(int(x) for x in version.split(".")) >= (1, 0, 36):
        pytest.skip(f"this machine's wabt {version} is recent enough")
    env = {**os.environ, "WASITOOL_HOME": str(tmp_path / "store")}
    proc = subprocess.run([sys.executable, "-m", "wasitool", "setup", "--source", "system", "--tool", "wabt"],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"wat2wasm is version {version}; wasitool.lock needs >= 1.0.36" in proc.stderr


def test_every_example_builds_and_passes_with_the_distribution_clang(tmp_path: Path, toolchain_home: Path) -> None:
    """The recipes only use the toolchain's roles: Debian's clang-NN builds every example, which then passes."""
    require_debian_toolchain()
    from wasitool.project import export_project, load_project
    from wasitool.toolchain.select import load_toolchain

    tree = tmp_path / "tree"
    export_project(load_project(REPO), tree)
    env = {**os.environ, "WASITOOL_HOME": str(tmp_path / "store")}
    wasitool = [sys.executable, "-m", "wasitool"]
    mirror = toolchain_home / "downloads"
    mirrored = ["--mirror", str(mirror)] if mirror.is_dir() else []
    for args in (["--source", "system", "--tool", "wasi-sdk"], ["--source", "pip", "--tool", "wabt", *mirrored],
                 ["--tool", "wasm-tools", "--tool", "wasi-adapters", *mirrored]):  # the examples' .p2 builds
        setup = subprocess.run([*wasitool, "setup", *args], cwd=tree, env=env, capture_output=True, text=True)
        assert setup.returncode == 0, setup.stderr
    cc = load_toolchain(root=tmp_path / "store", lock=tree / "wasitool.lock").command("cc")[0]
    assert re.fullmatch(r"/usr/bin/clang-\d+", cc)
    build = subprocess.run([*wasitool, "build", "-j", "2"], cwd=tree, env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    check = subprocess.run([*wasitool, "check", "--json", "--runtime", "python-wasmtime"], cwd=tree, env=env,
                           capture_output=True, text=True)
    cells = json.loads(check.stdout)["cells"]
    from wasitool.example_table import load_examples
    from wasitool.runtimes.matrix import rows

    assert check.returncode == 0 and len(cells) == len(rows(list(load_examples(project=load_project(REPO)).values())))
    assert {c["status"] for c in cells} == {"pass"}, [c for c in cells if c["status"] != "pass"]
