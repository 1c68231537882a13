"""A closed stdout ends a command that prints through rich with SIGPIPE's status (141), not rich's silent 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import wasmtime


def test_inspect_into_a_closed_pipe_exits_141(tmp_path: Path) -> None:
    module = tmp_path / "m.wasm"
    module.write_bytes(bytes(wasmtime.wat2wasm('(module (memory (export "memory") 1) '
                                                + " ".join(f'(func (export "f{i}"))' for i in range(400)) + ")")))
    proc = subprocess.Popen([sys.executable, "-m", "wasitool", "inspect", str(module)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(5)
    proc.stdout.close()  # like `| head -c5`
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141 and b"Traceback" not in err, err
