"""wasmtime-py's value conventions (`wasitool.wasip2.convert`) on real component types."""

from __future__ import annotations

import pytest
import wasmtime
from wasmtime.component import Component, ComponentInstanceType, FuncType, Record, ResourceHost, Variant

from tests.support.components import p2kit as load_p2kit
from wasitool.wasip2.convert import cases, is_tagged, lowerer, unreachable_cases
from wasitool.wasip2.io import OutputStream
from wasitool.wasip2.resources import ResourceTable

TYPES = """(component
  (import "t" (instance
    (type $e (enum "access" "no-entry"))
    (export "error-code" (type $e' (eq $e)))
    (type $k (enum "file" "directory"))
    (export "kind" (type $k' (eq $k)))
    (type $r (record (field "type" $k') (field "name" string)))
    (export "entry" (type $r' (eq $r)))
    (export "stream" (type $s (sub resource)))
    (type $v (variant (case "failed" u32) (case "closed")))
    (export "stream-error" (type $v' (eq $v)))
    (export "unit-or-code" (func (result (result (error $e')))))
    (export "kind-or-code" (func (result (result $k' (error $e')))))
    (export "entry-or-code" (func (result (result (option $r') (error $e')))))
    (export "unit-or-stream-error" (func (result (result (error $v')))))
    (export "new-stream" (func (result (own $s))))
    (export "entries" (func (result (list (tuple $r' string)))))
  ))
)"""


@pytest.fixture(scope="module")
def result_types(tmp_path_factory, toolchain_home):
    path = load_p2kit(toolchain_home).parse(TYPES, tmp_path_factory.mktemp("types") / "c.wasm")
    engine = wasmtime.Engine()
    instance = Component(engine, path.read_bytes()).type.imports(engine)["t"].ty
    assert isinstance(instance, ComponentInstanceType)
    found = {}
    for name, item in instance.exports(engine).items():
        if isinstance(item.ty, FuncType):
            found[name] = item.ty.result
    return found


def test_which_results_wasmtime_py_tags(result_types):
    tagged = {name: is_tagged(cases(ty)) for name, ty in result_types.items() if cases(ty) is not None}
    assert tagged == {"unit-or-code": False, "kind-or-code": True, "entry-or-code": False,
                      "unit-or-stream-error": True}


def test_an_error_after_an_option_cannot_be_passed(result_types):
    assert unreachable_cases(cases(result_types["entry-or-code"])) == ["err"]
    assert unreachable_cases(cases(result_types["unit-or-code"])) == []
    lower = lowerer(result_types["entry-or-code"], ResourceTable())
    with pytest.raises(TypeError, match="cannot pass the `err` case"):
        lower(Variant("err", "access"))


def test_lowering_plain_values(result_types):
    table = ResourceTable()
    assert lowerer(result_types["unit-or-code"], table)(Variant("err", "access")) == "access"
    assert lowerer(result_types["unit-or-code"], table)(Variant("ok", None)) is None
    assert lowerer(result_types["kind-or-code"], table)(Variant("ok", "file")) == Variant("ok", "file")
    record = lowerer(result_types["entry-or-code"], table)(Variant("ok", {"type": "file", "name": "a"}))
    assert isinstance(record, Record) and (record.type, record.name) == ("file", "a")
    assert lowerer(result_types["entry-or-code"], table)(Variant("ok", None)) is None
    assert lowerer(result_types["unit-or-stream-error"], table)(Variant("err", Variant("closed"))) == \
        Variant("err", None)
    stream = OutputStream(1)
    handle = lowerer(result_types["new-stream"], table)(stream)
    assert isinstance(handle, ResourceHost) and (handle.rep, handle.type) == (stream.rep, OutputStream.type_id)
    assert table.get(stream.rep) is stream
    [(entry, name)] = lowerer(result_types["entries"], table)([({"type": "directory", "name": "d"}, "x")])
    assert (entry.type, entry.name, name) == ("directory", "d", "x")
