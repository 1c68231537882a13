"""The import graph of `wasitool/` has no cycle and no upward import (docs/architecture.md, "Layers").

Every `import` counts, wherever it is written: at the top, inside a function (a lazy import is still a
dependency), or under `if TYPE_CHECKING:` (a cycle in the types is a cycle in the design). A plug-in named
by a registry string ("package.module:factory") is not an import and is not an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "wasitool"

# Floors, lowest first: a module may import its own floor and the floors below, never one above.
# A room is a top-level module or subpackage of wasitool ("__init__" is the package itself).
LAYERS: tuple[frozenset[str], ...] = (
    # ground floor: small helpers and plain data every room may use
    frozenset({"__init__", "errors", "digest", "store", "platforms", "runspec", "plugins", "tomlread",
               "shipped", "exitcodes", "languages", "confined", "depfile", "watflags", "console", "cflags", "typed"}),
    # the domain rooms: the toolchain store, WASI hosts, engines, wasm and component formats
    frozenset({"toolchain", "wasi", "engines", "wasip2", "component", "wasmread", "wasmbin", "wasmcode", "callgraph",
               "bug_report", "dwarf_lines", "wasmstrip"}),
    # projects and what builds, runs and judges them
    frozenset({"project", "examples", "example_table", "expect", "diffing", "legit_differences", "build",
               "verify", "sums", "onefile", "scons", "runtimes", "pyruntime", "inspect_module",
               "inspect_component", "faultsweep", "built_files", "batch"}),
    # the command line
    frozenset({"commands", "cli", "cli_parser", "__main__"}),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_names(module: str, tree: ast.Module, is_package: bool) -> set[str]:
    """Every wasitool module `tree` imports (a name imported from a package counts as its submodule when
    it is one), the module itself excluded."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")[: None if is_package else -1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith("wasitool") and target != module:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    return {name: imported_names(name, ast.parse(path.read_text(encoding="utf-8")), path.name == "__init__.py")
            for name, path in MODULES.items()}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


FLOORS = {name: level for level, rooms in enumerate(LAYERS) for name in rooms}


def floor(module: str) -> int:
    return FLOORS[room(module)]  # a KeyError names a room missing from LAYERS


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_every_room_has_a_floor() -> None:
    rooms = {room(name) for name in MODULES}
    placed = set().union(*LAYERS)
    assert rooms - placed == set(), "add the new room to LAYERS here and to docs/architecture.md"
    assert placed - rooms == set(), "a room in LAYERS no longer exists"


def test_no_import_cycle() -> None:
    graph = import_graph()
    described = [" <-> ".join(component) + ": " + ", ".join(
        f"{a} -> {b}" for a in component for b in sorted(graph[a]) if b in component) for component in cycles(graph)]
    assert described == []


def test_no_upward_import() -> None:
    upward = sorted(f"{name} (floor {floor(name)}) -> {target} (floor {floor(target)})"
                    for name, targets in import_graph().items() for target in targets if floor(target) > floor(name))
    assert upward == []


def test_the_checker_sees_lazy_relative_and_type_only_imports() -> None:
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from wasitool.project import Project\n"
              "def f():\n    from . import lock\n    from .sources import base\n    import wasitool.cli\n"
              "REGISTRY = {'x': 'wasitool.commands.run:main'}\n")
    found = imported_names("wasitool.toolchain.select", ast.parse(source), is_package=False)
    assert found == {"wasitool.project", "wasitool.toolchain.lock", "wasitool.toolchain.sources.base", "wasitool.cli"}
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_every_shipped_path_exists_and_no_module_finds_package_files_itself() -> None:
    from wasitool import shipped

    paths = {name: value for name, value in vars(shipped).items() if name.isupper()}
    assert paths and all(path.exists() for path in paths.values()), paths
    homemade = sorted(name for name, path in MODULES.items()
                      if name != "wasitool.shipped" and "Path(__file__)" in path.read_text(encoding="utf-8"))
    assert homemade == []  # a file shipped in the package gets its name in wasitool/shipped.py
