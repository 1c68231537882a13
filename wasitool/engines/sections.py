"""Section-level facts about a module binary, and the two rewrites the engines need.

Only section headers, the memory section and (when present) the start and export sections are decoded,
so `scan` costs microseconds even for large modules. A binary this reader cannot follow gets
`ModuleFacts(parsed=False)`: no rewrite is attempted and the engine's own validator reports the problem.

- `hoist_start`: drops the start section and exports the start function instead, so that an engine can
  hand the instance's memory to WASI before calling it (a start function calling `fd_write` sees the
  memory, as on the wasmtime CLI). The guest cannot tell: data and element segments are still
  initialised first and the start function still runs before anything else.
- `cap_memories`: lowers every defined 32-bit memory's maximum to a page count, so that `memory.grow`
  past it fails (returns -1) inside the engine: `--max-memory` for engines without a resource limiter.
"""

from __future__ import annotations

PAGE = 65536
_MEMORY, _EXPORT, _START = 5, 7, 8
_HAS_MAX, _SHARED, _MEMORY64 = 0x01, 0x02, 0x04


class Memory:
    """A memory defined by the module (imported ones are not WASI's business: they are refused)."""

    __slots__ = ("flags", "maximum", "minimum")

    def __init__(self, flags: int, minimum: int, maximum: int | None) -> None:
        self.flags = flags
        self.minimum = minimum  # pages
        self.maximum = maximum

    @property
    def shared(self) -> bool:
        return bool(self.flags & _SHARED)

    @property
    def is64(self) -> bool:
        return bool(self.flags & _MEMORY64)

    @property
    def plain(self) -> bool:
        """A non-shared 32-bit memory with 64 KiB pages: the only kind `cap_memories` rewrites."""
        return self.flags in (0, _HAS_MAX)


class ModuleFacts:
    """Where the sections are (`(id, header start, content start, end)`), the memories, the start function."""

    __slots__ = ("memories", "parsed", "sections", "start")

    def __init__(self, parsed: bool, sections: list[tuple[int, int, int, int]] | None = None,
                 memories: list[Memory] | None = None, start: int | None = None) -> None:
        self.parsed = parsed
        self.sections = sections or []
        self.memories = memories or []
        self.start = start  # function index of the start section, if any

    def section(self, section_id: int) -> tuple[int, int, int, int] | None:
        return next((s for s in self.sections if s[0] == section_id), None)


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def uleb(self, bits: int = 32) -> int:
        result = shift = 0
        while True:
            byte = self.data[self.pos]  # IndexError past the end: the caller gives up
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift >= bits + 7:
                raise ValueError("LEB128 too long")


def scan(data: bytes) -> ModuleFacts:
    """The section layout, defined memories and start function of a (header-checked) module."""
    reader = _Reader(data, 8)
    sections = []
    memories: list[Memory] = []
    start = None
    try:
        while reader.pos < len(data):
            header = reader.pos
            section_id = data[reader.pos]
            reader.pos += 1
            size = reader.uleb()
            content, end = reader.pos, reader.pos + size
            if end > len(data):
                return ModuleFacts(False)
            sections.append((section_id, header, content, end))
            if section_id == _MEMORY:
                memories = _memories(_Reader(data, content))
            elif section_id == _START:
                start = _Reader(data, content).uleb()
            reader.pos = end
    except (IndexError, ValueError):
        return ModuleFacts(False)
    return ModuleFacts(True, sections, memories, start)


def _memories(reader: _Reader) -> list[Memory]:
    memories = []
    for _ in range(reader.uleb()):
        flags = reader.uleb()
        bits = 64 if flags & _MEMORY64 else 32
        minimum = reader.uleb(bits)
        maximum = reader.uleb(bits) if flags & _HAS_MAX else None
        if flags & 0x08:  # custom page size (log2)
            reader.uleb()
        memories.append(Memory(flags, minimum, maximum))
    return memories


def _uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _section(section_id: int, content: bytes) -> bytes:
    return bytes([section_id]) + _uleb(len(content)) + content


def _name(text: str) -> bytes:
    raw = text.encode()
    return _uleb(len(raw)) + raw


def export_names(data: bytes, facts: ModuleFacts) -> list[str]:
    """Every export name (decoded only when needed: for a start section to hoist)."""
    found = facts.section(_EXPORT)
    if found is None:
        return []
    reader = _Reader(data, found[2])
    names = []
    for _ in range(reader.uleb()):
        length = reader.uleb()
        names.append(data[reader.pos : reader.pos + length].decode("utf-8", "replace"))
        reader.pos += length + 1  # the name, then the kind byte
        reader.uleb()  # index
    return names


def hoist_start(data: bytes, facts: ModuleFacts, name: str) -> tuple[bytes, str]:
    """`data` without its start section, exporting the start function as `name` (made unique);
    returns the new bytes and the export name used. `facts.start` must be set."""
    assert facts.start is not None and facts.parsed
    taken = set(export_names(data, facts))
    unique, n = name, 1
    while unique in taken:
        n += 1
        unique = f"{name}#{n}"
    entry = _name(unique) + b"\x00" + _uleb(facts.start)  # kind 0: function
    out = bytearray(data[:8])
    export = facts.section(_EXPORT)
    for section_id, header, content, end in facts.sections:
        if section_id == _START:
            if export is None:  # no export section: put one where the start section was (same order slot)
                out += _section(_EXPORT, _uleb(1) + entry)
            continue
        if section_id == _EXPORT:
            reader = _Reader(data, content)
            count = reader.uleb()
            out += _section(_EXPORT, _uleb(count + 1) + data[reader.pos : end] + entry)
            continue
        out += data[header:end]
    return bytes(out), unique


def cap_memories(data: bytes, facts: ModuleFacts, max_pages: int) -> bytes:
    """`data` with every plain defined memory's maximum lowered to `max_pages` (the minimum is left
    alone: the caller refuses a module whose minimum is already above the cap)."""
    found = facts.section(_MEMORY)
    if found is None or not facts.parsed:
        return data
    content = bytearray(_uleb(len(facts.memories)))
    for memory in facts.memories:
        if not memory.plain:
            return data
        maximum = max_pages if memory.maximum is None else min(memory.maximum, max_pages)
        content += bytes([_HAS_MAX]) + _uleb(memory.minimum) + _uleb(maximum)
    _, header, _, end = found
    return data[:header] + _section(_MEMORY, bytes(content)) + data[end:]
