"""The store's typed files: a tool's `toolchain.json`, the install records and the lock index.

    tools/<dir>/toolchain.json   {"schema": 1, "tool": InstalledTool}
    records/<d16>-<platform>.json   {"schema": 1, "platform", "tools": {name: InstalledTool}, "lock_digest", "lock"}
    locks/<path16>.json          {"schema": 1, "lock": path, "digest": the lock content last set up}

Writers replace a file in one step (`atomic`); readers raise a one-line ToolchainError for a file that is
missing, unreadable or of another schema, or give None (`*_or_none`) where a walk of the store skips it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wasitool.errors import ToolchainError
from wasitool.store.atomic import write_json_atomic as _write_json

SCHEMA = 1
SETUP_FIX = "run `wasitool setup`"
MANIFEST_NAME = "toolchain.json"


@dataclass(frozen=True)
class InstalledTool:
    """One tool (`wasi-sdk` or `wabt`) as installed in the store.

    `commands` maps a role to an argv prefix. Roles used by the build:
    wasi-sdk: `cc` (C to wasm32-wasi, target and sysroot included), `wasm-ld`, and where the source has
    them `c++`, `ar`, `ranlib`, `nm`, `strip` (`unavailable` says why one is missing);
    wabt: `wat2wasm`, `wasm2wat`, `wasm-objdump`, `wasm-validate`, `wasm-interp`, `wasm-strip`;
    wasm-tools: `wasm-tools`, `component-new`. `files` maps a role to a file rather than a command:
    wasi-adapters: `wasi-adapter-command`, `wasi-adapter-reactor`.
    """

    name: str
    source: str
    version: str
    root: str
    commands: dict[str, list[str]]
    env: dict[str, str] = field(default_factory=dict)
    sysroot: str | None = None
    pinned: bool = True  # False for `system` sources, which are detected, not hash-pinned
    package: str | None = None  # the wheel's project name for `pip` sources (e.g. ziglang)
    unavailable: dict[str, str] = field(default_factory=dict)  # role (or `setjmp`) -> why it is missing
    sjlj: dict[str, Any] | None = None  # lock.SjljSpec as JSON: what the cc/c++ wrappers add for setjmp
    files: dict[str, str] = field(default_factory=dict)  # role -> a file it provides (the WASI adapters)

    @property
    def origin(self) -> str:
        """Where it came from, for messages: `wasi-sdk 0.17.0.post0 from pip (ziglang)`."""
        package = f" ({self.package})" if self.package else ""
        return f"{self.name} {self.version} from {self.source}{package}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InstalledTool:
        """The tool `data` describes; TypeError when a field is missing, unknown or of the wrong type."""
        tool = cls(**data)
        problem = tool._wrong_field()
        if problem is not None:
            raise TypeError(problem)
        return tool

    def _wrong_field(self) -> str | None:
        def strings(value: object) -> bool:
            return isinstance(value, str) and "\0" not in value and _encodable(value)

        for name in ("name", "source", "version", "root"):
            if not strings(getattr(self, name)):
                return f"`{name}` is not a string"
        for name in ("sysroot", "package"):
            if getattr(self, name) is not None and not strings(getattr(self, name)):
                return f"`{name}` is not a string"
        if not isinstance(self.commands, dict) or not all(
                isinstance(argv, list) and argv and all(strings(a) for a in argv) for argv in self.commands.values()):
            return "`commands` is not an object of argv lists"
        for name in ("env", "unavailable", "files"):
            value = getattr(self, name)
            if not isinstance(value, dict) or not all(strings(k) and strings(v) for k, v in value.items()):
                return f"`{name}` is not an object of strings"
        if not isinstance(self.pinned, bool) or not (self.sjlj is None or isinstance(self.sjlj, dict)):
            return "`pinned` or `sjlj` has the wrong type"
        return None


@dataclass(frozen=True)
class Record:
    """Which installed tools one lock's content selects on one platform."""

    platform: str
    tools: dict[str, InstalledTool]
    lock_digest: str | None = None
    lock: str | None = None  # the lock file it was recorded for (resolved path)

    def gone(self) -> InstalledTool | None:
        """A tool whose directory is no longer in the store, if any."""
        return next((tool for tool in self.tools.values() if not Path(tool.root).is_dir()), None)


