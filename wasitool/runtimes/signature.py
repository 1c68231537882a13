"""An exported function's signature, read from the binary without loading an engine.

CLIs such as `wasmtime run --invoke` print an export's results after the guest's own stdout; knowing
how many results there are lets us split them off again.
"""

from __future__ import annotations

from pathlib import Path

from wasitool.wasmbin import read_interface


def export_signature(module: Path, export: str) -> tuple[list[str], list[str]] | None:
    """(param types, result types) of exported function `export`, or None if absent or unparsable."""
    try:
        return read_interface(Path(module).read_bytes()).signature(export)
    except (OSError, ValueError):
        return None
