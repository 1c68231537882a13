"""Trap messages normalized across engines, so every runtime prints the same line for a trap."""

from __future__ import annotations

from wasitool import exitcodes

TRAP_EXIT_CODE = exitcodes.TRAP  # what a native program killed by SIGABRT reports; wasmtime's CLI does the same

# Engine wording (lower-cased, without "wasm trap: " prefixes) -> the line wasitool prints.
_CANONICAL = {
    "unreachable": "unreachable instruction executed",
    "wasm `unreachable` instruction executed": "unreachable instruction executed",
    "unreachable executed": "unreachable instruction executed",
    "heap_get_oob": "out of bounds memory access",
    "heap out of bounds": "out of bounds memory access",
    "memory out of bounds": "out of bounds memory access",
    "table out of bounds": "undefined element",
    "table_get_oob": "undefined element",
    "indirect call to null": "uninitialized element",
    "indirect call type mismatch": "indirect call type mismatch",
    "bad signature": "indirect call type mismatch",
    "heap misaligned": "misaligned memory access",
    "misaligned heap": "misaligned memory access",
    "undefined element: out of bounds table access": "undefined element",
    "memory out of bounds: data segment does not fit": "out of bounds memory access",
    "table out of bounds: elements segment does not fit": "undefined element",
    "integer division by zero": "integer divide by zero",
    "bad conversion to integer": "invalid conversion to integer",
    "stack overflow": "call stack exhausted",
    "all fuel consumed by webassembly": "out of fuel",
    "out of fuel": "out of fuel",
    "thrown wasm exception": "uncaught exception",
    "uncaught exception": "uncaught exception",
}


def canonical_trap(text: str) -> str:
    """Map one engine's trap description to wasitool's wording (spec test-suite names)."""
    key = text.strip().removeprefix("wasm trap: ").strip().lower()
    return _CANONICAL.get(key, key)


def trap_line(trap: str) -> str:
    """The one line printed on the guest's stderr when a run traps."""
    return f"wasitool: trap: {trap}\n"


def trap_from_stderr(stderr: bytes, exit_code: int) -> str | None:
    """The trap an external runtime reported: its stderr's last line if that is a wasitool trap line (as
    the runtimes' adapters rewrite them) and the exit status is a trap's, else None."""
    if exit_code != TRAP_EXIT_CODE:
        return None
    last = stderr.rstrip(b"\n").rpartition(b"\n")[2]
    prefix = b"wasitool: trap: "
    return last[len(prefix):].decode(errors="replace") if last.startswith(prefix) else None
