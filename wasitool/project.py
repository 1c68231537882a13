"""Locating the project checkout (lock file, SConstruct, src/, recipes/, out/)."""

from __future__ import annotations

import os
from pathlib import Path

from wasitool.errors import WasitoolError

_MARKERS = ("wasitool.lock",)


def project_root(start: Path | None = None) -> Path:
    """The checkout holding `wasitool.lock` and `SConstruct`.

    Looks at `$WASITOOL_PROJECT`, then upward from `start` (default: the working directory), then at
    the directory this package was installed from (an editable install of the checkout).
    """
    override = os.environ.get("WASITOOL_PROJECT")
    candidates: list[Path] = [Path(override)] if override else []
    here = (start or Path.cwd()).resolve()
    candidates += [here, *here.parents, Path(__file__).resolve().parent.parent]
    for candidate in candidates:
        if all((candidate / marker).is_file() for marker in _MARKERS):
            return candidate
    raise WasitoolError(
        "not inside a wasitool checkout (no wasitool.lock found here or above)",
        "run from the repository root or set WASITOOL_PROJECT",
    )


def out_dir(root: Path | None = None) -> Path:
    """Where the build writes `.wasm` files and native binaries."""
    return (root or project_root()) / "out"
