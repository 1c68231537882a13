"""Mutated modules never reach an internal error: every one runs, traps, times out or is refused in one line.

Byte mutations of small valid modules (a start section, memory growth, exceptions, tail calls, a library)
exercise the binary scan, the start-section hoisting, feature diagnosis and instantiation on each engine.
40 examples per engine by default; `WASITOOL_MUTATIONS=2000` for a longer run.
"""

from __future__ import annotations

import os

import wasmtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import wat_modules as M
from wasitool.engines.limits import Limits
from wasitool.errors import WasitoolError
from wasitool.pyruntime import run
from wasitool.runspec import RunSpec

BASES = [bytes(wasmtime.wat2wasm(w)) for w in (M.HELLO, M.START_WRITES, M.GROW, M.CAT, M.EXCEPTIONS, M.TAIL_CALL,
                                               M.GROW_REPORTS, M.UNCAUGHT_THROW)]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        data[draw(st.integers(8, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@settings(max_examples=int(os.environ.get("WASITOOL_MUTATIONS", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_a_mutated_module_never_reaches_an_internal_error(engine_name, tmp_path, data):
    path = tmp_path / "mutant.wasm"
    path.write_bytes(data)
    try:
        result = run(RunSpec(path, stdin=b""), engine_name, capture=True, limits=Limits(timeout=5))
    except WasitoolError as exc:
        assert "\n" not in exc.one_line()
        return
    assert result.trap is None or result.exit_code == 134
