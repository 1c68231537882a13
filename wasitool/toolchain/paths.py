"""Where the store lives and how the build finds the installed toolchain (no network, no rich)."""

from __future__ import annotations

import os
from pathlib import Path

from wasitool.platforms import host_platform
from wasitool.toolchain.manifest import Toolchain, read_pointer


def store_root() -> Path:
    """The store: `$WASITOOL_HOME`, else the user cache dir chosen by platformdirs."""
    override = os.environ.get("WASITOOL_HOME")
    if override:
        return Path(override).expanduser().resolve()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("wasitool", appauthor=False))


def pointer_path(platform: str | None = None, root: Path | None = None) -> Path:
    """The file naming the tools the build uses for `platform` (default: this host)."""
    return (root or store_root()) / f"current-{platform or host_platform()}.json"


def load_toolchain(platform: str | None = None, root: Path | None = None) -> Toolchain:
    """The installed toolchain for `platform`; ToolchainError ("run `wasitool setup`") if none."""
    return read_pointer(pointer_path(platform, root))
