"""The wasm binary format, read without an engine: a module's interface, and its whole structure.

- `read_interface(data)`: only types, imports, exports (fast; used to split a CLI's printed
  `--invoke` results off its stdout and to check what the built examples import);
- `parse_module(data)`: every section (types, imports, functions, tables, memories, globals,
  exports, start, elements, code bodies, data segments) and the custom `name` and
  `target_features` sections, for `wasitool inspect`. Code bodies are kept as byte ranges;
  `wasitool.wasmcode` decodes their instructions.

Both raise `ValueError` (one line, naming the problem) for anything that is not a well-formed module.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, cast, overload

from wasitool.wasmread import Reader

KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
SECTION_NAMES = {0: "Custom", 1: "Type", 2: "Import", 3: "Function", 4: "Table", 5: "Memory", 6: "Global",
                 7: "Export", 8: "Start", 9: "Elem", 10: "Code", 11: "Data", 12: "DataCount", 13: "Tag"}
_TYPE, _IMPORT, _FUNCTION, _EXPORT = 1, 2, 3, 7


class ModuleInterface(NamedTuple):
    """What a module imports and exports; `signature(export)` gives an exported function's types."""

    imports: list[tuple[str, str, str]]  # (module, name, kind)
    exports: dict[str, str]  # name -> kind
    types: list[tuple[list[str], list[str]]]  # (params, results) per type index
    functions: list[int]  # type index of every function, imported ones first
    export_index: dict[str, int]  # name -> index in its kind's index space

    def signature(self, export: str) -> tuple[list[str], list[str]] | None:
        """(param types, result types) of exported function `export`, or None if there is none."""
        if self.exports.get(export) != "func":
            return None
        index = self.export_index[export]
        if index >= len(self.functions) or self.functions[index] >= len(self.types):
            return None
        return self.types[self.functions[index]]


def read_interface(data: bytes) -> ModuleInterface:
    """Parse the type, import, function and export sections; ValueError if `data` is not a module."""
    if data[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module (bad magic or version)")
    r = Reader(data, 8)
    iface = ModuleInterface([], {}, [], [], {})
    try:
        while r.pos < len(data):
            section, size = r.byte(), r.uleb()
            end = r.pos + size
            if section == _TYPE:
                iface.types.extend(_functype(r) for _ in range(r.uleb()))
            elif section == _IMPORT:
                for _ in range(r.uleb()):
                    module, name, kind = r.name(), r.name(), r.byte()
                    desc = _import_desc(r, kind)
                    if kind == 0:
                        iface.functions.append(int(desc))
                    iface.imports.append((module, name, KINDS.get(kind, "?")))
            elif section == _FUNCTION:
                iface.functions.extend(r.uleb() for _ in range(r.uleb()))
            elif section == _EXPORT:
                for _ in range(r.uleb()):
                    name, kind, index = r.name(), r.byte(), r.uleb()
                    iface.exports[name] = KINDS.get(kind, "?")
                    iface.export_index[name] = index
            r.pos = end
    except IndexError:
        raise ValueError("truncated wasm module") from None
    return iface


def _functype(r: Reader) -> tuple[list[str], list[str]]:
    form = r.byte()
    if form == 0x4E:  # rec group (GC): only plain function types are understood
        raise ValueError("unsupported type form (GC rec group)")
    if form != 0x60:
        raise ValueError(f"unsupported type form {form:#x}")
    return r.valtypes(), r.valtypes()


def _import_desc(r: Reader, kind: int) -> int | str:
    """The type index of a function import; a short text for the others."""
    if kind == 0:
        return r.uleb()
    if kind == 1:
        reftype = r.valtype()
        return f"{reftype} {_limits_text(*r.limits())}"
    if kind == 2:
        return _limits_text(*r.limits())
    if kind == 3:
        valtype = r.valtype()
        return f"{valtype}{' mutable' if r.byte() & 1 else ''}"
    if kind == 4:
        r.byte()
        return f"type {r.uleb()}"
    raise ValueError(f"unknown import kind {kind:#x}")


def _limits_text(initial: int, maximum: int | None, flags: int) -> str:
    text = f"initial={initial}" + (f" max={maximum}" if maximum is not None else "")
    return text + (" shared" if flags & 2 else "") + (" i64" if flags & 4 else "")


# -- the whole module ----------------------------------------------------------------------------------

class Import(NamedTuple):
    module: str
    name: str
    kind: str  # func, table, memory, global, tag
    desc: int | str  # type index for functions; limits / type text otherwise


@dataclass(frozen=True)
class Export:
    name: str
    kind: str
    index: int


@dataclass(frozen=True, slots=True)
class Section:
    id: int
    name: str  # "Type", "Code", ... or a custom section's own name
    start: int  # offset of the section's contents in the file
    size: int
    count: int | None  # number of entries, for vector sections


class Sections(Sequence[Section]):
    """Every section of a module in file order, kept as parallel arrays (id, content start, size) over the
    module's bytes: about 9 bytes a section, so a million empty custom sections cost 9 MB, not a Python
    object each. A `Section` (a custom section's name decoded) is made only for the rows asked for."""

    def __init__(self, data: bytes = b"") -> None:
        self._data = data
        offset = "I" if len(data) < 1 << 32 else "Q"
        self.ids = array("B")
        self.starts = array(offset)
        self.sizes = array(offset)
        self.counts: dict[int, int] = {}  # row -> entry count, for vector sections

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Section: ...
    @overload
    def __getitem__(self, index: slice) -> list[Section]: ...
    def __getitem__(self, index: int | slice) -> Section | list[Section]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self.ids)))]
        return self._row(range(len(self.ids))[index])

    def __iter__(self) -> Iterator[Section]:
        return (self._row(i) for i in range(len(self.ids)))

    def _row(self, i: int) -> Section:
        section_id, start = self.ids[i], self.starts[i]
        name = Reader(self._data, start).name() if section_id == 0 else SECTION_NAMES[section_id]
        return Section(section_id, name, start, self.sizes[i], self.counts.get(i))


