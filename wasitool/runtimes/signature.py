"""Just enough of the wasm binary format to learn an exported function's signature.

CLIs such as `wasmtime run --invoke` print an export's results after the guest's own stdout; knowing
how many results there are lets us split them off again.
"""

from __future__ import annotations

from pathlib import Path

_VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref",
             0x6F: "externref"}


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

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


def export_signature(module: Path, export: str) -> tuple[list[str], list[str]] | None:
    """(param types, result types) of exported function `export`, or None if absent or unparsable."""
    try:
        return _signature(Path(module).read_bytes(), export)
    except (OSError, IndexError, ValueError):
        return None


def _signature(data: bytes, export: str) -> tuple[list[str], list[str]] | None:
    if data[:4] != b"\0asm":
        return None
    r = _Reader(data, 8)
    types: list[tuple[list[str], list[str]]] = []
    funcs: list[int] = []  # type index of every function, imported ones first
    target: int | None = None
    while r.pos < len(data):
        sid, size = r.byte(), r.uleb()
        end = r.pos + size
        if sid == 1:
            for _ in range(r.uleb()):
                if r.byte() != 0x60:
                    return None
                params = [_VALTYPES.get(r.byte(), "?") for _ in range(r.uleb())]
                results = [_VALTYPES.get(r.byte(), "?") for _ in range(r.uleb())]
                types.append((params, results))
        elif sid == 2:
            for _ in range(r.uleb()):
                r.name(), r.name()
                kind = r.byte()
                if kind == 0:
                    funcs.append(r.uleb())
                elif kind == 1:
                    r.byte()
                    r.limits()
                elif kind == 2:
                    r.limits()
                elif kind == 3:
                    r.byte(), r.byte()
                else:
                    r.byte(), r.uleb()
        elif sid == 3:
            funcs.extend(r.uleb() for _ in range(r.uleb()))
        elif sid == 7:
            for _ in range(r.uleb()):
                name, kind, index = r.name(), r.byte(), r.uleb()
                if name == export and kind == 0:
                    target = index
        r.pos = end
    if target is None or target >= len(funcs) or funcs[target] >= len(types):
        return None
    return types[funcs[target]]
