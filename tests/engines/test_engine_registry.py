"""The engine table, default choice and feature probing."""

from __future__ import annotations

import pytest
import wasmtime

from tests.plugin_conformance import cli_choices, mismatches
from wasitool.engines import ENGINES, available_engines, choose_engine, default_engine, load_engine
from wasitool.engines.features import FEATURE_PROBES, FEATURE_WAT
from wasitool.engines.protocol import Engine
from wasitool.errors import WasiError


def test_default_is_wasmer_when_importable():
    expected = "wasmer" if "wasmer" in available_engines() else "wasmtime"
    assert default_engine() == expected
    name, why = choose_engine()
    assert name == expected and why.startswith("default")


def test_requested_engine_reason():
    name = available_engines()[0]
    assert choose_engine(name) == (name, "requested with --engine")


def test_unknown_or_missing_engine_is_one_line():
    with pytest.raises(WasiError, match="engine nope is not available"):
        choose_engine("nope")
    for name in ENGINES:
        if name not in available_engines():
            with pytest.raises(WasiError, match=f"engine {name} is not available"):
                load_engine(name)


def test_load_engine_is_cached(engine_name):
    assert load_engine(engine_name) is load_engine(engine_name)
    assert load_engine(engine_name).name == engine_name


@pytest.mark.parametrize("feature", sorted(FEATURE_PROBES))
def test_probe_bytes_match_their_wat(feature):
    assert bytes(wasmtime.wat2wasm(FEATURE_WAT[feature])) == FEATURE_PROBES[feature]


def test_features(engine_name):
    features = load_engine(engine_name).features()
    assert {"multi-value", "bulk-memory", "sign-ext", "nontrapping-float-to-int"} <= features
    if engine_name == "wasmtime":
        assert {"reference-types", "exceptions", "tail-call", "simd"} <= features
    if engine_name == "wasmer":
        assert "exceptions" not in features


def test_unknown_feature(engine_name):
    with pytest.raises(WasiError, match="unknown wasm feature `warp-drive`"):
        load_engine(engine_name).supports("warp-drive")


def test_wasmer_on_a_too_new_python_says_why_and_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    import wasitool.engines as engines

    monkeypatch.setattr(engines, "sys", types.SimpleNamespace(version_info=(3, 12, 1)))
    reason = engines.unavailable_reason.__wrapped__("wasmer")
    assert reason == "wasmer has binary wheels only up to CPython 3.10 (this is 3.12)"
    monkeypatch.setattr(engines, "unavailable_reason", lambda name: reason if name == "wasmer" else None)
    with pytest.raises(WasiError) as info:
        engines.choose_engine("wasmer")
    assert info.value.one_line() == (
        f"engine wasmer is not available: {reason} "
        "(fix: use --engine wasmtime, or under Python 3.10: pip install 'wasitool[wasmer]')")


@pytest.mark.parametrize("name", ENGINES.names)
def test_every_engine_conforms(name: str) -> None:
    """Each engine is checked where its packages import (wasmer: the Python 3.10 run)."""
    if name not in available_engines():
        pytest.skip(f"{name} is not importable here; the other Python's run checks it")
    assert mismatches(ENGINES.create(name), Engine) == []


def test_cli_engine_choices_come_from_the_registry() -> None:
    assert cli_choices("run", "--engine") == ENGINES.names
