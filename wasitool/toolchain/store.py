"""The store: installed tools under one root, a file lock, staging dirs and atomic installs.

Layout (root = `$WASITOOL_HOME` or the platformdirs user cache dir):
    tools/<tool>-<kind>-<version>-<platform>-<sha12>/   one installed tool, with its toolchain.json
    downloads/<file name>                                verified pinned files: a ready `--mirror` dir
    tmp/                                                 staging dirs; only the lock holder writes here
    cache/                                               caches tools keep in the store (zig's)
    current-<platform>.json                              which installed tools the build uses
    .lock                                                taken while installing
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from wasitool.digest import sha256_file
from wasitool.errors import ToolchainError
from wasitool.filelock import exclusive_lock
from wasitool.toolchain.lock import PlatformPin, SourceSpec
from wasitool.toolchain.manifest import InstalledTool, read_tool_manifest


class Store:
    """One store root and the operations that keep it consistent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tools_dir = root / "tools"
        self.tmp_dir = root / "tmp"
        self.downloads_dir = root / "downloads"

    def install_dir(self, spec: SourceSpec, pin: PlatformPin, platform: str) -> Path:
        """Where a pinned source installs: the name changes whenever the pin does."""
        digest = (pin.sha256 or "")[:12]
        return self.tools_dir / f"{spec.tool}-{spec.kind}-{spec.version}-{platform}-{digest}"

    def installed(self, directory: Path) -> InstalledTool | None:
        """The tool installed in `directory`, or None if absent or incomplete."""
        if not (directory / "toolchain.json").is_file():
            return None
        try:
            return read_tool_manifest(directory)
        except (ToolchainError, TypeError, KeyError):
            return None

    def kept_download(self, file_name: str) -> tuple[Path, str] | None:
        """The kept download of that name and its sha256, or None. One that differs from a lock's pin stays:
        it was verified when kept, and another lock may pin it (a verified fetch replaces a damaged one)."""
        path = self.downloads_dir / file_name
        return (path, sha256_file(path)) if path.is_file() else None

    def keep_download(self, verified: Path) -> Path:
        """Move a verified file into the downloads (one rename); returns its new path."""
        self.downloads_dir.mkdir(parents=True, exist_ok=True)
        kept = self.downloads_dir / verified.name
        if verified != kept:
            os.replace(verified, kept)
        return kept

    @contextmanager
    def locked(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the store's install lock; a second process waits here (`on_wait` is called once if that
        takes more than half a second), then sees the finished install."""
        with exclusive_lock(self.root / ".lock", on_wait=on_wait):
            self._clean_tmp()
            yield

    @contextmanager
    def staging(self, name: str) -> Iterator[Path]:
        """A fresh directory beside the final location; removed unless committed."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.tmp_dir))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def commit(self, staging: Path, final: Path) -> None:
        """Move a finished staging dir into place with one atomic rename."""
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # an incomplete leftover (no manifest): replace it
            shutil.rmtree(final)
        os.replace(staging, final)

    def _clean_tmp(self) -> None:
        """Remove staging dirs left by an interrupted setup (safe: we hold the lock)."""
        if self.tmp_dir.is_dir():
            for leftover in self.tmp_dir.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)
