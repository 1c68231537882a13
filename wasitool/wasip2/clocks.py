"""`wasi:clocks` 0.2: wall-clock and monotonic-clock (its pollables wait in `wasi:io/poll`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from wasitool.wasip2.io import Pollable

_NS = 1_000_000_000


def _resolution_ns(clock: int) -> int:
    return max(1, round(time.clock_getres(clock) * _NS))


def _wall_now() -> dict[str, int]:
    now = time.time_ns()
    return {"seconds": now // _NS, "nanoseconds": now % _NS}


def _wall_resolution() -> dict[str, int]:
    ns = _resolution_ns(time.CLOCK_REALTIME)
    return {"seconds": ns // _NS, "nanoseconds": ns % _NS}


def functions() -> dict[str, dict[str, Callable[..., Any]]]:
    """wasi:clocks's functions by interface."""
    return {
        "wasi:clocks/wall-clock": {"now": _wall_now, "resolution": _wall_resolution},
        "wasi:clocks/monotonic-clock": {
            "now": time.monotonic_ns,
            "resolution": lambda: _resolution_ns(time.CLOCK_MONOTONIC),
            "subscribe-instant": lambda when: Pollable(deadline=when),
            "subscribe-duration": lambda duration: Pollable(deadline=time.monotonic_ns() + duration),
        },
    }
