"""zig builds its C library for wasm32-wasi the first time it compiles C (half a minute to two minutes),
into its global cache in the store. A build that is about to do that says so first, instead of
staying silent that long."""

from __future__ import annotations

from pathlib import Path

from wasitool.toolchain.manifest import Toolchain

MESSAGE = "building the C library for wasm32-wasi, first use only (a minute or two)"


def libc_pending(toolchain: Toolchain | None) -> bool:
    """True when the toolchain is zig and its global cache in the store holds no built libc yet (other
    entries, such as objects compiled with `-c`, do not count: they need no libc)."""
    if toolchain is None:
        return False
    for tool in toolchain.tools.values():
        cache = tool.env.get("ZIG_GLOBAL_CACHE_DIR")
        if cache:
            return next((Path(cache) / "o").glob("*/libc.a"), None) is None
    return False
