"""Running the reference runtime, the wasmtime CLI, the way the tests compare with it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def run_wasmtime_cli(binary: Path, module: Path, *flags: str,
                     timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """`wasmtime run [flags] module` with the proposals wasitool's wasmtime engine enables."""
    argv = [str(binary), "run", "-W", "exceptions=y,gc=y,tail-call=y,multi-memory=y,memory64=y", *flags, str(module)]
    return subprocess.run(argv, capture_output=True, timeout=timeout, env={**os.environ, "RUST_BACKTRACE": "0"})
