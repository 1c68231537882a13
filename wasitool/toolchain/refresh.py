"""`wasitool lock refresh`: recompute the sha256 pins of one tool version from its real files.

Only the checksums change; the lock file's text, comments and order are kept.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from wasitool.digest import sha256_file
from wasitool.errors import ToolchainError
from wasitool.toolchain.download import fetch_file
from wasitool.toolchain.lock import PlatformPin, SourceSpec, load_lock
from wasitool.toolchain.reporter import Reporter
from wasitool.toolchain.sources.base import FetchContext
from wasitool.toolchain.store import Store


@dataclass
class RefreshedPin:
    """The outcome for one platform pin."""

    kind: str
    platform: str
    file_name: str
    old_sha256: str
    new_sha256: str | None = None
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.new_sha256 is not None and self.new_sha256 != self.old_sha256


def refresh_lock(
    lock_path: Path, tool: str, version: str, mirror: str | None, reporter: Reporter
) -> list[RefreshedPin]:
    """Hash every pinned file of `tool` at `version` and rewrite the changed checksums in place."""
    lock = load_lock(lock_path)
    specs = [s for s in lock.tool(tool).sources if s.pinned and s.version == version]
    if not specs:
        versions = sorted({s.version for s in lock.tool(tool).sources if s.pinned})
        raise ToolchainError(
            f"wasitool.lock has no pinned {tool} source at version {version} (it has {', '.join(versions)})",
            "edit the version and file names in wasitool.lock first, then refresh",
        )
    results: list[RefreshedPin] = []
    with tempfile.TemporaryDirectory(prefix="wasitool-refresh-") as tmp:
        for spec in specs:
            for platform, pin in spec.platforms.items():
                if pin.unavailable:
                    continue
                ctx = FetchContext(store=Store(Path(tmp)), platform=platform, reporter=reporter, mirror=mirror)
                results.append(_refresh_one(spec, pin, ctx, Path(tmp) / f"{spec.kind}-{platform}"))
    text = lock_path.read_text(encoding="utf-8")
    for result in results:
        if result.changed and result.new_sha256:
            if text.count(result.old_sha256) != 1:
                result.error = "its old checksum is not unique in the lock file; edit it by hand"
                continue
            text = text.replace(result.old_sha256, result.new_sha256)
    lock_path.write_text(text, encoding="utf-8")
    return results


def _refresh_one(spec: SourceSpec, pin: PlatformPin, ctx: FetchContext, workdir: Path) -> RefreshedPin:
    result = RefreshedPin(spec.kind, ctx.platform, pin.file_name, pin.sha256 or "")
    workdir.mkdir(parents=True)
    try:
        location = ctx.mirror_location(pin.file_name)
        if location is None and spec.kind == "pip":
            from wasitool.toolchain.sources.pip import pip_download

            result.new_sha256 = sha256_file(pip_download(spec, pin, workdir, ctx))
        else:
            result.new_sha256 = fetch_file(location or pin.url or "", workdir / pin.file_name, ctx.reporter,
                                           None if location else ctx.session)
    except ToolchainError as exc:
        result.error = exc.one_line()
    return result
