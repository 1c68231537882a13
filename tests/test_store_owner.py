"""The store has one owner (docs/architecture.md, "The store"): `wasitool/store/` spells every store path and
holds the one atomic write; no other module finds the store or joins the store's directory names onto a
path, and none renames a file into place by hand.
"""

from __future__ import annotations

import ast
from pathlib import Path

from wasitool.store.layout import ENTRIES, HOME_VARIABLE, RETIRED

PACKAGE = Path(__file__).resolve().parent.parent / "wasitool"
OWNER = PACKAGE / "store"
ATOMIC = OWNER / "atomic.py"

# Where the store is: only wasitool/store/layout.py may ask platformdirs or read $WASITOOL_HOME.
WHERE_NAMES = {"platformdirs", "user_cache_dir", "user_data_dir", "user_state_dir", "user_log_dir", "store_root"}
# The names of the store's entries, as a path component joined with `/` (`root / "tools"`).
STORE_NAMES = {*ENTRIES, "logs", ".lock", "onefile", "toolchain.json"} | {p.split("*")[0] for p in RETIRED}
# Modules whose paths are not the store's: the files shipped inside the package (its own `runtimes/`).
OTHER_TREES = {"shipped.py"}
# Renames that are not wasitool replacing its own files: the guest's WASI rename calls (preview1, 0.2).
GUEST_RENAMES = {"wasi/calls_path.py", "wasip2/filesystem.py"}


def store_path_spellings(tree: ast.AST) -> list[str]:
    """Each place `tree` finds the store or spells one of its paths, as `line: what`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value == HOME_VARIABLE:
            found.append(f"{node.lineno}: ${HOME_VARIABLE}")
        elif isinstance(node, (ast.Name, ast.Attribute)):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in WHERE_NAMES:
                found.append(f"{node.lineno}: {name}")
        elif isinstance(node, ast.alias) and node.name.split(".")[0] in WHERE_NAMES | {"platformdirs"}:
            found.append(f"{node.lineno}: import {node.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "platformdirs":
            found.append(f"{node.lineno}: from platformdirs")
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant)
              and isinstance(node.right.value, str) and node.right.value.split("/")[0] in STORE_NAMES):
            found.append(f"{node.lineno}: / {node.right.value!r}")
    return found


def hand_rolled_renames(tree: ast.AST) -> list[str]:
    """Each `os.replace`/`os.rename`/`shutil.move` and each one-argument `.replace(x)`/`.rename(x)` (a Path's:
    `str.replace` takes two, `dataclasses.replace` and NamedTuple `_replace`-style calls take keywords)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func = node.func
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        if owner in ("os", "shutil") and func.attr in ("replace", "rename", "renames", "move"):
            found.append(f"{node.lineno}: {owner}.{func.attr}")
        elif func.attr in ("replace", "rename") and len(node.args) == 1 and not node.keywords:
            found.append(f"{node.lineno}: .{func.attr}(...)")
    return found


def modules_outside(owner: Path) -> dict[str, ast.AST]:
    return {path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(PACKAGE.rglob("*.py")) if owner not in path.parents and path != owner}


def test_no_module_outside_the_store_package_spells_a_store_path() -> None:
    spelled = {name: found for name, tree in modules_outside(OWNER).items()
               if name not in OTHER_TREES and (found := store_path_spellings(tree))}
    assert spelled == {}  # ask wasitool.store.layout (Layout(root).tools, .record(...), .engine_cache, ...)


def test_one_atomic_write_helper() -> None:
    renames = {name: found for name, tree in modules_outside(ATOMIC).items()
               if name not in GUEST_RENAMES and (found := hand_rolled_renames(tree))}
    assert renames == {}  # write through wasitool.store.atomic (write_atomic, replacing, move_into_place)
    for name in GUEST_RENAMES:  # the allow-list stays true: these rename for the guest, nothing else
        assert hand_rolled_renames(ast.parse((PACKAGE / name).read_text(encoding="utf-8"))), name


def test_the_checkers_see_what_they_look_for() -> None:
    source = ('import os, shutil\nfrom platformdirs import user_cache_dir\n'
              'def f(root, p):\n    os.environ.get("WASITOOL_HOME")\n    a = root / "tools" / "x"\n'
              '    b = root / "cache/onefile"\n    c = root / "src"\n    os.replace(a, b)\n    p.replace(b)\n'
              '    "x".replace("a", "b")\n    shutil.move(a, c)\n    p.rename(c)\n    r.replace(stdout=b"")\n')
    tree = ast.parse(source)
    assert sorted(store_path_spellings(tree)) == ["2: from platformdirs", "2: import user_cache_dir",
                                                  "4: $WASITOOL_HOME", "5: / 'tools'", "6: / 'cache/onefile'"]
    assert sorted(hand_rolled_renames(tree)) == ["11: shutil.move", "12: .rename(...)", "8: os.replace",
                                                 "9: .replace(...)"]
