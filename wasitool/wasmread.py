"""The wasm binary format's primitives: a byte cursor with LEB128, float, name and type decoders, and the
value and heap type codes. Shared by the module reader (`wasmbin`), the instruction decoder (`wasmcode`)
and the component reader (`component.binary`)."""

from __future__ import annotations

import struct

VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref",
            0x69: "exnref"}
HEAPTYPES = {0x70: "func", 0x6F: "extern", 0x69: "exn", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct",
             0x6A: "array", 0x73: "nofunc", 0x72: "noextern", 0x71: "none", 0x74: "noexn"}
_MAX_LEB_BYTES = 10


class Reader:
    """A cursor over a byte string with the binary format's primitive decoders.

    Reading past the end raises IndexError; callers turn it into "truncated" ValueErrors.
    """

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos  # or a memoryview slice: it bounds a section without copying it

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uleb(self) -> int:
        value = self.data[self.pos]
        if value < 0x80:  # one byte: most LEB128 numbers in a module
            self.pos += 1
            return value
        return self._leb(signed=False)

    def sleb(self) -> int:
        return self._leb(signed=True)

    def _leb(self, signed: bool) -> int:
        result = shift = 0
        for _ in range(_MAX_LEB_BYTES):
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result - (1 << shift) if signed and b & 0x40 else result
        raise ValueError(f"malformed LEB128 integer at offset {self.pos:#x}")

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise IndexError("read past the end")
        chunk = bytes(self.data[self.pos : self.pos + n])  # no copy when `data` is bytes
        self.pos += n
        return chunk

    def f32(self) -> float:
        value: float = struct.unpack("<f", self.take(4))[0]
        return value

    def f64(self) -> float:
        value: float = struct.unpack("<d", self.take(8))[0]
        return value

    def name(self) -> str:
        return self.take(self.uleb()).decode("utf-8", "replace")

    def limits(self) -> tuple[int, int | None, int]:
        """(initial, maximum or None, flags): bit 0 has-max, bit 1 shared, bit 2 memory64."""
        flags = self.byte()
        initial = self.uleb()
        maximum = self.uleb() if flags & 1 else None
        return initial, maximum, flags

    def valtype(self) -> str:
        code = self.byte()
        if code in (0x63, 0x64):  # (ref null ht) / (ref ht)
            return f"(ref {'null ' if code == 0x63 else ''}{self.heaptype()})"
        return VALTYPES.get(code, f"type{code:#x}")

    def heaptype(self) -> str:
        code = self.data[self.pos]
        if code in HEAPTYPES:
            self.pos += 1
            return HEAPTYPES[code]
        return str(self.sleb())

    def valtypes(self) -> list[str]:
        return [self.valtype() for _ in range(self.uleb())]
