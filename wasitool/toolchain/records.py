"""Install records: which installed tools one lock uses on one platform.

The store keeps toolchains side by side, keyed by what was pinned (`tools/`); a record says which of
them a lock's content selects on a platform, so two projects with different locks never touch each
other (the files and their format: `wasitool.store.layout`, `wasitool.store.records`):

    records/<digest16>-<platform>.json   the selected tools (+ the lock's digest and path)
    records/<digest16>-<platform>/bin/   wrapper executables for other build systems
    locks/<path16>.json                  the last digest set up for one lock file (its path): tells
                                         "this lock changed since setup" and names the locks gc keeps
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.store.installs import Store
from wasitool.store.layout import Layout
from wasitool.store.records import (
    SETUP_FIX,
    InstalledTool,
    LockIndexEntry,
    Record,
    lock_index_or_none,
    write_lock_index,
)
from wasitool.store.records import write_record as write_record_file
from wasitool.toolchain.lock import Lock, SourceSpec
from wasitool.toolchain.manifest import Toolchain, load_record


class LockChanged(ToolchainError):
    """The lock was edited since its last setup and the store lacks what it now pins."""


def write_record(store: Path, lock: Lock, toolchain: Toolchain) -> Path:
    """Record that `lock` uses `toolchain`'s tools on its platform; remember the lock's path."""
    layout = Layout(store)
    path = layout.record(lock.digest, toolchain.platform)
    lock_path = str(lock.path.resolve())
    write_record_file(path, Record(platform=toolchain.platform, tools=toolchain.tools, lock_digest=lock.digest,
                                   lock=lock_path))
    write_lock_index(layout.lock_index(lock.path), LockIndexEntry(lock=lock_path, digest=lock.digest))
    return path


def read_record(store: Path, lock: Lock, platform: str) -> Toolchain | None:
    """The recorded toolchain of `lock` on `platform`, or None when setup never recorded it."""
    path = Layout(store).record(lock.digest, platform)
    return load_record(path) if path.is_file() else None


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


def toolchain_for(lock: Lock, platform: str, root: Path) -> Toolchain:
    """The toolchain `lock` selects on `platform`, without network or install.

    A recorded lock is one file read. An unrecorded one (a new project, or a lock edited since setup)
    is recorded at once when the store already holds a pinned install of every tool but the optional ones
    (reading a few manifests); otherwise a one-line ToolchainError says to run `wasitool setup`.
    """
    recorded = read_record(root, lock, platform)
    if recorded is not None:
        mark_used(Layout(root).record(lock.digest, platform))
        return recorded
    store = Store(root)
    tools = {}
    for name, tool in lock.tools.items():
        found = installed_pinned(tool.ordered_sources, store, platform)
        if found is not None:
            tools[name] = found
        elif not tool.optional:
            raise _not_set_up(root, lock, platform)
    toolchain = Toolchain(platform=platform, tools=tools)
    write_record(root, lock, toolchain)
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


def _not_set_up(root: Path, lock: Lock, platform: str) -> ToolchainError:
    entry = lock_index_or_none(Layout(root).lock_index(lock.path))
    previous = entry.digest if entry is not None else None
    if previous and previous != lock.digest:
        return LockChanged(f"{lock.path.name} changed since setup ({lock.path})", SETUP_FIX)
    return ToolchainError(f"no toolchain installed for {lock.path} on {platform}", SETUP_FIX)
