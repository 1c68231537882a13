"""wasi_snapshot_preview1 in Python, independent of the wasm engine.

Engines link each import to `WasiContext(config).host_functions()[name]`, declare its type
from `SIGNATURES[name]`, call `bind_memory(instance_memory)` and catch `ProcExit`.
"""

from __future__ import annotations

from .config import ProcExit, WasiConfig
from .context import WasiContext
from .errno import Errno
from .memory import BytearrayMemory, GuestMemory
from .signatures import SIGNATURES, Signature

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
