"""What the store holds, which locks use it, and what `wasitool store gc` may remove.

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
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasitool.errors import WasitoolError
from wasitool.platforms import host_platform
from wasitool.toolchain.lock import Lock, load_lock
from wasitool.toolchain.records import installed_pinned
from wasitool.toolchain.store import Store

# What `store clean` removes: the store's own entries, never anything else a user put under the root.
# wasitool's own caches under `<store>/cache` (the one-file builds: `wasitool.onefile.cache_dir`).
WASITOOL_CACHES = ("onefile",)
STORE_ENTRIES = ("tools", "records", "locks", "downloads", "tmp", "cache", "engine-cache", "examples")


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

    found: dict[Path, KnownLock] = {}
    for index in sorted((root / "locks").glob("*.json")):
        data = _read_json(index)
        lock_path = Path(str(data.get("lock", "")))
        if data.get("lock") and lock_path.is_file():
            found[lock_path.resolve()] = KnownLock(lock_path.resolve(), index, _parse(lock_path),
                                                   data.get("digest"))
    shipped = SHIPPED_LOCK.resolve()
    if shipped not in found:
        found[shipped] = KnownLock(shipped, root / "locks" / "-", _parse(shipped), None)
    return list(found.values())


def kept_records(root: Path, locks: list[KnownLock]) -> set[Path]:
    """The record files of the known locks' present content (or last recorded digest, if unparsable)."""
    kept: set[Path] = set()
    for known in locks:
        digest = known.lock.digest if known.lock is not None else known.recorded_digest
        if digest:
            kept.update((root / "records").glob(f"{digest[:16]}-*.json"))
    return kept


def used_tool_dirs(root: Path, locks: list[KnownLock], records: set[Path]) -> dict[Path, set[str]]:
    """Tool directory -> the lock files whose kept record (or present selection) uses it."""
    used: dict[Path, set[str]] = {}
    by_digest: dict[str, list[str]] = {}  # every lock of that content (a project's copy of the shipped one too)
    for known in locks:
        if known.lock is not None:
            by_digest.setdefault(known.lock.digest[:16], []).append(str(known.path))
    for record in records:
        data = _read_json(record)
        labels = by_digest.get(record.name.split("-", 1)[0]) or [str(data.get("lock", record))]
        for tool in (data.get("tools") or {}).values():
            if isinstance(tool, dict) and tool.get("root"):
                used.setdefault(Path(tool["root"]).resolve(), set()).update(labels)
    store = Store(root)
    for known in locks:  # edited since setup: no record yet, keep what a build would pick now
        if known.lock is None or any((root / "records").glob(f"{known.lock.digest[:16]}-*.json")):
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
    for record in (root / "records").glob("*.json"):
        for tool in (_read_json(record).get("tools") or {}).values():
            if isinstance(tool, dict) and tool.get("root"):
                key = Path(tool["root"]).resolve()
                record_times[key] = max(record_times.get(key, 0.0), _mtime(record))
    tools = []
    for directory in _tool_dirs(root):
        manifest = _read_json(directory / "toolchain.json").get("tool") or {}
        tools.append(InstalledToolInfo(
            directory=directory, name=str(manifest.get("name", directory.name)),
            source=str(manifest.get("source", "?")), version=str(manifest.get("version", "?")),
            size=tree_size(directory), used_by=sorted(used.get(directory, set())),
            last_used=max(record_times.get(directory, 0.0), _mtime(directory / "toolchain.json"))))
    return tools


def plan_gc(root: Path) -> list[Removal]:
    """Everything `store gc` would remove, with the reason for each."""
    from wasitool.engines import compile_cache

    locks = known_locks(root)
    records = kept_records(root, locks)
    used = used_tool_dirs(root, locks, records)
    removals: list[Removal] = []
    for index in sorted((root / "locks").glob("*.json")):
        lock = _read_json(index).get("lock")
        if not lock or not Path(str(lock)).is_file():
            removals.append(Removal(index, tree_size(index), f"index of a lock that is gone ({lock})"))
    for record in sorted((root / "records").glob("*.json")):
        if record not in records:
            removals.append(Removal(record, tree_size(record), "record of no known lock's present content"))
            if record.with_suffix("").is_dir():
                removals.append(Removal(record.with_suffix(""), tree_size(record.with_suffix("")),
                                        "wrappers of that record"))
    for directory in sorted(p for p in (root / "records").glob("*") if p.is_dir()):
        if directory.with_suffix(".json") not in records and not directory.with_suffix(".json").is_file():
            removals.append(Removal(directory, tree_size(directory), "wrappers of no record"))
    for directory in _tool_dirs(root):
        if directory not in used:
            removals.append(Removal(directory, tree_size(directory), "no known lock uses it"))
    if (root / "tmp").is_dir():
        removals += [Removal(p, tree_size(p), "staging left by an interrupted setup") for p in (root / "tmp").iterdir()]
    removals += _unpinned_downloads(root, locks)
    removals += _unused_tool_caches(root, used)
    engine_cache = compile_cache.cache_dir()
    if engine_cache is not None:
        removals += [Removal(path, size, "engine compile cache over its size cap (least recently used)")
                     for path, size in compile_cache.prune(engine_cache, dry_run=True)]
    return removals


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

    targets = [Removal(root / name, tree_size(root / name), "store") for name in STORE_ENTRIES
               if (root / name).exists()]
    targets += [Removal(p, tree_size(p), "store") for p in root.glob("current-*.json")]
    engine_cache = compile_cache.cache_dir()
    if engine_cache is not None and engine_cache.is_dir() and root not in engine_cache.parents:
        targets += [Removal(p, tree_size(p), "engine compile cache") for p in engine_cache.glob("*.bin")]
    return targets


def _unpinned_downloads(root: Path, locks: list[KnownLock]) -> list[Removal]:
    pinned = {pin.file_name for known in locks if known.lock is not None for tool in known.lock.tools.values()
              for spec in tool.sources for pin in spec.platforms.values() if not pin.unavailable}
    downloads = root / "downloads"
    if not downloads.is_dir():
        return []
    return [Removal(p, tree_size(p), "download no known lock pins") for p in sorted(downloads.iterdir())
            if p.name not in pinned]


def _unused_tool_caches(root: Path, used: dict[Path, set[str]]) -> list[Removal]:
    """`cache/<name>` dirs (zig's) that no kept tool points its environment at; wasitool's own caches there
    (`WASITOOL_CACHES`) are not tools' and stay."""
    cache = root / "cache"
    if not cache.is_dir():
        return []
    referenced: set[Path] = set()
    for directory in used:
        env = (_read_json(directory / "toolchain.json").get("tool") or {}).get("env") or {}
        referenced.update(Path(str(value)) for value in env.values())
    return [Removal(p, tree_size(p), "tool cache no kept tool uses") for p in sorted(cache.iterdir())
            if p.name not in WASITOOL_CACHES and not any(p == ref or p in ref.parents for ref in referenced)]


def _tool_dirs(root: Path) -> Iterator[Path]:
    tools = root / "tools"
    if tools.is_dir():
        yield from sorted(p.resolve() for p in tools.iterdir() if p.is_dir())


def _parse(path: Path) -> Lock | None:
    try:
        return load_lock(path)
    except WasitoolError:
        return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _iso(timestamp: float) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp)) if timestamp else None
