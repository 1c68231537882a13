"""Where the store lives and how the build finds the toolchain its lock selects (no network, no rich)."""

from __future__ import annotations

import os
from pathlib import Path

from wasitool.platforms import host_platform
from wasitool.toolchain.manifest import Toolchain


def store_root() -> Path:
    """The store: `$WASITOOL_HOME`, else the user cache dir chosen by platformdirs."""
    override = os.environ.get("WASITOOL_HOME")
    if override:
        return Path(override).expanduser().resolve()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("wasitool", appauthor=False))


def record_of(lock: Path, platform: str | None = None, root: Path | None = None) -> Path:
    """The install record file of `lock` on `platform` (default: this host); the active lock, the project's
    or the shipped one, is `wasitool.project.active_lock_path()`."""
    from wasitool.toolchain.lock import load_lock
    from wasitool.toolchain.records import record_path

    parsed = load_lock(lock)
    return record_path(root or store_root(), parsed.digest, platform or host_platform())


def load_toolchain(platform: str | None = None, root: Path | None = None, *, lock: Path) -> Toolchain:
    """The toolchain `lock` selects on `platform` (default: this host), from the
    store at `root`; one-line ToolchainError ("run `wasitool setup`") if it is not installed."""
    from wasitool.toolchain.lock import load_lock
    from wasitool.toolchain.records import toolchain_for

    return toolchain_for(load_lock(lock), platform or host_platform(), root or store_root())
