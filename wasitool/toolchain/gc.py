"""What the store holds, which locks use it, and what `wasitool store gc` may remove.

The store's own index is the roots: `collect` and `clean` hold the store lock while they walk it and
remove, so no setup installs (or records) in between; the files are read through `wasitool.store.records`.

Known locks are the `locks/` index entries (one per lock file ever set up) whose file still exists, plus
the lock shipped with wasitool. A known lock keeps its current record (the one of its present content,
on every platform recorded) and the tools, downloads and tool caches that record uses; when a lock was
edited since its setup, the tools a build would now pick (`records.toolchain_for`) are kept instead.
Everything else is garbage: records of old lock contents or of deleted projects, tools none of the kept
records use, staging dirs of interrupted setups, downloads no known lock pins, and the engine compile
cache beyond its size cap.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasitool.errors import WasitoolError
from wasitool.platforms import host_platform
from wasitool.store.installs import Store
from wasitool.store.layout import OWN_CACHES, Layout
from wasitool.store.records import MANIFEST_NAME, Record, lock_index_or_none, record_or_none, tool_manifest_or_none
from wasitool.toolchain.lock import Lock, load_lock
from wasitool.toolchain.records import installed_pinned


@dataclass
class KnownLock:
    path: Path
    index: Path
    lock: Lock | None  # None: the file exists but does not parse (its recorded digest is kept)
    recorded_digest: str | None


@dataclass
class InstalledToolInfo:
    """One directory of `tools/`."""

    directory: Path
    name: str
    source: str
    version: str
    size: int
    used_by: list[str] = field(default_factory=list)  # lock file paths
    last_used: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "tool": self.name, "source": self.source, "version": self.version,
                "size": self.size, "used_by": self.used_by, "last_used": _iso(self.last_used)}


@dataclass
class Removal:
    path: Path
    size: int
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "size": self.size, "why": self.why}


def tree_size(path: Path) -> int:
    """Bytes under `path` (files counted once, symlinks not followed)."""
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def known_locks(root: Path) -> list[KnownLock]:
    """The index entries whose lock file still exists, and the shipped lock."""
    from wasitool.shipped import SHIPPED_LOCK

    layout = Layout(root)
    found: dict[Path, KnownLock] = {}
    for index in sorted(layout.locks.glob("*.json")):
        entry = lock_index_or_none(index)
        if entry is not None and Path(entry.lock).is_file():
            lock_path = Path(entry.lock).resolve()
            found[lock_path] = KnownLock(lock_path, index, _parse(lock_path), entry.digest)
    shipped = SHIPPED_LOCK.resolve()
    if shipped not in found:
        found[shipped] = KnownLock(shipped, layout.locks / "-", _parse(shipped), None)
    return list(found.values())


def kept_records(root: Path, locks: list[KnownLock]) -> set[Path]:
    """The record files of the known locks' present content (or last recorded digest, if unparsable)."""
    layout = Layout(root)
    kept: set[Path] = set()
    for known in locks:
        digest = known.lock.digest if known.lock is not None else known.recorded_digest
        if digest:
            kept.update(layout.records_of(digest))
    return kept


def used_tool_dirs(root: Path, locks: list[KnownLock], records: set[Path]) -> dict[Path, set[str]]:
    """Tool directory -> the lock files whose kept record (or present selection) uses it."""
    used: dict[Path, set[str]] = {}
    by_digest: dict[str, list[str]] = {}  # every lock of that content (a project's copy of the shipped one too)
    for known in locks:
        if known.lock is not None:
            by_digest.setdefault(known.lock.digest[:16], []).append(str(known.path))
    for path in records:
        record = record_or_none(path)
        if record is None:
            continue
        labels = by_digest.get(path.name.split("-", 1)[0]) or [record.lock or str(path)]
        for root_dir in _tool_roots(record):
            used.setdefault(root_dir, set()).update(labels)
    store = Store(root)
    for known in locks:  # edited since setup: no record yet, keep what a build would pick now
        if known.lock is None or store.layout.records_of(known.lock.digest):
            continue
        for tool in known.lock.tools.values():
            found = installed_pinned(tool.ordered_sources, store, host_platform())
            if found is not None:
                used.setdefault(Path(found.root).resolve(), set()).add(str(known.path))
    return used


def inventory(root: Path) -> list[InstalledToolInfo]:
    """Every installed tool with its size, the known locks using it and when it was last used."""
    locks = known_locks(root)
    records = kept_records(root, locks)
    used = used_tool_dirs(root, locks, records)
    record_times: dict[Path, float] = {}
    for path in Layout(root).records.glob("*.json"):
        record = record_or_none(path)
        for key in _tool_roots(record) if record is not None else ():
            record_times[key] = max(record_times.get(key, 0.0), _mtime(path))
    tools = []
    for directory in _tool_dirs(root):
        manifest = tool_manifest_or_none(directory)
        tools.append(InstalledToolInfo(
            directory=directory, name=manifest.name if manifest else directory.name,
            source=manifest.source if manifest else "?", version=manifest.version if manifest else "?",
            size=tree_size(directory), used_by=sorted(used.get(directory, set())),
            last_used=max(record_times.get(directory, 0.0), _mtime(directory / MANIFEST_NAME))))
    return tools


