"""`wasitool.wasip2.fastcall`: the one-copy `list<u8>` conversions agree with wasmtime-py's own, and the
fast way in is available with the wasmtime-py this suite runs on."""

from __future__ import annotations

import ctypes

import pytest
import wasmtime
from wasmtime import _ffi as ffi
from wasmtime.component import Component, ComponentInstanceType, FuncType, ListType

from tests.support.components import p2kit as load_p2kit
from wasitool.wasip2 import fastcall

BYTES = """(component
  (import "t" (instance (export "f" (func (param "data" (list u8)) (result (list u8)))))))"""


@pytest.fixture(scope="module")
def byte_lists(tmp_path_factory, toolchain_home) -> tuple[ListType, ListType]:
    """Two `list<u8>` types of a real component: one to freeze, one left as wasmtime-py made it."""
    path = load_p2kit(toolchain_home).parse(BYTES, tmp_path_factory.mktemp("bytes") / "c.wasm")
    engine = wasmtime.Engine()
    found = []
    for _ in range(2):
        instance = Component(engine, path.read_bytes()).type.imports(engine)["t"].ty
        assert isinstance(instance, ComponentInstanceType)
        fty = instance.exports(engine)["f"].ty
        assert isinstance(fty, FuncType)
        ty = fty.result
        assert isinstance(ty, ListType)
        found.append(ty)
    return found[0], found[1]


def test_available_here():
    assert fastcall.unavailable_reason() is None


@pytest.mark.parametrize("data", [b"", b"\0", b"hello\n", bytes(range(256)) * 40])
def test_bytes_round_trip_with_wasmtime_py(byte_lists, data):
    fast, plain = fastcall.freeze(byte_lists[0]), byte_lists[1]
    val = ffi.wasmtime_component_val_t()
    fast.convert_to_c(None, data, ctypes.pointer(val))
    assert plain.convert_from_c(val) == data  # wasmtime-py reads what the fast path wrote (and frees it)
    plain.convert_to_c(None, data, ctypes.pointer(val))
    assert fast.convert_from_c(val) == data  # and the other way round


def test_refuses_what_is_not_bytes(byte_lists):
    with pytest.raises(TypeError, match="expected bytes"):
        fastcall.freeze(byte_lists[0]).convert_to_c(None, [1, 2], ctypes.pointer(ffi.wasmtime_component_val_t()))
