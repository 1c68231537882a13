"""Source kinds, one module each (`archive`, `pip`, `system`), registered in one table.

Every source module offers `install(tool, spec, ctx) -> InstalledTool`: fetch, verify and unpack
into a staging dir of the store, then commit it atomically (see `base.install_pinned`).
"""

from __future__ import annotations

import importlib
from types import ModuleType

SOURCE_MODULES: dict[str, str] = {
    "archive": "wasitool.toolchain.sources.archive",
    "pip": "wasitool.toolchain.sources.pip",
    "system": "wasitool.toolchain.sources.system",
}


def source_module(kind: str) -> ModuleType:
    """The module implementing source `kind`."""
    return importlib.import_module(SOURCE_MODULES[kind])
