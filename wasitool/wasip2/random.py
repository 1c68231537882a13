"""`wasi:random` 0.2: random, insecure and insecure-seed, all from the host's CSPRNG (`os.urandom`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

MAX_BYTES = 64 << 20  # one call's most bytes; a guest asking for more traps (as a bounded host must)


def _bytes(length: int) -> bytes:
    if length > MAX_BYTES:
        from wasitool.wasip2.io import GuestTrap

        raise GuestTrap(f"get-random-bytes: {length} bytes asked, at most {MAX_BYTES} per call")
    return os.urandom(length)


def _u64() -> int:
    return int.from_bytes(os.urandom(8), "little")


def functions() -> dict[str, dict[str, Callable[..., Any]]]:
    """wasi:random's functions by interface."""
    return {
        "wasi:random/random": {"get-random-bytes": _bytes, "get-random-u64": _u64},
        "wasi:random/insecure": {"get-insecure-random-bytes": _bytes, "get-insecure-random-u64": _u64},
        "wasi:random/insecure-seed": {"insecure-seed": lambda: (_u64(), _u64())},
    }
