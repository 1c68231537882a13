"""Source kinds, one module each (`archive`, `pip`, `npm`, `system`), registered in one lazy table.

Every source satisfies `wasitool.toolchain.sources.base.Source`: `install(tool, spec, ctx) -> InstalledTool`
fetches, verifies and unpacks into a staging dir of the store, then commits it atomically (see
`base.install_pinned`). This module is plain data, cheap to import; the kinds themselves, pinned or not, are
`wasitool.toolchain.source_kinds` (the lock parser reads those).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wasitool.plugins import Registry

if TYPE_CHECKING:
    from wasitool.toolchain.sources.base import Source

SOURCES: Registry[Source] = Registry("toolchain source", {
    "archive": "wasitool.toolchain.sources.archive:ArchiveSource",
    "pip": "wasitool.toolchain.sources.pip:PipSource",
    "npm": "wasitool.toolchain.sources.npm:NpmSource",
    "system": "wasitool.toolchain.sources.system:SystemSource",
})