@dataclass(frozen=True)
class LockIndexEntry:
    """The last lock content set up from one lock file: the roots `store gc` keeps."""

    lock: str
    digest: str | None


def write_tool_manifest(tool: InstalledTool, directory: Path) -> None:
    """Record `tool` in `directory/toolchain.json`."""
    write_json_atomic(directory / MANIFEST_NAME, {"schema": SCHEMA, "tool": tool.to_json()})


def read_tool_manifest(directory: Path) -> InstalledTool:
    """The manifest of an installed tool directory; ToolchainError if missing or malformed."""
    path = directory / MANIFEST_NAME
    data = _read_json(path)
    try:
        return InstalledTool.from_json(data["tool"])
    except (KeyError, TypeError) as exc:
        raise ToolchainError(f"{path} is malformed ({exc})", SETUP_FIX) from None


def tool_manifest_or_none(directory: Path) -> InstalledTool | None:
    """The manifest of `directory`, or None when it is absent (an incomplete install) or unreadable."""
    if not (directory / MANIFEST_NAME).is_file():
        return None
    try:
        return read_tool_manifest(directory)
    except ToolchainError:
        return None


def write_record(path: Path, record: Record) -> None:
    extra = {"lock_digest": record.lock_digest, "lock": record.lock} if record.lock_digest else {}
    write_json_atomic(path, {**extra, "schema": SCHEMA, "platform": record.platform,
                             "tools": {name: tool.to_json() for name, tool in sorted(record.tools.items())}})


def read_record(path: Path) -> Record:
    """The record at `path`; one-line ToolchainError if missing or malformed (not whether its tools exist:
    `Record.gone`)."""
    if not path.is_file():
        raise ToolchainError(f"no toolchain installed (looked for {path})", SETUP_FIX)
    data = _read_json(path)
    try:
        tools = {name: InstalledTool.from_json(t) for name, t in data["tools"].items()}
        return Record(platform=data["platform"], tools=tools, lock_digest=data.get("lock_digest"),
                      lock=data.get("lock"))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ToolchainError(f"toolchain record {path} is malformed ({exc})", SETUP_FIX) from None


def record_or_none(path: Path) -> Record | None:
    """The record at `path`, or None when it is missing or malformed."""
    try:
        return read_record(path)
    except ToolchainError:
        return None


def write_lock_index(path: Path, entry: LockIndexEntry) -> None:
    write_json_atomic(path, {"schema": SCHEMA, "lock": entry.lock, "digest": entry.digest})


def lock_index_or_none(path: Path) -> LockIndexEntry | None:
    """The index entry at `path`, or None when it is missing, malformed or names no lock."""
    try:
        data = _read_json(path)
    except ToolchainError:
        return None
    lock, digest = data.get("lock"), data.get("digest")
    if not isinstance(lock, str) or not lock or "\0" in lock or not _encodable(lock):
        return None
    return LockIndexEntry(lock=lock, digest=digest if isinstance(digest, str) else None)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write one of the store's files; a one-line ToolchainError when the store cannot take it."""
    try:
        _write_json(path, data)
    except OSError as exc:
        raise ToolchainError(f"cannot write {path}: {exc.strerror or exc} ({exc.filename})",
                             "make the store writable, or empty it with `wasitool store clean --yes`") from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise ToolchainError(f"cannot read {path} ({exc})", SETUP_FIX) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ToolchainError(f"{path} has an unknown schema", SETUP_FIX)
    return data


def _encodable(text: str) -> bool:
    """Whether `text` is a path this process can name (no lone surrogate)."""
    try:
        os.fsencode(text)
    except UnicodeEncodeError:
        return False
    return True