class MemoryType(NamedTuple):
    initial: int  # pages
    maximum: int | None
    flags: int
    imported: bool


class Global(NamedTuple):
    valtype: str
    mutable: bool
    init: str  # the constant expression as text ("i32.const 1024"), "" if imported
    value: int | float | None  # its value when it is a plain constant
    imported: bool


class DataSegment(NamedTuple):
    mode: str  # "active" or "passive"
    memory: int
    offset: int | None  # address in linear memory when it is a constant
    offset_expr: str
    data_start: int  # offset of the bytes in the file
    size: int


class Body(NamedTuple):
    start: int  # offset of the body (after its size) in the file
    end: int
    locals: tuple[tuple[int, str], ...]  # (count, type) runs
    code_start: int  # first instruction


class Bodies(Sequence[Body]):
    """The code bodies, kept as parallel arrays of offsets (12 bytes a function): a 10 MB module of
    millions of tiny functions stays within a few times its size. A `Body` (its locals decoded again
    from the bytes) is made only for the functions asked for."""

    def __init__(self, data: bytes = b"") -> None:
        self._data = data
        offset = "I" if len(data) < 1 << 32 else "Q"
        self.starts, self.ends, self.code_starts = array(offset), array(offset), array(offset)

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> Body: ...
    @overload
    def __getitem__(self, index: slice) -> list[Body]: ...
    def __getitem__(self, index: int | slice) -> Body | list[Body]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self.starts)))]
        return self._row(range(len(self.starts))[index])

    def __iter__(self) -> Iterator[Body]:
        return (self._row(i) for i in range(len(self.starts)))

    def _row(self, i: int) -> Body:
        r = Reader(self._data, self.starts[i])
        runs = tuple((r.uleb(), r.valtype()) for _ in range(r.uleb()))
        return Body(self.starts[i], self.ends[i], runs, self.code_starts[i])


@dataclass
class Names:
    """The custom `name` section: what the producer called things (empty when stripped)."""

    module: str | None = None
    functions: dict[int, str] = field(default_factory=dict)
    locals: dict[int, dict[int, str]] = field(default_factory=dict)
    globals: dict[int, str] = field(default_factory=dict)
    data: dict[int, str] = field(default_factory=dict)


