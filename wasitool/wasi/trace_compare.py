"""Comparing two runs call by call (`wasitool trace-diff`): recordings or JSON traces, read alike.

Both formats give one JSON object per call with `call`, `args`, `errno` and `out` (decoded as
`--trace-format json` shows them). What depends on memory layout rather than on behaviour is left out, so
two builds compare by what they did: arguments that are bare guest addresses (out-pointers, buffers
shown only as a number) and the addresses in `{"ptr", "value"}` pairs. Times (`time_ns`) and a recording's
replay data (`raw`, `writes`) are not compared.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, NamedTuple

from wasitool.errors import reading_json_lines

from .signatures import SIGNATURES


class Step(NamedTuple):
    """One call as compared: name, arguments, errno (None: did not return), what it wrote; `number` is its
    1-based position in its file (ignored calls included), not compared."""

    number: int
    call: str
    args: dict[str, Any]
    errno: str | None
    out: dict[str, Any]

    def text(self) -> str:
        args = ", ".join(f"{k}={_value_text(v)}" for k, v in self.args.items())
        line = f"{self.call}({args})"
        if self.errno is not None:
            line += f" -> {self.errno}" + "".join(f", {k}={_value_text(v)}" for k, v in self.out.items())
        return line

    def key(self) -> tuple[str, dict[str, Any], str | None, dict[str, Any]]:
        """What is compared."""
        return self.call, self.args, self.errno, self.out


class Divergence(NamedTuple):
    """The first position (0-based, over the compared calls) where the runs differ; a side is None where
    its run had ended."""

    position: int
    a: Step | None
    b: Step | None


_LOAD_FIX = "pass a recording (run --record FILE) or a JSON trace (run --trace-format json --trace-file FILE)"


def load_steps(path: Path, ignore: Iterable[str] = ()) -> list[Step]:
    """The calls of a recording or a JSON trace, without those matching an `ignore` glob."""
    patterns = list(ignore)
    steps = []
    calls = 0
    with reading_json_lines(str(path), _LOAD_FIX), open(path, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if not isinstance(record, dict) or "recording" in record or "summary" in record:
                continue
            if record.get("call") not in SIGNATURES or not all(
                    isinstance(record.get(key, {}), dict) for key in ("args", "out")):
                raise ValueError(f"line {number} is not a call of a JSON trace or a recording")
            calls += 1
            if not any(fnmatchcase(record["call"], p) for p in patterns):
                steps.append(_step(calls, record))
    return steps


def first_divergence(a: list[Step], b: list[Step]) -> Divergence | None:
    """Where `a` and `b` first differ (None: the same calls throughout)."""
    for index in range(max(len(a), len(b))):
        left = a[index] if index < len(a) else None
        right = b[index] if index < len(b) else None
        if left is None or right is None or left.key() != right.key():
            return Divergence(index, left, right)
    return None


def _step(number: int, record: dict[str, Any]) -> Step:
    sig = SIGNATURES[record["call"]]
    args = {k: _strip(v) for k, v in record.get("args", {}).items()
            if not (k in sig.pointers and isinstance(v, int))}
    errno = record.get("errno") if "result" in record else None
    out = {k: _strip(v) for k, v in record.get("out", {}).items()}
    return Step(number, record["call"], args, errno, out)


def _strip(value: Any) -> Any:
    """`value` without guest addresses: `{"ptr", "value"}` pairs become their value."""
    if isinstance(value, dict):
        if set(value) == {"ptr", "value"}:
            return _strip(value["value"])
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _value_text(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):  # flags
        return "|".join(value) or "0"
    return json.dumps(value, ensure_ascii=False)
