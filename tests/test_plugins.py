"""The lazy registry shared by the plug-in families, and that it stays off `wasitool run`'s start-up path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wasitool.plugins import Registry


def test_nothing_is_imported_until_an_entry_is_used() -> None:
    registry: Registry[object] = Registry("thing", {"a": "wasitool_no_such_module:Factory",
                                                    "b": "collections:OrderedDict"})
    assert registry.names == ("a", "b") and list(registry) == ["a", "b"]
    assert "a" in registry and "c" not in registry
    assert registry.create("b") == {}
    with pytest.raises(ModuleNotFoundError, match="wasitool_no_such_module"):
        registry.create("a")
    with pytest.raises(KeyError):
        registry.factory("c")


def test_a_target_must_name_module_and_attribute() -> None:
    with pytest.raises(ValueError, match=r"thing 'a': 'collections' is not 'package\.module:attribute'"):
        Registry("thing", {"a": "collections"})


def test_cli_parsers_import_no_plugin_module() -> None:
    """Building every subcommand's parser (choices come from the registries) imports no module of a
    plug-in family beyond its registry (the package itself), nor anything heavy: registries are plain data."""
    script = ("import json, sys\nfrom wasitool.cli import build_parser\n"
              "build_parser()\nprint(json.dumps(list(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    families = ("wasitool.engines.", "wasitool.runtimes.", "wasitool.toolchain.sources.")
    heavy = {"wasmtime", "wasmer", "requests", "rich", "SCons", "wasitool.wasi"}
    imported = json.loads(out)
    assert {"wasitool.engines", "wasitool.runtimes", "wasitool.toolchain.sources"} <= set(imported)
    assert [m for m in imported if m.startswith(families) or m in heavy] == []