@dataclass
class Module:
    """Everything `parse_module` read; function indices count imported functions first."""

    data: bytes
    sections: Sections = field(default_factory=Sections)
    types: list[tuple[list[str], list[str]]] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    func_types: list[int] = field(default_factory=list)
    num_imported_funcs: int = 0
    tables: list[str] = field(default_factory=list)
    memories: list[MemoryType] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    table_funcs: list[int] = field(default_factory=list)  # functions named by element segments
    bodies: Bodies = field(default_factory=Bodies)
    data_segments: list[DataSegment] = field(default_factory=list)
    names: Names = field(default_factory=Names)
    target_features: list[str] = field(default_factory=list)
    _func_imports: list[Import] = field(default_factory=list, repr=False)

    def func_type(self, index: int) -> tuple[list[str], list[str]] | None:
        """(params, results) of function `index`, or None if out of range."""
        if 0 <= index < len(self.func_types) and self.func_types[index] < len(self.types):
            return self.types[self.func_types[index]]
        return None

    def func_import(self, index: int) -> Import | None:
        """The import behind function `index`, or None for a function defined in the module."""
        if not 0 <= index < self.num_imported_funcs:
            return None
        if len(self._func_imports) != self.num_imported_funcs:
            self._func_imports = [imp for imp in self.imports if imp.kind == "func"]
        return self._func_imports[index]

    def body(self, index: int) -> Body | None:
        """The code of function `index` (None for imports and out-of-range indices)."""
        local = index - self.num_imported_funcs
        return self.bodies[local] if 0 <= local < len(self.bodies) else None

    def exports_of(self, kind: str, index: int) -> list[str]:
        return [e.name for e in self.exports if e.kind == kind and e.index == index]

    def segment_bytes(self, segment: DataSegment) -> bytes:
        return self.data[segment.data_start : segment.data_start + segment.size]


def format_functype(types: tuple[list[str], list[str]] | None) -> str:
    """`(i32, i64) -> i32`, as wasm-objdump writes it (`nil` for no results)."""
    if types is None:
        return "?"
    params, results = types
    result = results[0] if len(results) == 1 else f"({', '.join(results)})" if results else "nil"
    return f"({', '.join(params)}) -> {result}"


def parse_module(data: bytes) -> Module:
    """Read every section of `data`; ValueError naming the problem if it is not a well-formed module.

    Costs a few bytecodes per custom section: only the `name` and `target_features` ones are read
    (the others are listed by offset), so a million empty custom sections parse in about a second."""
    if data[:4] != b"\0asm":
        raise ValueError("not a wasm module (no \\0asm magic)")
    if data[4:8] != b"\x01\0\0\0":
        raise ValueError("unsupported wasm binary version (only version 1 modules are read)")
    sections = Sections(data)
    module = Module(data, sections, bodies=Bodies(data))
    ids, starts, sizes = sections.ids.append, sections.starts.append, sections.sizes.append
    total = len(data)
    r = Reader(data, 8)
    view = memoryview(data)  # each section's reader ends at the section's end: O(1), not a copy
    pos = 8
    try:
        while pos < total:
            section_id, size = data[pos], data[pos + 1]
            start = pos + 2
            if size >= 0x80:
                r.pos = pos + 1
                size = r.uleb()
                start = r.pos
            end = start + size
            if end > total:
                raise ValueError(f"{SECTION_NAMES.get(section_id, 'unknown')} section at {start:#x} runs past "
                                 "the end of the file")
            if section_id == 0:
                _check_custom_name(data, start, end)
                if data.startswith(_NAME_SECTION, start) or data.startswith(_FEATURES_SECTION, start):
                    section = Reader(cast(bytes, view[:end]), start)
                    _read_custom(module, section.name(), section)
            else:
                count = _read_section(module, section_id, Reader(cast(bytes, view[:end]), start))
                if count is not None:
                    sections.counts[len(sections.ids)] = count
            ids(section_id)
            starts(start)
            sizes(size)
            pos = end
    except IndexError:
        raise ValueError("truncated wasm module") from None
    if len(module.bodies) != len(module.func_types) - module.num_imported_funcs:
        raise ValueError("function and code sections disagree on the number of functions")
    return module


_NAME_SECTION, _FEATURES_SECTION = b"\x04name", b"\x0ftarget_features"


def _check_custom_name(data: bytes, start: int, end: int) -> None:
    """IndexError (a truncated module) unless the custom section at `start` holds its whole name."""
    if start >= end:
        raise IndexError("custom section without a name")
    length = data[start]
    name_start = start + 1
    if length >= 0x80:
        r = Reader(data, start)
        length = r.uleb()
        name_start = r.pos
    if name_start + length > end:
        raise IndexError("custom section name runs past the section")


