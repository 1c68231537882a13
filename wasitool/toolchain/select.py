"""The toolchain a lock selects on a platform, as the build and the commands ask for it (no network, no
rich). Which lock is active, the project's or the shipped one, is `wasitool.project.active_lock_path()`."""

from __future__ import annotations

from pathlib import Path

from wasitool.platforms import host_platform
from wasitool.store.layout import Layout
from wasitool.toolchain.manifest import Toolchain


def record_of(lock: Path, platform: str | None = None, root: Path | None = None) -> Path:
    """The install record file of `lock` on `platform` (default: this host) in the store at `root`
    (default: the user's)."""
    from wasitool.toolchain.lock import load_lock

    return Layout(root).record(load_lock(lock).digest, platform or host_platform())


def load_toolchain(platform: str | None = None, root: Path | None = None, *, lock: Path) -> Toolchain:
    """The toolchain `lock` selects on `platform` (default: this host), from the
    store at `root`; one-line ToolchainError ("run `wasitool setup`") if it is not installed."""
    from wasitool.toolchain.lock import load_lock
    from wasitool.toolchain.records import toolchain_for

    return toolchain_for(load_lock(lock), platform or host_platform(), Layout(root).root)
