"""The guest linear memory as seen by host calls."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class GuestMemory(Protocol):
    """Gives a writable, format 'B' memoryview of the whole linear memory.

    The view may change after `memory.grow`, so host calls fetch it anew on every call.

    A memory may also offer `view_to(end) -> memoryview`: a view that covers at least `[0, end)` when
    the memory is that large, and may be shorter than the whole memory otherwise. An engine whose
    memory base never moves can return its last view without asking the engine for the current size
    (and refresh only when `end` falls outside it). The hot calls use it; `ContextBase.bind_memory`
    falls back to `view()` for memories without it.
    """

    def view(self) -> memoryview: ...


class BytearrayMemory:
    """A `GuestMemory` backed by a bytearray (tests, and engines that copy memory)."""

    def __init__(self, size: int = 65536) -> None:
        self.data = bytearray(size)

    def view(self) -> memoryview:
        """The whole buffer."""
        return memoryview(self.data)