def _read_section(m: Module, section_id: int, r: Reader) -> int | None:
    """Fill `m` from one (non-custom) section; returns its entry count."""
    if section_id not in SECTION_NAMES:
        raise ValueError(f"unknown section id {section_id}")
    if section_id == 8:
        m.start = r.uleb()
        return None
    if section_id == 12:
        return r.uleb()
    count = r.uleb()
    if section_id == 3:
        _read_functions(m, r, count)
    elif section_id == 10:
        _read_code(m, r, count)
    else:
        read_one = _SECTION_READERS[section_id]
        for i in range(count):
            read_one(m, r, i)
    return count


def _read_type(m: Module, r: Reader, _i: int) -> None:
    m.types.append(_functype(r))


def _read_import(m: Module, r: Reader, _i: int) -> None:
    module, name, kind = r.name(), r.name(), r.byte()
    if kind == 2:
        initial, maximum, flags = r.limits()
        m.memories.append(MemoryType(initial, maximum, flags, imported=True))
        desc: int | str = _limits_text(initial, maximum, flags)
    elif kind == 3:
        valtype, mutable = r.valtype(), bool(r.byte() & 1)
        m.globals.append(Global(valtype, mutable, "", None, imported=True))
        desc = f"{valtype}{' mutable' if mutable else ''}"
    else:
        desc = _import_desc(r, kind)
    if kind == 0:
        m.func_types.append(int(desc))
        m.num_imported_funcs += 1
    elif kind == 1:
        m.tables.append(str(desc))
    m.imports.append(Import(module, name, KINDS.get(kind, "?"), desc))


def _read_functions(m: Module, r: Reader, count: int) -> None:
    """The function section's type indices; when all are one byte (below 128), one slice."""
    chunk = bytes(r.data[r.pos : r.pos + count])
    if len(chunk) == count and chunk.isascii():
        m.func_types.extend(chunk)
        r.pos += count
    else:
        m.func_types.extend(r.uleb() for _ in range(count))


def _read_table(m: Module, r: Reader, _i: int) -> None:
    if r.data[r.pos] == 0x40:  # table with an initialiser expression
        r.byte()
        r.byte()
        m.tables.append(f"{r.valtype()} {_limits_text(*r.limits())}")
        const_expr(r)
        return
    m.tables.append(f"{r.valtype()} {_limits_text(*r.limits())}")


def _read_memory(m: Module, r: Reader, _i: int) -> None:
    initial, maximum, flags = r.limits()
    m.memories.append(MemoryType(initial, maximum, flags, imported=False))


def _read_global(m: Module, r: Reader, _i: int) -> None:
    valtype, mutable = r.valtype(), bool(r.byte() & 1)
    text, value = const_expr(r)
    m.globals.append(Global(valtype, mutable, text, value, imported=False))


def _read_export(m: Module, r: Reader, _i: int) -> None:
    name, kind, index = r.name(), r.byte(), r.uleb()
    m.exports.append(Export(name, KINDS.get(kind, "?"), index))


def _read_elem(m: Module, r: Reader, _i: int) -> None:
    flags = r.uleb()
    if flags > 7:
        raise ValueError(f"unknown element segment flags {flags}")
    if flags & 3 == 2:
        r.uleb()  # table index
    if not flags & 1:
        const_expr(r)  # offset (active segments)
    if flags & 3:
        r.byte() if not flags & 4 else r.valtype()  # elemkind / reftype
    for _ in range(r.uleb()):
        if flags & 4:
            text, value = const_expr(r)
            if text.startswith("ref.func") and isinstance(value, int):
                m.table_funcs.append(value)
        else:
            m.table_funcs.append(r.uleb())


def _read_code(m: Module, r: Reader, count: int) -> None:
    """The code section: each body's offsets, its locals checked (at most 50,000)."""
    bodies = m.bodies
    starts, ends, code_starts = bodies.starts.append, bodies.ends.append, bodies.code_starts.append
    limit = len(r.data)
    for _ in range(count):
        size = r.uleb()
        start = r.pos
        end = start + size
        if end > limit:
            raise ValueError(f"function body at {start:#x} runs past its section")
        runs = r.uleb()
        if runs:
            total = 0
            for _ in range(runs):
                total += r.uleb()
                r.valtype()
                if total > 50000:
                    raise ValueError(f"function body at {start:#x} declares too many locals")
        starts(start)
        ends(end)
        code_starts(r.pos)
        r.pos = end


