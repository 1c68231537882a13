"""A project's committed checksums: `SHA256SUMS` (sha256sum -c format) and its build-info file beside it.

    SHA256SUMS                   `<sha256>  <module>.wasm` per module, sorted; `#` lines are comments
                                 (GNU sha256sum -c skips them)
    SHA256SUMS.buildinfo.json    the toolchain that made them (`wasitool.toolchain.identity`) and a
                                 sha256 per wasm section of every module, so a difference can be named

`wasitool build --write-sums` writes both; `wasitool verify` reads them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasitool.digest import sha256_file
from wasitool.errors import BuildError
from wasitool.toolchain.identity import ToolIdentity

SUMS_NAME = "SHA256SUMS"
BUILDINFO_SUFFIX = ".buildinfo.json"
SCHEMA = 1
_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")


def buildinfo_path(sums: Path) -> Path:
    """The build-info file that belongs to checksum file `sums`."""
    return sums.with_name(sums.name + BUILDINFO_SUFFIX)


@dataclass(frozen=True)
class ModuleRecord:
    """One module as built: its sha256 and one sha256 per section (`code`, `custom:producers`, ...)."""

    sha256: str
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildInfo:
    """What a build-info file holds."""

    toolchain: dict[str, ToolIdentity]
    modules: dict[str, ModuleRecord]


def section_digests(data: bytes) -> dict[str, str]:
    """sha256 of every section's bytes, keyed by section name (`custom:x#2` for a repeated name)."""
    import hashlib

    from wasitool.wasmbin import split_sections

    digests: dict[str, str] = {}
    for section in split_sections(data):
        key, n = section.name, 1
        while key in digests:
            n += 1
            key = f"{section.name}#{n}"
        digests[key] = hashlib.sha256(section.payload).hexdigest()
    return digests


def record_module(path: Path) -> ModuleRecord:
    """The sha256 and section digests of the module at `path` (no sections if it is not valid wasm)."""
    data = path.read_bytes()
    try:
        sections = section_digests(data)
    except ValueError:
        sections = {}
    return ModuleRecord(sha256=sha256_file(path), sections=sections)


def read_sums(path: Path) -> dict[str, str]:
    """Module name -> sha256 from a checksum file; BuildError naming the line when one is malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildError(f"no checksum file {path}",
                         "run `wasitool build --write-sums` to make it from this build, then commit it") from None
    except OSError as exc:
        raise BuildError(f"cannot read {path} ({exc.strerror})", "check the path") from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line.rstrip("\r"))
        if match is None:
            raise BuildError(f"{path}:{number} is not `<sha256>  <file>`",
                             "regenerate it with `wasitool build --write-sums`")
        sums[match.group(2)] = match.group(1)
    return sums


def read_buildinfo(sums: Path) -> BuildInfo | None:
    """The build-info beside `sums`, or None when there is none or it cannot be read."""
    try:
        data = json.loads(buildinfo_path(sums).read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            return None
        toolchain = {name: ToolIdentity.from_json(t) for name, t in data["toolchain"].items()}
        modules = {name: ModuleRecord(sha256=m["sha256"], sections=dict(m.get("sections", {})))
                   for name, m in data["modules"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return BuildInfo(toolchain=toolchain, modules=modules)


def write_sums(sums: Path, modules: Iterable[Path], toolchain: dict[str, ToolIdentity], made_from: str) -> int:
    """Write `sums` and its build-info for `modules`; returns how many modules were recorded."""
    records = {path.name: record_module(path) for path in sorted(modules, key=lambda p: p.name)}
    used = ", ".join(f"{t.tool} {t.source} {t.package or t.program or ''} {t.version}".replace("  ", " ")
                     for t in toolchain.values())
    header = (f"# wasm modules of {made_from}, written by `wasitool build --write-sums`; "
              f"check with `wasitool verify` (or sha256sum -c in the out dir)\n"
              f"# toolchain: {used} (details in {buildinfo_path(sums).name})\n")
    lines = [f"{record.sha256}  {name}\n" for name, record in records.items()]
    sums.parent.mkdir(parents=True, exist_ok=True)
    with open(sums, "w", encoding="utf-8", newline="\n") as out:
        out.write(header)
        out.writelines(lines)
    info: dict[str, Any] = {
        "schema": SCHEMA,
        "toolchain": {name: identity.to_json() for name, identity in toolchain.items()},
        "modules": {name: {"sha256": r.sha256, "sections": r.sections} for name, r in records.items()},
    }
    with open(buildinfo_path(sums), "w", encoding="utf-8", newline="\n") as out:
        out.write(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return len(records)
