"""Installing into the store: the store lock, staging dirs, atomic installs and kept downloads.

Only the lock holder writes under `tools/`, `downloads/` and `tmp/`; a finished install is one rename of
its staging dir (`atomic.move_into_place`), so a reader sees a tool whole or not at all.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from wasitool.digest import sha256_file
from wasitool.store.atomic import move_into_place
from wasitool.store.filelock import exclusive_lock
from wasitool.store.layout import Layout, unusable
from wasitool.store.records import InstalledTool, tool_manifest_or_none


class PinnedSource(Protocol):
    """What names an install directory: a lock's source (`toolchain.lock.SourceSpec`)."""

    @property
    def tool(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def version(self) -> str: ...


class Pin(Protocol):
    """A platform's pin of a source (`toolchain.lock.PlatformPin`)."""

    @property
    def sha256(self) -> str | None: ...


class Store:
    """One store root and the operations that keep it consistent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.layout = Layout(root)
        self.tools_dir = self.layout.tools
        self.tmp_dir = self.layout.tmp
        self.downloads_dir = self.layout.downloads

    def install_dir(self, spec: PinnedSource, pin: Pin, platform: str) -> Path:
        """Where a pinned source installs: the name changes whenever the pin does."""
        digest = (pin.sha256 or "")[:12]
        return self.tools_dir / f"{spec.tool}-{spec.kind}-{spec.version}-{platform}-{digest}"

    def installed(self, directory: Path) -> InstalledTool | None:
        """The tool installed in `directory`, or None if absent or incomplete."""
        return tool_manifest_or_none(directory)

    def kept_download(self, file_name: str) -> tuple[Path, str] | None:
        """The kept download of that name and its sha256, or None. One that differs from a lock's pin stays:
        it was verified when kept, and another lock may pin it (a verified fetch replaces a damaged one)."""
        path = self.downloads_dir / file_name
        return (path, sha256_file(path)) if path.is_file() else None

    def keep_download(self, verified: Path) -> Path:
        """Move a verified file into the downloads (one rename); returns its new path."""
        kept = self.downloads_dir / verified.name
        if verified != kept:
            move_into_place(verified, kept)
        return kept

    @contextmanager
    def exclusive(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the store lock; a second process waits here (`on_wait` is called once if that takes more than
        half a second)."""
        with ExitStack() as stack:
            try:
                stack.enter_context(exclusive_lock(self.layout.lock_file, on_wait=on_wait))
            except OSError as exc:
                raise unusable(self.root, exc) from None
            yield

    @contextmanager
    def locked(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the store lock to install, staging dirs of interrupted installs removed first; a second
        process waits here, then sees the finished install."""
        with self.exclusive(on_wait):
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
        if final.exists():  # an incomplete leftover (no manifest): replace it
            shutil.rmtree(final)
        move_into_place(staging, final)

    def _clean_tmp(self) -> None:
        """Remove staging dirs left by an interrupted setup (safe: we hold the lock)."""
        if self.tmp_dir.is_dir():
            for leftover in self.tmp_dir.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)
