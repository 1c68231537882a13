"""`toolchain.json`: what an installed toolchain offers the build, whatever source installed it.

The store keeps one manifest per installed tool (inside its directory) and one record per lock and
platform (`wasitool.toolchain.records`) that lists which installed tools that lock's builds use.
Commands are argv prefixes so a wrapper such as `zig cc -target wasm32-wasi` fits the same slot as
wasi-sdk's `clang --target=wasm32-wasip1 --sysroot=...`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wasitool.errors import ToolchainError
from wasitool.toolchain.roles import Role

SCHEMA = 1
SETUP_FIX = "run `wasitool setup`"


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

    @property
    def provider(self) -> str | None:
        """What really provides the tool, when its source says: the pip package (`ziglang` for wasi-sdk's
        roles) or a system source's detected compiler (`clang-16`); None for an archive of the tool itself."""
        if self.package:
            return f"{self.source} package {self.package}"
        if not self.pinned and self.commands:
            role = "cc" if "cc" in self.commands else sorted(self.commands)[0]
            return f"{self.source}: {Path(self.commands[role][0]).name}"
        return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InstalledTool:
        return cls(**data)


@dataclass(frozen=True)
class Toolchain:
    """The tools the build uses on one platform."""

    platform: str
    tools: dict[str, InstalledTool]

    def command(self, role: Role) -> list[str]:
        """argv prefix for `role` (e.g. `cc`, `wat2wasm`); raises ToolchainError when no tool offers it."""
        for tool in self.tools.values():
            if role in tool.commands:
                return list(tool.commands[role])
        raise self.missing(role)

    def file(self, role: Role) -> str:
        """The file a tool provides for `role` (e.g. `wasi-adapter-command`); ToolchainError when none does."""
        for tool in self.tools.values():
            if role in tool.files:
                return tool.files[role]
        raise self.missing(role)

    def has(self, role: Role) -> bool:
        """True when a tool offers `role`, as a command or a file."""
        return any(role in tool.commands or role in tool.files for tool in self.tools.values())

    def roles(self) -> dict[str, InstalledTool]:
        """Every role the installed tools offer, and which tool offers it."""
        return {role: tool for tool in self.tools.values() for role in tool.commands}

    def missing(self, role: Role) -> ToolchainError:
        """The one-line error for a role no tool offers, naming the source that lacks it and why."""
        for tool in self.tools.values():
            if role in tool.unavailable:
                return ToolchainError(
                    f"`{role}` is not available from {tool.origin}: {tool.unavailable[role]}",
                    f"use another source for {tool.name} (`wasitool setup --source archive` or "
                    f"`--source system`; see wasitool.lock)")
        offered = ", ".join(sorted({*self.roles(), *(r for t in self.tools.values() for r in t.files)})) or "none"
        return ToolchainError(f"the installed toolchain has no `{role}` command (it has: {offered})", SETUP_FIX)

    def env(self) -> dict[str, str]:
        """Extra environment variables the tools need (e.g. zig's cache directories)."""
        merged: dict[str, str] = {}
        for tool in self.tools.values():
            merged.update(tool.env)
        return merged


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as JSON to `path` via a temporary file and one `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_tool_manifest(tool: InstalledTool, directory: Path) -> None:
    """Record `tool` in `directory/toolchain.json`."""
    write_json_atomic(directory / "toolchain.json", {"schema": SCHEMA, "tool": tool.to_json()})


def read_tool_manifest(directory: Path) -> InstalledTool:
    """Read the manifest of an installed tool directory."""
    data = _read_json(directory / "toolchain.json")
    return InstalledTool.from_json(data["tool"])


def write_pointer(path: Path, toolchain: Toolchain, extra: dict[str, Any] | None = None) -> None:
    """Record which installed tools the build uses (`extra`: more keys for the record)."""
    write_json_atomic(
        path,
        {
            **(extra or {}),
            "schema": SCHEMA,
            "platform": toolchain.platform,
            "tools": {name: tool.to_json() for name, tool in sorted(toolchain.tools.items())},
        },
    )


def read_pointer(path: Path) -> Toolchain:
    """Load the toolchain a pointer file names; one-line ToolchainError if missing or unreadable."""
    if not path.is_file():
        raise ToolchainError(f"no toolchain installed (looked for {path})", SETUP_FIX)
    data = _read_json(path)
    try:
        tools = {name: InstalledTool.from_json(t) for name, t in data["tools"].items()}
        toolchain = Toolchain(platform=data["platform"], tools=tools)
    except (KeyError, TypeError) as exc:
        raise ToolchainError(f"toolchain pointer {path} is malformed ({exc})", SETUP_FIX) from None
    for tool in tools.values():
        if not Path(tool.root).is_dir():
            raise ToolchainError(f"installed {tool.name} is gone from the store ({tool.root})", SETUP_FIX)
    return toolchain


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolchainError(f"cannot read {path} ({exc})", SETUP_FIX) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ToolchainError(f"{path} has an unknown schema", SETUP_FIX)
    return data
