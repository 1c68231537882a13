"""Where everything in the store lives: the one place a store path is spelled.

    <root>/                               $WASITOOL_HOME, else the user cache dir (platformdirs)
        tools/<tool>-<kind>-<version>-<platform>-<sha12>/   one installed tool, with its toolchain.json
        tools/jco-<digest>/                                 jco's pinned npm packages (the `jco` runtime)
        downloads/<file name>             verified pinned files: a ready `--mirror` dir
        tmp/                              staging dirs; only the lock holder writes here
        records/<digest16>-<platform>.json   which installed tools one lock's content selects
        records/<digest16>-<platform>/bin/   that record's wrapper executables
        locks/<path16>.json               the last digest set up for one lock file: the roots gc keeps
        cache/onefile/                    one-file builds (wasitool's own; `lib/` the support archives)
        cache/<name>/                     caches tools keep in the store (zig's, npm's)
        engine-cache/                     compiled modules (`$WASITOOL_ENGINE_CACHE` may move it)
        examples/<version>-<tag>/         the bundled examples' project, built here
        runtimes/                         an executable copy of a runtime whose wheel lost the exec bit
        logs/                             bug reports (`wasitool/bug_report.py`)
        .lock                             the store lock, held while installing and collecting
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from wasitool.errors import ToolchainError

HOME_VARIABLE = "WASITOOL_HOME"
APP_NAME = "wasitool"

# The top-level entries the store itself makes: `store clean` removes them, never anything else a user put
# under the root (bug reports in `logs/` are the user's to keep).
ENTRIES = ("tools", "records", "locks", "downloads", "tmp", "cache", "engine-cache", "examples", "runtimes")
RETIRED = ("current-*.json",)  # entries older stores have and no wasitool reads: `store clean` removes them
OWN_CACHES = ("onefile",)  # wasitool's own caches under `cache/`: never a tool's


def store_root() -> Path:
    """The store: `$WASITOOL_HOME`, else the user cache dir chosen by platformdirs."""
    override = os.environ.get(HOME_VARIABLE)
    if override:
        return Path(override).expanduser().resolve()
    if sys.platform.startswith("linux"):  # what platformdirs answers here, without its import cost
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        return Path(base if os.path.isabs(base) else os.path.expanduser("~/.cache")) / APP_NAME
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False))


class Layout:
    """The paths of one store (default: the user's, `store_root()`)."""

    __slots__ = ("root",)

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else store_root()

    def __repr__(self) -> str:
        return f"Layout({self.root})"

    @property
    def tools(self) -> Path:
        return self.root / "tools"

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def records(self) -> Path:
        return self.root / "records"

    @property
    def locks(self) -> Path:
        return self.root / "locks"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def onefile_cache(self) -> Path:
        return self.cache / "onefile"

    @property
    def engine_cache(self) -> Path:
        return self.root / "engine-cache"

    @property
    def examples(self) -> Path:
        return self.root / "examples"

    @property
    def runtimes(self) -> Path:
        return self.root / "runtimes"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def lock_file(self) -> Path:
        return self.root / ".lock"

    def tool_cache(self, name: str) -> Path:
        """A cache a tool keeps in the store (`npm`)."""
        return self.cache / name

    def record(self, digest: str, platform: str) -> Path:
        """The install record of the lock with content `digest` on `platform`."""
        return self.records / f"{digest[:16]}-{platform}.json"

    def records_of(self, digest: str) -> list[Path]:
        """The install records of the lock content `digest`, on every platform recorded."""
        return sorted(self.records.glob(f"{digest[:16]}-*.json"))

    @staticmethod
    def wrappers(record: Path) -> Path:
        """Where a record's wrapper executables live."""
        return record.with_suffix("") / "bin"

    def lock_index(self, lock_path: Path) -> Path:
        """The index entry of one lock file (by its resolved path)."""
        from wasitool.digest import sha256_text

        return self.locks / f"{sha256_text(str(lock_path.resolve()))[:16]}.json"

    def entries(self) -> list[Path]:
        """The store's own top-level entries that exist, retired ones included (what `store clean` removes)."""
        found = [self.root / name for name in ENTRIES if (self.root / name).exists()]
        return found + [path for pattern in RETIRED for path in sorted(self.root.glob(pattern))]


def unusable(root: Path, exc: OSError) -> ToolchainError:
    """The one-line error for a store wasitool cannot write in: `root` a file, under /proc, read-only, or an
    entry of it (`.lock`, `examples`) of the wrong kind."""
    if root.exists() and not root.is_dir():
        return ToolchainError(f"the store {root} is not a directory",
                              f"set {HOME_VARIABLE} to a directory")
    where = f" ({exc.filename})" if exc.filename and os.fspath(exc.filename) != os.fspath(root) else ""
    return ToolchainError(f"the store {root} cannot be written: {exc.strerror or exc}{where}",
                          f"set {HOME_VARIABLE} to a writable directory, or remove what is in the way")
