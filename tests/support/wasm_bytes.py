"""Hand-assembled wasm bytes for tests that need modules no text parser writes (hostile shapes)."""

from __future__ import annotations

HEADER = b"\0asm\1\0\0\0"


def uleb(n: int) -> bytes:
    """`n` as an unsigned LEB128."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def section(section_id: int, content: bytes) -> bytes:
    """One section: its id, its size as a LEB128, its content."""
    return bytes([section_id]) + uleb(len(content)) + content
