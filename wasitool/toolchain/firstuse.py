"""zig builds its C library for wasm32-wasi the first time it compiles C (half a minute to two minutes),
into its global cache in the store. A build that is about to do that says so first, instead of
staying silent that long."""

from __future__ import annotations

from pathlib import Path

from wasitool.toolchain.manifest import Toolchain

MESSAGE = "building the C library for wasm32-wasi, first use only (a minute or two)"


def libc_pending(toolchain: Toolchain | None) -> bool:
    """True when the toolchain is zig and its global cache in the store is missing or empty."""
    if toolchain is None:
        return False
    for tool in toolchain.tools.values():
        cache = tool.env.get("ZIG_GLOBAL_CACHE_DIR")
        if cache:
            objects = Path(cache) / "o"
            try:
                return not any(objects.iterdir())
            except OSError:  # missing
                return True
    return False
