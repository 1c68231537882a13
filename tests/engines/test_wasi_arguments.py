"""Argument validation on every engine, compared with the wasmtime CLI: proc_exit codes, `--dir` hosts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import wat_modules as M
from tests.support.wasi_probe import wasmtime_cli_available
from wasitool.pyruntime import run
from wasitool.runspec import RunSpec

# proc_exit(code) -> exit status: the code for 0..125, else 1 (measured: wasmtime run 49.0.3 fails the
# call with "exit with invalid exit status outside of [0..126)" and exits 1).
_CODES = [(0, 0), (1, 1), (125, 125), (126, 1), (127, 1), (255, 1), (256, 1), (512, 1), (0x80000000, 1),
          (0xFFFFFFFF, 1)]


@pytest.mark.parametrize(("code", "status"), _CODES)
def test_proc_exit_status(engine_name, wat_file, code, status):
    module = wat_file(M.exit_with(code - (1 << 32) if code >= 1 << 31 else code))
    result = run(RunSpec(module), engine_name, capture=True)
    assert result.exit_code == status
    assert (result.stderr != b"") == (code != status)
    if wasmtime_cli_available():
        from wasitool.runtimes.cli import WasmtimeCli

        assert WasmtimeCli().run(RunSpec(module)).exit_code == status


@pytest.mark.parametrize("code", [256, 512, 0x80000000 - (1 << 32)])
def test_failing_exit_never_reads_as_success_at_the_shell(engine_name, wat_file, code):
    proc = subprocess.run([sys.executable, "-m", "wasitool", "run", str(wat_file(M.exit_with(code))),
                           "--engine", engine_name], capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("wasitool: proc_exit(")


@pytest.mark.parametrize("item", ["", "::/data", "::/data:ro"])
def test_dir_without_a_host_is_refused(engine_name, wat_file, item, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "wasitool", "run", str(wat_file(M.PREOPEN_NAME)),
                           "--engine", engine_name, "--dir", item], capture_output=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        f"wasitool: error: --dir {item!r} names no host directory (fix: write --dir HOST::GUEST, "
        "e.g. --dir ./data::/data, or --dir .::/x for the current directory)\n")
    assert proc.stdout == b""
