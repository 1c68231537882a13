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
  `cap_tables` does the same for the defined tables' element counts.

`interface` reads the imports and exports with their function signatures, which is how the engines
describe a module: wasmtime's C API aborts the process when asked the kind of a v128 or typed-reference
value type. Every type encoding of the GC and function-references proposals is read (rec groups, sub,
struct and array types, `(ref null? ht)`) so that offsets stay right. (`wasitool.wasmbin` reads more,
but imports `dataclasses`, which costs start-up time.)
"""

from __future__ import annotations

PAGE = 65536
_TYPE, _IMPORT, _FUNCTION, _TABLE, _MEMORY, _EXPORT, _START = 1, 2, 3, 4, 5, 7, 8
_HAS_MAX, _SHARED, _MEMORY64 = 0x01, 0x02, 0x04
KINDS = {0: "function", 1: "table", 2: "memory", 3: "global", 4: "tag"}
VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref",
            0x69: "exnref", 0x6E: "anyref", 0x6D: "eqref", 0x6C: "i31ref", 0x6B: "structref", 0x6A: "arrayref",
            0x71: "nullref", 0x72: "nullexternref", 0x73: "nullfuncref", 0x74: "nullexnref"}
_HEAP_TYPES = {0x70: "func", 0x6F: "extern", 0x69: "exn", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct",
               0x6A: "array", 0x71: "none", 0x72: "noextern", 0x73: "nofunc", 0x74: "noexn"}
_PACKED = (0x78, 0x77)  # i8, i16 fields
Signature = tuple[tuple[str, ...], tuple[str, ...]]  # (params, results)


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

    def sleb(self) -> int:
        result = shift = 0
        while True:
            byte = self.data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result - (1 << shift) if byte & 0x40 else result
            if shift > 70:
                raise ValueError("LEB128 too long")

    def name(self) -> str:
        length = self.uleb()
        if self.pos + length > len(self.data):
            raise IndexError("name past the end")
        self.pos += length
        return self.data[self.pos - length : self.pos].decode("utf-8", "replace")

    def valtype(self) -> str:
        code = self.data[self.pos]
        self.pos += 1
        if code in (0x63, 0x64):  # (ref null ht) / (ref ht)
            heap = self.sleb()
            name = _HEAP_TYPES.get(heap & 0x7F, "?") if heap < 0 else str(heap)
            return f"(ref {'null ' if code == 0x63 else ''}{name})"
        if code not in VALTYPES:
            raise ValueError(f"unknown value type 0x{code:02x}")
        return VALTYPES[code]

    def valtypes(self) -> tuple[str, ...]:
        return tuple(self.valtype() for _ in range(self.uleb()))

    def field(self) -> None:
        if self.data[self.pos] in _PACKED:
            self.pos += 1
        else:
            self.valtype()
        self.pos += 1  # mutability

    def subtype(self) -> Signature | None:
        """One (sub)type: a function's signature, or None for struct and array types."""
        if self.data[self.pos] in (0x50, 0x4F):  # sub / sub final: supertypes, then the composite type
            self.pos += 1
            for _ in range(self.uleb()):
                self.uleb()
        form = self.data[self.pos]
        self.pos += 1
        if form == 0x60:
            return self.valtypes(), self.valtypes()
        if form == 0x5F:
            for _ in range(self.uleb()):
                self.field()
            return None
        if form == 0x5E:
            self.field()
            return None
        raise ValueError(f"unknown type form 0x{form:02x}")

    def limits(self) -> None:
        flags = self.uleb()
        self.uleb(64)
        if flags & _HAS_MAX:
            self.uleb(64)
        if flags & 0x08:  # custom page size
            self.uleb()


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


def cap_tables(data: bytes, facts: ModuleFacts, max_elements: int) -> tuple[bytes, int]:
    """(`data` with every defined table's maximum lowered to `max_elements`, the largest initial size).

    Only MVP table types (funcref/externref, 32-bit limits) are rewritten; anything else is left as it
    is (an engine that reads it has its own limiter). A minimum above the cap is kept: the caller
    refuses the module by the returned initial size."""
    found = facts.section(_TABLE)
    if found is None or not facts.parsed:
        return data, 0
    _, header, content_start, end = found
    reader = _Reader(data, content_start)
    content = bytearray()
    largest = 0
    try:
        count = reader.uleb()
        content += _uleb(count)
        for _ in range(count):
            reftype, flags = data[reader.pos], data[reader.pos + 1]
            if reftype not in (0x70, 0x6F) or flags not in (0, _HAS_MAX):
                return data, 0
            reader.pos += 2
            minimum = reader.uleb()
            declared = reader.uleb() if flags & _HAS_MAX else None
            largest = max(largest, minimum)
            maximum = max_elements if declared is None else min(declared, max_elements)
            content += bytes([reftype, _HAS_MAX]) + _uleb(minimum) + _uleb(max(minimum, maximum))
    except (IndexError, ValueError):
        return data, 0
    if reader.pos != end:
        return data, 0
    return data[:header] + _section(_TABLE, bytes(content)) + data[end:], largest


def interface(data: bytes, facts: ModuleFacts) -> tuple[list[tuple[str, str, str, Signature | None]],
                                                       dict[str, tuple[str, Signature | None]]] | None:
    """Imports `(module, name, kind, signature)` and exports `{name: (kind, signature)}` (kinds as in
    KINDS; signatures for functions only); None if the binary uses an encoding this reader does not know."""
    if not facts.parsed:
        return None
    try:
        types: list[Signature | None] = []
        functions: list[int] = []  # type index per function, imported ones first
        imports: list[tuple[str, str, str, int | None]] = []
        exports: list[tuple[str, str, int]] = []
        for section_id, _, content, _ in facts.sections:
            reader = _Reader(data, content)
            if section_id == _TYPE:
                for _ in range(reader.uleb()):
                    if data[reader.pos] == 0x4E:  # a recursion group: its types are indexed in order
                        reader.pos += 1
                        types.extend(reader.subtype() for _ in range(reader.uleb()))
                    else:
                        types.append(reader.subtype())
            elif section_id == _IMPORT:
                for _ in range(reader.uleb()):
                    module, name, kind = reader.name(), reader.name(), reader.uleb()
                    type_index = _import_desc(reader, kind)
                    if type_index is not None:
                        functions.append(type_index)
                    imports.append((module, name, KINDS.get(kind, "?"), type_index))
            elif section_id == _FUNCTION:
                functions.extend(reader.uleb() for _ in range(reader.uleb()))
            elif section_id == _EXPORT:
                for _ in range(reader.uleb()):
                    name, kind, index = reader.name(), reader.uleb(), reader.uleb()
                    exports.append((name, KINDS.get(kind, "?"), index))
    except (IndexError, ValueError):
        return None

    def signature(type_index: int) -> Signature | None:
        return types[type_index] if type_index < len(types) else None

    def function(index: int) -> Signature | None:
        return signature(functions[index]) if index < len(functions) else None

    return ([(m, n, k, signature(t) if t is not None else None) for m, n, k, t in imports],
            {name: (kind, function(index) if kind == "function" else None) for name, kind, index in exports})


def _import_desc(reader: _Reader, kind: int) -> int | None:
    """Skip one import description; a function's type index."""
    if kind == 0:
        return reader.uleb()
    if kind == 1:
        reader.valtype()
        reader.limits()
    elif kind == 2:
        reader.limits()
    elif kind == 3:
        reader.valtype()
        reader.pos += 1
    elif kind == 4:
        reader.pos += 1
        reader.uleb()
    else:
        raise ValueError(f"unknown import kind {kind}")
    return None
