"""A disk cache of compiled modules: compiling a C example takes 25-100 ms, loading it back ~0.1 ms.

Entries are keyed by the engine, its configuration tag and the BLAKE2b hash of the module bytes; an entry
the engine refuses to load (another engine version) is simply recompiled and replaced. The cache
lives in `$WASITOOL_ENGINE_CACHE`, else `<store>/engine-cache` (the store being `$WASITOOL_HOME` or
the user cache dir); `WASITOOL_ENGINE_CACHE=off` disables it. Write failures are ignored.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

try:
    from _blake2 import blake2b  # hashlib's own blake2b, without hashlib's OpenSSL import (~2 ms)
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

_OFF = {"0", "off", "no", "false"}


def cache_dir() -> Path | None:
    """Where compiled modules are kept, or None when caching is off."""
    setting = os.environ.get("WASITOOL_ENGINE_CACHE", "")
    if setting.lower() in _OFF:
        return None
    if setting:
        return Path(setting).expanduser()
    home = os.environ.get("WASITOOL_HOME")
    if home:
        return Path(home).expanduser() / "engine-cache"
    if sys.platform.startswith("linux"):  # what platformdirs answers, without its import cost
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return Path(base) / "wasitool" / "engine-cache"
    from wasitool.toolchain.paths import store_root

    return store_root() / "engine-cache"


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
        return path.read_bytes()
    except OSError:
        return None


def save(path: Path | None, artifact: bytes) -> None:
    """Store an artifact atomically; any failure just leaves the cache without it."""
    if path is None:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(artifact)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