def plan_gc(root: Path) -> list[Removal]:
    """Everything `store gc` would remove, with the reason for each."""
    from wasitool.engines import compile_cache

    layout = Layout(root)
    locks = known_locks(root)
    records = kept_records(root, locks)
    used = used_tool_dirs(root, locks, records)
    removals: list[Removal] = []
    for index in sorted(layout.locks.glob("*.json")):
        entry = lock_index_or_none(index)
        if entry is None or not Path(entry.lock).is_file():
            gone = entry.lock if entry is not None else None
            removals.append(Removal(index, tree_size(index), f"index of a lock that is gone ({gone})"))
    for record in sorted(layout.records.glob("*.json")):
        if record not in records:
            removals.append(Removal(record, tree_size(record), "record of no known lock's present content"))
            if record.with_suffix("").is_dir():
                removals.append(Removal(record.with_suffix(""), tree_size(record.with_suffix("")),
                                        "wrappers of that record"))
    for directory in sorted(p for p in layout.records.glob("*") if p.is_dir()):
        if directory.with_suffix(".json") not in records and not directory.with_suffix(".json").is_file():
            removals.append(Removal(directory, tree_size(directory), "wrappers of no record"))
    for directory in _tool_dirs(root):
        if directory not in used:
            removals.append(Removal(directory, tree_size(directory), "no known lock uses it"))
    if layout.tmp.is_dir():
        removals += [Removal(p, tree_size(p), "staging left by an interrupted setup") for p in layout.tmp.iterdir()]
    removals += _unpinned_downloads(root, locks)
    removals += _unused_tool_caches(root, used)
    engine_cache = compile_cache.cache_dir()
    if engine_cache is not None:
        removals += [Removal(path, size, "engine compile cache over its size cap (least recently used)")
                     for path, size in compile_cache.prune(engine_cache, dry_run=True)]
    return removals


def collect(root: Path, dry_run: bool, on_wait: Callable[[], None] | None = None) -> tuple[list[Removal], int]:
    """`store gc`: under the store lock, what the index no longer reaches and the bytes freed (or that would
    be, `dry_run`)."""
    with Store(root).exclusive(on_wait):
        removals = plan_gc(root)
        return removals, sum(r.size for r in removals) if dry_run else remove(removals)


def clean(root: Path, confirm: Callable[[list[Removal]], bool],
          on_wait: Callable[[], None] | None = None) -> tuple[list[Removal], int] | None:
    """`store clean`: under the store lock, every store entry removed once `confirm` agrees (None if not)."""
    with Store(root).exclusive(on_wait):
        targets = clean_targets(root)
        return (targets, remove(targets)) if confirm(targets) else None


def remove(removals: list[Removal]) -> int:
    """Delete what `plan_gc` listed; returns the bytes freed."""
    freed = 0
    for item in removals:
        try:
            if item.path.is_dir() and not item.path.is_symlink():
                shutil.rmtree(item.path)
            else:
                item.path.unlink()
            freed += item.size
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise WasitoolError(f"cannot remove {item.path} ({exc.strerror})",
                                "check its permissions, then run `wasitool store gc` again") from None
    return freed


def clean_targets(root: Path) -> list[Removal]:
    """What `store clean` removes: every store entry (toolchains, records, downloads, caches)."""
    from wasitool.engines import compile_cache

    targets = [Removal(path, tree_size(path), "store") for path in Layout(root).entries()]
    engine_cache = compile_cache.cache_dir()
    if engine_cache is not None and engine_cache.is_dir() and root not in engine_cache.parents:
        targets += [Removal(p, tree_size(p), "engine compile cache") for p in engine_cache.glob("*.bin")]
    return targets


def _unpinned_downloads(root: Path, locks: list[KnownLock]) -> list[Removal]:
    pinned = {pin.file_name for known in locks if known.lock is not None for tool in known.lock.tools.values()
              for spec in tool.sources for pin in spec.platforms.values() if not pin.unavailable}
    downloads = Layout(root).downloads
    if not downloads.is_dir():
        return []
    return [Removal(p, tree_size(p), "download no known lock pins") for p in sorted(downloads.iterdir())
            if p.name not in pinned]


def _unused_tool_caches(root: Path, used: dict[Path, set[str]]) -> list[Removal]:
    """`cache/<name>` dirs (zig's) that no kept tool points its environment at; wasitool's own caches there
    (`layout.OWN_CACHES`) are not tools' and stay."""
    cache = Layout(root).cache
    if not cache.is_dir():
        return []
    referenced: set[Path] = set()
    for directory in used:
        manifest = tool_manifest_or_none(directory)
        referenced.update(Path(value) for value in (manifest.env if manifest else {}).values())
    return [Removal(p, tree_size(p), "tool cache no kept tool uses") for p in sorted(cache.iterdir())
            if p.name not in OWN_CACHES and not any(p == ref or p in ref.parents for ref in referenced)]


def _tool_roots(record: Record) -> list[Path]:
    return [Path(tool.root).resolve() for tool in record.tools.values() if tool.root]


def _tool_dirs(root: Path) -> Iterator[Path]:
    tools = Layout(root).tools
    if tools.is_dir():
        yield from sorted(p.resolve() for p in tools.iterdir() if p.is_dir())


def _parse(path: Path) -> Lock | None:
    try:
        return load_lock(path)
    except WasitoolError:
        return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _iso(timestamp: float) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp)) if timestamp else None
