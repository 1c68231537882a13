"""The host's resources (streams, descriptors, pollables, ...) and the table of handles the guest holds.

A host resource crosses into wasmtime as `ResourceHost.own(rep, type_id)`: `rep` is the key of the
object in the run's `ResourceTable`, `type_id` the number its resource type was defined with (one per
class, `Resource.type_id`). wasmtime calls the type's destructor with `rep` when the guest drops it.
"""

from __future__ import annotations

from typing import ClassVar


class Resource:
    """A host object the guest holds a handle to; `kind` is its WIT name (`output-stream`)."""

    kind: ClassVar[str] = "resource"
    type_id: ClassVar[int] = 0
    rep = 0  # set by ResourceTable.add

    def close(self) -> None:
        """Release what the object holds (called when the guest drops its last handle)."""

    def label(self) -> str:
        """How a trace shows it: `descriptor#4`."""
        return f"{self.kind}#{self.rep}"


class ResourceTable:
    """rep -> Resource for one run; reps start at 1 and are never reused within a run."""

    def __init__(self) -> None:
        self._items: dict[int, Resource] = {}
        self._next = 1

    def add(self, item: Resource) -> int:
        rep = self._next
        self._next += 1
        item.rep = rep
        self._items[rep] = item
        return rep

    def get(self, rep: int) -> Resource:
        return self._items[rep]

    def drop(self, rep: int) -> None:
        """The guest dropped the handle: forget the object and release what it holds."""
        item = self._items.pop(rep, None)
        if item is not None:
            item.close()

    def close_all(self) -> None:
        """Release every object still held (the run is over)."""
        items, self._items = self._items, {}
        for item in items.values():
            item.close()
