"""Upstream release archives: URL + sha256 per platform (the store's downloads and a mirror are tried first)."""

from __future__ import annotations

from pathlib import Path

from wasitool.store.records import InstalledTool
from wasitool.toolchain.extract import extract_archive, single_root
from wasitool.toolchain.lock import PlatformPin, SourceSpec, ToolSpec
from wasitool.toolchain.sources.base import FetchContext, fetch_pinned_file, install_pinned


class ArchiveSource:
    """The `archive` source kind."""

    def install(self, tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> InstalledTool:
        """Download (or copy from the mirror), verify, unpack and install the pinned archive."""

        def fetch_and_unpack(pin: PlatformPin, staging: Path) -> Path:
            archive = fetch_pinned_file(pin, staging, ctx, upstream=pin.url)
            unpacked = staging / "unpacked"
            extract_archive(archive, unpacked, ctx.reporter)
            return single_root(unpacked, pin.strip)

        return install_pinned(tool, spec, ctx, fetch_and_unpack)
