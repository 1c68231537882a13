"""A minimal reader of a wasm binary's import and export sections (enough for the build tests)."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}


@dataclass(frozen=True)
class ModuleInterface:
    imports: list[tuple[str, str, str]]  # (module, name, kind)
    exports: dict[str, str]  # name -> kind


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def u32(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def name(self) -> str:
        n = self.u32()
        text = self.data[self.pos : self.pos + n].decode("utf-8")
        self.pos += n
        return text

    def limits(self) -> None:
        flags = self.byte()
        self.u32()
        if flags & 1:
            self.u32()


def interface(data: bytes) -> ModuleInterface:
    """Imports and exports of the module `data`."""
    if data[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module (bad magic or version)")
    reader = _Reader(data, 8)
    imports: list[tuple[str, str, str]] = []
    exports: dict[str, str] = {}
    while reader.pos < len(data):
        section, size = reader.byte(), reader.u32()
        end = reader.pos + size
        if section == 2:
            for _ in range(reader.u32()):
                module, name, kind = reader.name(), reader.name(), reader.byte()
                if kind == 0:
                    reader.u32()
                elif kind == 1:
                    reader.byte()
                    reader.limits()
                elif kind == 2:
                    reader.limits()
                elif kind == 3:
                    reader.byte()
                    reader.byte()
                elif kind == 4:
                    reader.byte()
                    reader.u32()
                imports.append((module, name, KINDS[kind]))
        elif section == 7:
            for _ in range(reader.u32()):
                name, kind = reader.name(), reader.byte()
                reader.u32()
                exports[name] = KINDS[kind]
        reader.pos = end
    return ModuleInterface(imports, exports)
