"""The guest linear memory as seen by host calls."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class GuestMemory(Protocol):
    """Gives a writable, format 'B' memoryview of the whole linear memory.

    The view may change after `memory.grow`, so host calls fetch it anew on every call, unless the
    memory says `fixed_base = True`: its base never moves (a grow only extends it in place), so a view
    once taken stays valid as a prefix of the memory, and the hot calls reuse their last view until an
    access lies beyond it (`wasi.base.ContextBase`). Without the attribute the base may move.
    """

    def view(self) -> memoryview: ...


class BytearrayMemory:
    """A `GuestMemory` backed by a bytearray (tests, and engines that copy memory)."""

    def __init__(self, size: int = 65536) -> None:
        self.data = bytearray(size)

    def view(self) -> memoryview:
        """The whole buffer."""
        return memoryview(self.data)
