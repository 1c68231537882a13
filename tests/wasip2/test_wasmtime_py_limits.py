"""The wasmtime-py limits docs/components.md works around, reproduced: when one stops failing, drop the
workaround (and this test)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import wasmtime
from wasmtime.component import Component, Linker, ResourceHost, ResourceType

DOC = Path(__file__).parents[2] / "docs" / "components.md"


def _reproduction() -> tuple[str, str]:
    """The WAT and the Python of the two-borrows reproduction, as docs/components.md shows them."""
    blocks = re.findall(r"```(wat|python)\n(.*?)```", DOC.read_text(), re.S)
    wat = next(text for kind, text in blocks if kind == "wat")
    python = next(text for kind, text in blocks if kind == "python")
    return wat, python


def test_two_borrowed_handles_fail_with_concurrency_support(text_component, tmp_path, monkeypatch):
    wat, python = _reproduction()
    text_component(wat, "two.wasm")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(wasmtime.WasmtimeError, match="deferred host scope has no call context"):
        exec(compile(python, "docs/components.md", "exec"), {})


def test_two_borrowed_handles_work_without_it(text_component, tmp_path, monkeypatch):
    """The workaround: the engine components run on has wasmtime's concurrency support off."""
    wat, python = _reproduction()
    text_component(wat, "two.wasm")
    monkeypatch.chdir(tmp_path)
    printed: list[tuple[object, ...]] = []
    configured = python.replace("engine = wasmtime.Engine()", "engine = wasmtime.Engine(config)")
    assert configured != python
    exec(compile(configured, "docs/components.md", "exec"),
         {"config": _component_config(), "print": lambda *args: printed.append(args)})
    assert printed == [("one", 7), ("two", 7, 7)]


def _component_config() -> wasmtime.Config:
    from wasitool.engines.wasmtime_component import configure

    config = wasmtime.Config()
    configure(config)
    return config


def test_one_borrowed_handle_works_and_must_be_resolved(text_component, tmp_path):
    path = text_component(_reproduction()[0], "two.wasm")
    engine = wasmtime.Engine()
    component = Component(engine, path.read_bytes())
    seen: list[int] = []
    for resolve in (True, False):
        linker = Linker(engine)
        with linker.root() as root, root.add_instance("t") as t:
            t.add_resource("r", ResourceType.host(1), lambda store, rep: None)
            t.add_func("make", lambda store: ResourceHost.own(7, 1))
            t.add_func("one", lambda store, a, resolve=resolve: seen.append(a.to_host(store).rep) if resolve else None)
            t.add_func("two", lambda store, a, b: None)
        store = wasmtime.Store(engine)
        func = linker.instantiate(store, component).get_func(store, "one")
        assert func is not None
        if resolve:
            func(store)
        else:
            with pytest.raises(wasmtime.WasmtimeError, match="borrow handles still remain at the end of the call"):
                func(store)
    assert seen == [7]
