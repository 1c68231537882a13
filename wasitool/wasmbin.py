"""Just enough of the wasm binary format to list a module's imports, exports and function signatures.

Used where no engine should be loaded (splitting a CLI's printed `--invoke` results off its stdout,
checking what the built examples import) and by the engines to describe a module: wasmtime's C API
aborts the process when asked the kind of a v128 or typed-reference value type, so signatures are
read from the binary. Every value type encoding of the GC and function-references proposals is read
(rec groups, sub types, struct and array types, `(ref null? ht)`), so offsets stay right.
"""

from __future__ import annotations

from typing import NamedTuple

KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref",
            0x69: "exnref", 0x6E: "anyref", 0x6D: "eqref", 0x6C: "i31ref", 0x6B: "structref", 0x6A: "arrayref",
            0x71: "nullref", 0x72: "nullexternref", 0x73: "nullfuncref", 0x74: "nullexnref"}
_HEAP_TYPES = {0x70: "func", 0x6F: "extern", 0x69: "exn", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct",
               0x6A: "array", 0x71: "none", 0x72: "noextern", 0x73: "nofunc", 0x74: "noexn"}
_PACKED = {0x78: "i8", 0x77: "i16"}
_TYPE, _IMPORT, _FUNCTION, _EXPORT = 1, 2, 3, 7


class ModuleInterface(NamedTuple):
    """What a module imports and exports; `signature(export)` gives an exported function's types."""

    imports: list[tuple[str, str, str]]  # (module, name, kind)
    exports: dict[str, str]  # name -> kind
    types: list[tuple[list[str], list[str]] | None]  # (params, results) per type index; None: not a function
    functions: list[int]  # type index of every function, imported ones first
    export_index: dict[str, int]  # name -> index in its kind's index space

    def signature(self, export: str) -> tuple[list[str], list[str]] | None:
        """(param types, result types) of exported function `export`, or None if there is none."""
        if self.exports.get(export) != "func":
            return None
        return self.function_type(self.export_index[export])

    def function_type(self, index: int) -> tuple[list[str], list[str]] | None:
        """(param types, result types) of function `index` (imported functions first)."""
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

    def sleb(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result - (1 << shift) if b & 0x40 else result

    def limits(self) -> None:
        flags = self.uleb()
        self.uleb()
        if flags & 1:
            self.uleb()
        if flags & 8:  # custom page size
            self.uleb()

    def valtype(self) -> str:
        code = self.byte()
        if code in (0x63, 0x64):  # (ref null ht) / (ref ht)
            heap = self.sleb()
            name = _HEAP_TYPES.get(heap & 0x7F, "?") if heap < 0 else str(heap)
            return f"(ref {'null ' if code == 0x63 else ''}{name})"
        if code not in VALTYPES:
            raise ValueError(f"unknown value type 0x{code:02x}")
        return VALTYPES[code]

    def valtypes(self) -> list[str]:
        return [self.valtype() for _ in range(self.uleb())]

    def field(self) -> None:
        if self.data[self.pos] in _PACKED:
            self.pos += 1
        else:
            self.valtype()
        self.byte()  # mutability

    def composite(self) -> tuple[list[str], list[str]] | None:
        """One composite type: a function's (params, results), or None for struct and array types."""
        form = self.byte()
        if form == 0x60:
            return self.valtypes(), self.valtypes()
        if form == 0x5F:
            for _ in range(self.uleb()):
                self.field()
            return None
        if form == 0x5E:
            self.field()
            return None
        raise ValueError(f"unsupported type form 0x{form:02x}")

    def subtype(self) -> tuple[list[str], list[str]] | None:
        if self.data[self.pos] in (0x50, 0x4F):  # sub / sub final: supertypes, then the composite type
            self.pos += 1
            for _ in range(self.uleb()):
                self.uleb()
        return self.composite()


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
                    if data[r.pos] == 0x4E:  # a recursion group: several types, indexed in order
                        r.pos += 1
                        iface.types.extend(r.subtype() for _ in range(r.uleb()))
                    else:
                        iface.types.append(r.subtype())
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
        r.valtype()
        r.limits()
    elif kind == 2:
        r.limits()
    elif kind == 3:
        r.valtype()
        r.byte()
    elif kind == 4:
        r.byte()
        r.uleb()
    else:
        raise ValueError(f"unknown import kind {kind}")