def _read_data(m: Module, r: Reader, _i: int) -> None:
    flags = r.uleb()
    memory, mode = 0, "active"
    if flags == 1:
        mode, text, offset = "passive", "", None
    elif flags in (0, 2):
        memory = r.uleb() if flags == 2 else 0
        text, value = const_expr(r)
        offset = value if isinstance(value, int) else None
    else:
        raise ValueError(f"unknown data segment flags {flags}")
    size = r.uleb()
    start = r.pos
    r.take(size)
    m.data_segments.append(DataSegment(mode, memory, offset, text, start, size))


def _read_tag(m: Module, r: Reader, _i: int) -> None:
    r.byte()
    r.uleb()


_SECTION_READERS = {1: _read_type, 2: _read_import, 4: _read_table, 5: _read_memory, 6: _read_global,
                    7: _read_export, 9: _read_elem, 11: _read_data, 13: _read_tag}


def const_expr(r: Reader) -> tuple[str, int | float | None]:
    """A constant expression up to its `end`: (text, value if it is a single constant or ref.func)."""
    from wasitool.wasmcode import decode_const_expr  # the instruction tables, only when a module has globals

    return decode_const_expr(r)


def _read_custom(m: Module, name: str, r: Reader) -> None:
    """The `name` and `target_features` sections; other custom sections are only listed."""
    try:
        if name == "name":
            _read_names(m.names, r)
        elif name == "target_features":
            for _ in range(r.uleb()):
                prefix = chr(r.byte())
                feature = r.name()
                if prefix == "+":
                    m.target_features.append(feature)
    except (IndexError, ValueError):
        pass  # a damaged custom section is ignored, as engines do


def _read_names(names: Names, r: Reader) -> None:
    end = len(r.data)
    while r.pos < end:
        sub, size = r.byte(), r.uleb()
        sub_end = r.pos + size
        if sub == 0:
            names.module = r.name()
        elif sub in (1, 7, 9):
            target = {1: names.functions, 7: names.globals, 9: names.data}[sub]
            for _ in range(r.uleb()):
                index = r.uleb()
                target[index] = r.name()
        elif sub == 2:
            for _ in range(r.uleb()):
                func = r.uleb()
                names.locals[func] = {r.uleb(): r.name() for _ in range(r.uleb())}
        r.pos = sub_end


DEBUG_SECTION_PREFIXES = (".debug", "external_debug_info", "sourceMappingURL")


def strip_debug_sections(data: bytes) -> bytes:
    """`data` without its DWARF custom sections (`.debug_*`) and debug-info links; every other section,
    the `name` section included, is kept byte for byte. ValueError if `data` is not a module."""
    if data[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module (bad magic or version)")
    r = Reader(data, 8)
    kept = [data[:8]]
    try:
        while r.pos < len(data):
            start = r.pos
            section_id, size = r.byte(), r.uleb()
            end = r.pos + size
            if end > len(data):
                raise ValueError("truncated wasm module")
            if section_id != 0 or not r.name().startswith(DEBUG_SECTION_PREFIXES):
                kept.append(data[start:end])
            r.pos = end
    except IndexError:
        raise ValueError("truncated wasm module") from None
    return b"".join(kept)


class RawSection(NamedTuple):
    """One section of a module: its id, a name (`code`, or `custom:<name>` for custom sections) and bytes."""

    id: int
    name: str
    payload: bytes


def split_sections(data: bytes) -> list[RawSection]:
    """Every section of a module in order, with its bytes (for comparing two builds section by section);
    ValueError if `data` is not a whole module."""
    if data[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module (bad magic or version)")
    r = Reader(data, 8)
    sections = []
    try:
        while r.pos < len(data):
            section_id, size = r.byte(), r.uleb()
            start, end = r.pos, r.pos + size
            if end > len(data):
                raise ValueError("truncated wasm module")
            name = SECTION_NAMES.get(section_id, f"unknown-{section_id}").lower()
            if section_id == 0:
                name = f"custom:{r.name()}"
            sections.append(RawSection(section_id, name, data[start:end]))
            r.pos = end
    except IndexError:
        raise ValueError("truncated wasm module") from None
    return sections
