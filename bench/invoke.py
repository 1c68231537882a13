"""How the benchmarks start wasitool: as a user does, through the venv's `wasitool` console script.

`python -m wasitool` adds `runpy` (~0.7 ms of a ~50 ms start-up) that the installed command does not pay;
it is used only where a venv has no console script (a bare interpreter given with --python).
"""

from __future__ import annotations

from pathlib import Path


def wasitool_argv(python: Path) -> list[str]:
    """The command line that starts wasitool under `python` (a venv's interpreter)."""
    script = python.parent / "wasitool"
    return [str(script)] if script.is_file() else [str(python), "-m", "wasitool"]
