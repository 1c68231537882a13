"""Limits on a guest run (time, fuel, memory) and the exit statuses of a run the host ended.

Exit statuses (`wasitool run`, and `wasitool check` for every runtime):

| status | meaning |
|---|---|
| the guest's | `proc_exit(code)`, or 0 when `_start` returns |
| 134 | a wasm trap, including running out of `--fuel` (as the wasmtime CLI reports both) |
| 124 | `--timeout` expired (coreutils `timeout`; the wasmtime CLI reports its `-W timeout` as a trap: 134) |
| 130 | interrupted (SIGINT, Ctrl-C) |

`--max-memory` makes `memory.grow` past the limit fail (return -1) as the wasmtime CLI's
`-W max-memory-size` does; a module whose initial memory is already larger is refused in one line.
Tables count against the same number of bytes at `TABLE_ELEMENT_BYTES` per element (`table.grow`
past it returns -1).

Out-of-range limits saturate rather than wrap or overflow a platform type: a time limit above
`MAX_TIMEOUT` is that long, fuel above 2^64-1 is 2^64-1 (wasmtime's counter), a memory limit above
4 GiB (the most a 32-bit memory can address) is 4 GiB. Zero, negative and NaN limits are refused.
"""

from __future__ import annotations

from wasitool import exitcodes
from wasitool.errors import WasiError

TIMEOUT_EXIT = exitcodes.TIMEOUT
INTERRUPT_EXIT = exitcodes.INTERRUPTED
DEFAULT_CHECK_TIMEOUT = 60.0  # seconds, per run in `wasitool check` ($WASITOOL_TIMEOUT overrides)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
MAX_TIMEOUT = 1e9  # seconds (~31 years): fits every platform's time_t and select() timeout
MAX_FUEL = (1 << 64) - 1  # wasmtime's fuel counter is a u64
MAX_MEMORY = 1 << 32  # bytes: a 32-bit memory's whole address space (64-bit memories are refused)
TABLE_ELEMENT_BYTES = 8  # what wasmtime stores per table element; tables are bounded by max_memory too


class Limits:
    """What a run may use: wall-clock seconds, fuel units (wasmtime), linear-memory bytes (None: no limit),
    and whether Ctrl-C must be able to stop a guest spinning in wasm code (`interruptible`: the CLI
    asks for it; on wasmer it costs a fork per run, and host functions then run in the child process).

    `exit_on_interrupt`: Ctrl-C may end the whole process at once (one line, exit 130) instead of stopping
    the guest and returning here, as for a plain `wasitool run` that keeps no state of its own (no trace,
    no recording). Without a time limit, wasmtime then runs code compiled without epoch checks, 10-25%
    faster on compute-bound guests (`engines.interrupt_exit`).
    """

    __slots__ = ("exit_on_interrupt", "fuel", "interruptible", "max_memory", "timeout")

    def __init__(self, timeout: float | None = None, fuel: int | None = None, max_memory: int | None = None,
                 interruptible: bool = False, exit_on_interrupt: bool = False) -> None:
        self.timeout = None if timeout is None else _positive("time limit", timeout, MAX_TIMEOUT)
        self.fuel = None if fuel is None else int(_positive("fuel", fuel, MAX_FUEL))
        self.max_memory = None if max_memory is None else int(_positive("memory limit", max_memory, MAX_MEMORY))
        self.interruptible = interruptible
        self.exit_on_interrupt = exit_on_interrupt

    def __repr__(self) -> str:
        return (f"Limits(timeout={self.timeout!r}, fuel={self.fuel!r}, max_memory={self.max_memory!r}, "
                f"interruptible={self.interruptible!r}, exit_on_interrupt={self.exit_on_interrupt!r})")

    @property
    def stops_guest(self) -> bool:
        """Whether something may have to stop the guest in the middle of its wasm code and return here: a
        time limit, or a Ctrl-C that must not simply end the process."""
        return self.timeout is not None or (self.interruptible and not self.exit_on_interrupt)

    @property
    def max_table_elements(self) -> int | None:
        """How many elements a table may hold under `max_memory` (None: no limit)."""
        return None if self.max_memory is None else self.max_memory // TABLE_ELEMENT_BYTES

    def with_timeout(self, timeout: float | None) -> Limits:
        return Limits(timeout, self.fuel, self.max_memory, self.interruptible, self.exit_on_interrupt)

    def for_child(self) -> Limits:
        """What a supervised child enforces itself: all but the time limit and Ctrl-C (its parent's job)."""
        return Limits(None, self.fuel, self.max_memory)


NO_LIMITS = Limits()


def _positive(what: str, value: float, most: float) -> float:
    """`value` capped at `most`; a WasiError if it is not a positive number (zero, negative, NaN)."""
    if not value > 0:
        raise WasiError(f"{what} {value!r} is not positive", "give a positive limit, or none")
    return most if value > most else value


def timeout_line(seconds: float) -> str:
    """The line printed on the guest's stderr when a run is stopped by its time limit."""
    return f"wasitool: timed out after {seconds:g}s\n"


def parse_timeout(text: str) -> float:
    """`--timeout SECONDS`: a positive number of seconds (`1.5`, `90`); above MAX_TIMEOUT, MAX_TIMEOUT."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise WasiError(f"--timeout {text!r} is not a positive number of seconds", "write e.g. --timeout 10")
    return min(value, MAX_TIMEOUT)


def parse_fuel(text: str) -> int:
    """`--fuel N`: a positive integer of fuel units (about one per wasm instruction on wasmtime)."""
    try:
        value = int(text, 0)
    except ValueError:
        value = 0
    if value <= 0:
        raise WasiError(f"--fuel {text!r} is not a positive integer", "write e.g. --fuel 1000000")
    if value > MAX_FUEL:
        raise WasiError(f"--fuel {text!r} is more than wasmtime can count (2^64-1)",
                        "give at most --fuel 18446744073709551615, or drop --fuel")
    return value


def parse_size(text: str) -> int:
    """`--max-memory BYTES|NK|NM|NG` (binary units: 64K = 65536 bytes; `KiB`, `MB` spellings too); above
    4 GiB, 4 GiB."""
    raw = text.strip().lower().removesuffix("b").removesuffix("i")
    number, unit = (raw[:-1], raw[-1]) if raw[-1:] in ("k", "m", "g") else (raw, "")
    try:
        value = int(number) * _UNITS[unit]
    except ValueError:
        value = -1
    if value <= 0:
        raise WasiError(f"--max-memory {text!r} is not a size", "write bytes or a K/M/G suffix, e.g. --max-memory 64M")
    return min(value, MAX_MEMORY)
