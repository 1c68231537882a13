"""`wasitool verify`: build a project from clean and compare its modules with the committed checksums.

The build runs in a fresh temporary copy of the project (as `wasitool build --check-reproducible` does),
never from a build cache. A differing module is named with the wasm sections that differ, using the
section digests of the build-info file beside the checksums; the toolchain recorded there tells a
changed build ("same toolchain, different bytes") from a different compiler.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasitool.sums import SUMS_NAME, BuildInfo, read_buildinfo, read_sums, record_module
from wasitool.toolchain.identity import ToolIdentity, differences
from wasitool.toolchain.lock import Lock


@dataclass(frozen=True)
class ModuleDifference:
    """A module whose bytes are not the committed ones. `status`: changed, missing (not built) or new."""

    name: str
    status: str
    sections: tuple[str, ...] = ()  # changed sections (`code`, `custom:name`, `+added`, `-removed`)
    sections_known: bool = True  # False when the build-info has no section digests for this module

    def describe(self) -> str:
        if self.status == "missing":
            return f"{self.name}: in the checksum file but not built"
        if self.status == "new":
            return f"{self.name}: built but not in the checksum file"
        if not self.sections_known:
            return f"{self.name}: differs (no section digests recorded for it)"
        if len(self.sections) == 1:
            return f"{self.name}: section {self.sections[0]} differs"
        return f"{self.name}: sections {', '.join(self.sections)} differ"


@dataclass(frozen=True)
class VerifyReport:
    sums: Path
    matched: tuple[str, ...]
    differing: tuple[ModuleDifference, ...]
    current: dict[str, ToolIdentity]
    recorded: dict[str, ToolIdentity] | None  # None: no build-info beside the checksums
    toolchain_changes: tuple[str, ...] = field(default=())  # empty: the same toolchain (or unknown)
    toolchain_fix: str = "install the toolchain the checksums were made with"

    @property
    def identical(self) -> bool:
        return not self.differing

    @property
    def same_toolchain(self) -> bool | None:
        return None if self.recorded is None else not self.toolchain_changes

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.identical,
            "sums": str(self.sums),
            "matched": list(self.matched),
            "differing": [{"module": d.name, "status": d.status, "sections": list(d.sections)}
                          for d in self.differing],
            "same_toolchain": self.same_toolchain,
            "toolchain": {name: t.to_json() for name, t in self.current.items()},
            "recorded_toolchain": None if self.recorded is None else
            {name: t.to_json() for name, t in self.recorded.items()},
            "toolchain_changes": list(self.toolchain_changes),
        }


def verify(sums: Path | None = None, *, root: Path | None = None, jobs: int | None = None,
           prepare: Callable[[Path], None] | None = None) -> VerifyReport:
    """Build the project at `root` (default: the current one, or the bundled examples) from clean and
    compare with `sums` (default: `SHA256SUMS` at the project root). `prepare(tree)` may alter the copy
    before its build (tests inject a change this way). BuildError if the sums are missing or a build fails."""
    from wasitool.build import build_clean
    from wasitool.project import current_or_bundled, load_project
    from wasitool.toolchain.identity import toolchain_identity
    from wasitool.toolchain.lock import load_lock
    from wasitool.toolchain.select import load_toolchain

    project = load_project(root) if root is not None else current_or_bundled()
    sums = sums if sums is not None else project.root / SUMS_NAME
    expected = read_sums(sums)  # a missing file is a one-line error before any build
    info = read_buildinfo(sums)
    lock = load_lock(project.lock)
    current = toolchain_identity(lock, load_toolchain(lock=project.lock))
    with tempfile.TemporaryDirectory(prefix="wasitool-verify-") as tmp:
        out = build_clean(project, Path(tmp) / "tree", jobs=jobs, prepare=prepare)
        built = {path.name: path for path in sorted(out.glob("*.wasm"))}
        matched, differing = compare(expected, built, info)
    changes = tuple(differences(info.toolchain, current)) if info is not None else ()
    return VerifyReport(sums=sums, matched=matched, differing=differing, current=current,
                        recorded=None if info is None else info.toolchain, toolchain_changes=changes,
                        toolchain_fix=_toolchain_fix(lock, info, current))


def _toolchain_fix(lock: Lock, info: BuildInfo | None, current: dict[str, ToolIdentity]) -> str:
    """How to get the toolchain the checksums were made with (judged by the tools that differ, if any)."""
    if info is None:
        return "run `wasitool build --write-sums` to record the toolchain"
    differing = {name: identity for name, identity in info.toolchain.items()
                 if name not in current or not identity.same_as(current[name])} or info.toolchain
    recorded = {t.source for t in differing.values()}
    if all(name in lock.tools and lock.tools[name].reproducible_source == identity.source
           for name, identity in differing.items()):
        return "run `wasitool setup --frozen` (it installs the lock's reproducible sources), then verify again"
    if len(recorded) == 1 and recorded != {"system"}:
        return f"run `wasitool setup --source {recorded.pop()}`, then verify again"
    return "install the toolchain the checksums were made with, then verify again"


def compare(expected: dict[str, str], built: dict[str, Path],
            info: BuildInfo | None) -> tuple[tuple[str, ...], tuple[ModuleDifference, ...]]:
    """(matching module names, differences) between committed sums and freshly built modules."""
    matched: list[str] = []
    differing: list[ModuleDifference] = []
    for name in sorted(expected.keys() | built.keys()):
        if name not in built:
            differing.append(ModuleDifference(name, "missing"))
            continue
        fresh = record_module(built[name])
        if name not in expected:
            differing.append(ModuleDifference(name, "new"))
        elif fresh.sha256 == expected[name]:
            matched.append(name)
        else:
            old = info.modules.get(name) if info is not None else None
            if old is None or old.sha256 != expected[name] or not old.sections:
                differing.append(ModuleDifference(name, "changed", sections_known=False))
            else:
                differing.append(ModuleDifference(name, "changed", section_changes(old.sections, fresh.sections)))
    return tuple(matched), tuple(differing)


def section_changes(old: dict[str, str], new: dict[str, str]) -> tuple[str, ...]:
    """Names of the sections that differ, in module order; `+name` added, `-name` removed."""
    changed = [name for name in new if name in old and old[name] != new[name]]
    added = [f"+{name}" for name in new if name not in old]
    removed = [f"-{name}" for name in old if name not in new]
    return tuple(changed + added + removed)


def write_project_sums(root: Path | None = None, *, jobs: int | None = None, sums: Path | None = None) -> tuple[
        Path, int, dict[str, ToolIdentity]]:
    """`wasitool build --write-sums`: build the project's modules and write its `SHA256SUMS` (+ build-info).

    Returns (the checksum file, how many modules it lists, the toolchain recorded)."""
    import os

    from wasitool.build import build
    from wasitool.example_table import load_examples
    from wasitool.project import current_or_bundled, load_project
    from wasitool.sums import write_sums
    from wasitool.toolchain.identity import toolchain_identity
    from wasitool.toolchain.lock import load_lock
    from wasitool.toolchain.select import load_toolchain

    project = load_project(root) if root is not None else current_or_bundled()
    build(["wasm"], jobs=jobs, root=project.root)
    identity = toolchain_identity(load_lock(project.lock), load_toolchain(lock=project.lock))
    modules = [module for example in load_examples(project=project).values() for module in example.modules.values()]
    sums = sums if sums is not None else project.root / SUMS_NAME
    made_from = os.path.relpath(project.table, project.root).replace(os.sep, "/")
    return sums, write_sums(sums, modules, identity, made_from), identity
