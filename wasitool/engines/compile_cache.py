"""A disk cache of compiled modules: compiling a C example takes 25-100 ms, loading it back ~0.1 ms.

Entries are keyed by the engine, its configuration tag and the BLAKE2b hash of the module bytes; an entry
the engine refuses to load (another engine version) is simply recompiled and replaced. The cache
lives in `$WASITOOL_ENGINE_CACHE`, else the store's `engine-cache` (`wasitool.store.layout`);
`WASITOOL_ENGINE_CACHE=off` disables it. Write failures are ignored.

The cache is kept under a size cap (`WASITOOL_ENGINE_CACHE_MAX`, bytes with an optional K/M/G suffix;
default 256M), least recently used entries first: a hit marks its entry used (at most once a day, one
`utime`), and a new entry prunes the cache at most every ten minutes, so a run that finds its module
pays nothing more. `wasitool store gc` prunes too.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

try:
    from _blake2 import blake2b  # hashlib's own blake2b, without hashlib's OpenSSL import (~2 ms)
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

_OFF = {"0", "off", "no", "false"}
DEFAULT_MAX_BYTES = 256 << 20
_TOUCH_AFTER = 86400.0  # seconds: how stale an entry's use mark may get before a hit refreshes it
_PRUNE_EVERY = 600.0  # seconds between prunes triggered by new entries
_PRUNE_MARK = ".pruned"


def cache_dir() -> Path | None:
    """Where compiled modules are kept, or None when caching is off."""
    setting = os.environ.get("WASITOOL_ENGINE_CACHE", "")
    if setting.lower() in _OFF:
        return None
    if setting:
        return Path(setting).expanduser()
    from wasitool.store.layout import Layout

    return Layout().engine_cache


def entry_path(engine_tag: str, data: bytes) -> Path | None:
    """The cache file for `data` compiled by the engine described by `engine_tag`."""
    root = cache_dir()
    if root is None:
        return None
    digest = blake2b(engine_tag.encode() + b"\0" + data, digest_size=32).hexdigest()
    return root / f"{digest}.bin"


def load(path: Path | None) -> bytes | None:
    """The cached artifact, or None."""
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
            if time.time() - os.fstat(f.fileno()).st_mtime > _TOUCH_AFTER:
                os.utime(path)  # used now: the last to be evicted
        return data
    except OSError:
        return None


def save(path: Path | None, artifact: bytes) -> None:
    """Store an artifact atomically; any failure just leaves the cache without it."""
    if path is None:
        return
    from wasitool.store.atomic import write_atomic

    try:
        write_atomic(path, artifact)
    except OSError:
        return
    _prune_now_and_then(path.parent)


def max_bytes() -> int:
    """The size cap: `$WASITOOL_ENGINE_CACHE_MAX` (e.g. `64M`), else 256 MiB."""
    setting = os.environ.get("WASITOOL_ENGINE_CACHE_MAX", "").strip().upper()
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    try:
        if setting and setting[-1] in units:
            return int(float(setting[:-1]) * units[setting[-1]])
        return int(setting) if setting else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES


def prune(root: Path | None = None, limit: int | None = None, dry_run: bool = False) -> list[tuple[Path, int]]:
    """Remove least recently used entries until the cache holds at most `limit` bytes (default: the cap),
    and temporary files older than a day. Returns the (path, size) removed (or that would be, `dry_run`)."""
    root = cache_dir() if root is None else root
    if root is None or not root.is_dir():
        return []
    limit = max_bytes() if limit is None else limit
    entries, leftovers = [], []
    now = time.time()
    for entry in os.scandir(root):
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if entry.name.endswith(".bin") and entry.is_file(follow_symlinks=False):
            entries.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        elif entry.name.endswith(".tmp") and now - stat.st_mtime > _TOUCH_AFTER:
            leftovers.append((Path(entry.path), stat.st_size))
    entries.sort()
    total = sum(size for _, size, _ in entries)
    removed = list(leftovers)
    for _, size, path in entries:
        if total <= limit:
            break
        removed.append((path, size))
        total -= size
    if not dry_run:
        for path, _ in removed:
            with contextlib.suppress(OSError):
                path.unlink()
    return removed


def _prune_now_and_then(root: Path) -> None:
    mark = root / _PRUNE_MARK
    try:
        if time.time() - mark.stat().st_mtime < _PRUNE_EVERY:
            return
    except OSError:
        pass
    with contextlib.suppress(OSError):
        mark.touch()
        prune(root)
