"""Just enough of the wasm binary format to list a module's imports, exports and export signatures.

Used where no engine should be loaded: splitting a CLI's printed `--invoke` results off its stdout
(how many results an export has) and checking what the built examples import.
"""

from __future__ import annotations

from typing import NamedTuple

KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}
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


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def name(self) -> str:
        n = self.uleb()
        text = self.data[self.pos : self.pos + n].decode("utf-8", "replace")
        self.pos += n
        return text

    def limits(self) -> None:
        flags = self.byte()
        self.uleb()
        if flags & 1:
            self.uleb()

    def valtypes(self) -> list[str]:
        return [VALTYPES.get(self.byte(), "?") for _ in range(self.uleb())]


def read_interface(data: bytes) -> ModuleInterface:
    """Parse the type, import, function and export sections; ValueError if `data` is not a module."""
    if data[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module (bad magic or version)")
    r = _Reader(data, 8)
    iface = ModuleInterface([], {}, [], [], {})
    try:
        while r.pos < len(data):
            section, size = r.byte(), r.uleb()
            end = r.pos + size
            if section == _TYPE:
                for _ in range(r.uleb()):
                    if r.byte() != 0x60:
                        raise ValueError("unsupported type form")
                    iface.types.append((r.valtypes(), r.valtypes()))
            elif section == _IMPORT:
                for _ in range(r.uleb()):
                    module, name, kind = r.name(), r.name(), r.byte()
                    _skip_import_desc(r, kind, iface.functions)
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


def _skip_import_desc(r: _Reader, kind: int, functions: list[int]) -> None:
    if kind == 0:
        functions.append(r.uleb())
    elif kind == 1:
        r.byte()
        r.limits()
    elif kind == 2:
        r.limits()
    elif kind == 3:
        r.byte()
        r.byte()
    else:
        r.byte()
        r.uleb()


SECTION_NAMES = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
                 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount", 13: "tag"}


class RawSection(NamedTuple):
    """One section of a module: its id, a name (`code`, or `custom:<name>` for custom sections) and bytes."""

    id: int
    name: str
    payload: bytes


def split_sections(data: bytes) -> list[RawSection]:
    """Every section of a module, in order; ValueError if `data` is not a whole module."""
    if data[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module (bad magic or version)")
    r = _Reader(data, 8)
    sections = []
    try:
        while r.pos < len(data):
            section_id, size = r.byte(), r.uleb()
            start, end = r.pos, r.pos + size
            if end > len(data):
                raise ValueError("truncated wasm module")
            name = SECTION_NAMES.get(section_id, f"unknown-{section_id}")
            if section_id == 0:
                name = f"custom:{r.name()}"
            sections.append(RawSection(section_id, name, data[start:end]))
            r.pos = end
    except IndexError:
        raise ValueError("truncated wasm module") from None
    return sections
