"""Install records: which installed tools one lock uses on one platform.

The store keeps toolchains side by side, keyed by what was pinned (`tools/`); a record says which of
them a lock's content selects on a platform, so two projects with different locks never touch each
other:

    records/<digest16>-<platform>.json   the selected tools (+ the lock's digest and path)
    records/<digest16>-<platform>/bin/   wrapper executables for other build systems
    locks/<path16>.json                  the last digest set up for one lock file (its path): tells
                                         "this lock changed since setup" and names the locks gc keeps
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from wasitool.digest import sha256_text
from wasitool.errors import ToolchainError
from wasitool.toolchain.lock import Lock, SourceSpec
from wasitool.toolchain.manifest import InstalledTool, Toolchain, read_pointer, write_json_atomic, write_pointer
from wasitool.toolchain.store import Store

SETUP_FIX = "run `wasitool setup`"


class LockChanged(ToolchainError):
    """The lock was edited since its last setup and the store lacks what it now pins."""


def record_path(store: Path, digest: str, platform: str) -> Path:
    """The record of the lock with content `digest` on `platform`."""
    return store / "records" / f"{digest[:16]}-{platform}.json"


def wrapper_dir(record: Path) -> Path:
    """Where a record's wrapper executables live."""
    return record.with_suffix("") / "bin"


def lock_index_path(store: Path, lock_path: Path) -> Path:
    return store / "locks" / f"{sha256_text(str(lock_path.resolve()))[:16]}.json"


def write_record(store: Path, lock: Lock, toolchain: Toolchain) -> Path:
    """Record that `lock` uses `toolchain`'s tools on its platform; remember the lock's path."""
    path = record_path(store, lock.digest, toolchain.platform)
    write_pointer(path, toolchain, extra={"lock_digest": lock.digest, "lock": str(lock.path.resolve())})
    write_json_atomic(lock_index_path(store, lock.path),
                      {"schema": 1, "lock": str(lock.path.resolve()), "digest": lock.digest})
    return path


def read_record(store: Path, lock: Lock, platform: str) -> Toolchain | None:
    """The recorded toolchain of `lock` on `platform`, or None when setup never recorded it."""
    path = record_path(store, lock.digest, platform)
    return read_pointer(path) if path.is_file() else None


def pinned_install(sources: Sequence[SourceSpec], store: Store,
                   platform: str) -> tuple[SourceSpec, Path, InstalledTool] | None:
    """The first hash-pinned source, in lock order, whose exact pin is already in the store: that source,
    its install directory and its manifest."""
    for spec in sources:
        pin = spec.platforms.get(platform)
        if spec.pinned and pin is not None and not pin.unavailable:
            directory = store.install_dir(spec, pin, platform)
            found = store.installed(directory)
            if found is not None:
                return spec, directory, found
    return None


def installed_pinned(sources: Sequence[SourceSpec], store: Store, platform: str) -> InstalledTool | None:
    """The manifest of `pinned_install`, or None."""
    found = pinned_install(sources, store, platform)
    return found[2] if found is not None else None


def toolchain_for(lock: Lock, platform: str, store_root: Path) -> Toolchain:
    """The toolchain `lock` selects on `platform`, without network or install.

    A recorded lock is one file read. An unrecorded one (a new project, or a lock edited since setup)
    is recorded at once when the store already holds a pinned install of every tool but the optional ones
    (reading a few manifests); otherwise a one-line ToolchainError says to run `wasitool setup`.
    """
    recorded = read_record(store_root, lock, platform)
    if recorded is not None:
        mark_used(record_path(store_root, lock.digest, platform))
        return recorded
    store = Store(store_root)
    tools = {}
    for name, tool in lock.tools.items():
        found = installed_pinned(tool.ordered_sources, store, platform)
        if found is not None:
            tools[name] = found
        elif not tool.optional:
            raise _not_set_up(store_root, lock, platform)
    toolchain = Toolchain(platform=platform, tools=tools)
    write_record(store_root, lock, toolchain)
    return toolchain


def mark_used(record: Path, every: float = 3600.0) -> None:
    """Note that a build used `record` (its mtime, refreshed at most hourly): `store list` shows it."""
    import os
    import time

    try:
        if time.time() - record.stat().st_mtime > every:
            os.utime(record)
    except OSError:
        pass


def _not_set_up(store_root: Path, lock: Lock, platform: str) -> ToolchainError:
    index = lock_index_path(store_root, lock.path)
    try:
        previous = json.loads(index.read_text(encoding="utf-8")).get("digest")
    except (OSError, ValueError, AttributeError):
        previous = None
    if previous and previous != lock.digest:
        return LockChanged(f"{lock.path.name} changed since setup ({lock.path})", SETUP_FIX)
    return ToolchainError(f"no toolchain installed for {lock.path} on {platform}", SETUP_FIX)
