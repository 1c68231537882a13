"""Upstream release archives: URL + sha256 per platform, looked up in a mirror first."""

from __future__ import annotations

from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.toolchain.download import fetch_verified
from wasitool.toolchain.extract import extract_archive, single_root
from wasitool.toolchain.lock import PlatformPin, SourceSpec, ToolSpec
from wasitool.toolchain.manifest import InstalledTool
from wasitool.toolchain.sources.base import FetchContext, install_pinned


def install(tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> InstalledTool:
    """Download (or copy from the mirror), verify, unpack and install the pinned archive."""

    def fetch_and_unpack(pin: PlatformPin, staging: Path) -> Path:
        archive = fetch_pinned_file(pin, staging, ctx, upstream=pin.url)
        unpacked = staging / "unpacked"
        extract_archive(archive, unpacked, ctx.reporter)
        archive.unlink()
        return single_root(unpacked, pin.strip)

    return install_pinned(tool, spec, ctx, fetch_and_unpack)


def fetch_pinned_file(pin: PlatformPin, staging: Path, ctx: FetchContext, upstream: str | None) -> Path:
    """Fetch `pin.file_name` from the mirror, else from `upstream`, into `staging`, sha256-verified."""
    assert pin.sha256 is not None
    dest = staging / pin.file_name
    locations = [loc for loc in (ctx.mirror_location(pin.file_name), None if ctx.offline else upstream) if loc]
    if not locations:
        raise ToolchainError(
            f"offline, and no mirror holds {pin.file_name}",
            "drop --offline, or pass --mirror DIR holding that file",
        )
    failure: ToolchainError | None = None
    for location in locations:
        try:
            fetch_verified(location, pin.sha256, dest, ctx.reporter, None if _is_local(location) else ctx.session)
            return dest
        except ToolchainError as exc:
            failure = exc
            if location != locations[-1]:
                ctx.reporter.note(f"mirror: {exc.problem}; trying upstream")
    assert failure is not None
    raise failure


def _is_local(location: str) -> bool:
    return not location.startswith(("http://", "https://"))
