"""wasi_snapshot_preview1 in Python, independent of the wasm engine.

Engines link each import to `WasiContext(config).host_functions()[name]`, declare its type
from `SIGNATURES[name]`, call `bind_memory(instance_memory)` and catch `ProcExit`.
"""

from __future__ import annotations

from wasitool.typed import TYPE_CHECKING

from .config import ProcExit, WasiConfig
from .context import WasiContext
from .errno import Errno
from .signatures import SIGNATURES, Signature

if TYPE_CHECKING:
    from .memory import BytearrayMemory, GuestMemory

__all__ = [
    "SIGNATURES",
    "BytearrayMemory",
    "Errno",
    "GuestMemory",
    "ProcExit",
    "Signature",
    "WasiConfig",
    "WasiContext",
]


def __getattr__(name: str) -> object:
    """`GuestMemory` and `BytearrayMemory` on first use: `memory` imports `typing` (for the Protocol), which
    `wasitool run` does without (`wasitool.typed`)."""
    if name in ("BytearrayMemory", "GuestMemory"):
        from . import memory

        return getattr(memory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
