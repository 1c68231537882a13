"""GNU hello 2.10, an autoconf project, built as a user builds one: `wasitool exec -- ./configure
--host=wasm32-wasi`, then `wasitool exec -- make`, and run on every importable engine and the wasmtime CLI.

Its build-aux/config.sub (2014) rejects `wasm32-wasi` ("machine `wasm32' not recognized"): configure passes
only because the environment's CONFIG_SITE (`wasitool/toolchain/config_site.py`) sets ac_cv_host first. The
source is Debian's orig tarball (pinned by sha256).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.third_party import HELLO_DEBIAN
from tests.toolchain.real_sources import guest_runners, pinned_debian_work, require_program, run_guest

pytestmark = pytest.mark.slow

TREE = "hello-2.10"


def _exec(home: Path, tree: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """`wasitool exec -- COMMAND` in `tree`, in the test's environment without a CONFIG_SITE of its own."""
    env = {name: value for name, value in os.environ.items() if name != "CONFIG_SITE"}
    proc = subprocess.run([sys.executable, "-m", "wasitool", "exec", "--", *command], cwd=tree, capture_output=True,
                          text=True, env={**env, "WASITOOL_HOME": str(home)}, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def hello_tree(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hello's source tree, configured for wasm32-wasi and built by its own makefiles."""
    require_program("make")
    work = pinned_debian_work(HELLO_DEBIAN, "hello", tmp_path_factory)
    tree = work / TREE
    old = subprocess.run(["sh", "build-aux/config.sub", "wasm32-wasi"], cwd=tree, capture_output=True, text=True,
                         timeout=60, check=False)
    assert old.returncode != 0 and "machine `wasm32' not recognized" in old.stderr, old.stderr  # predates WASI
    configure = _exec(toolchain_home, tree, "./configure", "--host=wasm32-wasi")
    assert "checking host system type... (cached) wasm32-unknown-wasi" in configure.stdout, configure.stdout
    assert {"host_cpu='wasm32'", "host_vendor='unknown'", "host_os='wasi'"} <= set(
        (tree / "config.log").read_text(encoding="utf-8", errors="replace").splitlines())
    _exec(toolchain_home, tree, "make")
    return tree


def test_hello_configures_builds_and_greets_on_every_runner(hello_tree: Path, toolchain_home: Path) -> None:
    assert (hello_tree / "hello").read_bytes()[:4] == b"\0asm"
    for name, command in guest_runners(hello_tree / "hello").items():
        outputs = {}
        for args in ((), ("-g", "hi"), ("--version",)):
            proc = run_guest(toolchain_home, command, hello_tree, *args)
            assert proc.returncode == 0, (name, args, proc.stderr)
            outputs[args] = proc.stdout
        assert outputs[()] == "Hello, world!\n", name
        assert outputs[("-g", "hi")] == "hi\n", name
        version = outputs[("--version",)].splitlines()
        assert version[0] == "hello (GNU Hello) 2.10", (name, version)
        assert "Copyright (C) 2014 Free Software Foundation, Inc." in version, (name, version)
