"""What an installed toolchain offers the build, whatever source installed it.

The store keeps one manifest per installed tool (`toolchain.json`, `wasitool.store.records.InstalledTool`)
and one record per lock and platform (`wasitool.toolchain.records`) that lists which installed tools that
lock's builds use; a `Toolchain` is such a record's tools with what the build asks of them.
Commands are argv prefixes so a wrapper such as `zig cc -target wasm32-wasi` fits the same slot as
wasi-sdk's `clang --target=wasm32-wasip1 --sysroot=...`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.store.records import SETUP_FIX, InstalledTool, read_record
from wasitool.toolchain.roles import Role


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


def load_record(path: Path) -> Toolchain:
    """The toolchain an install record names; one-line ToolchainError if it is missing or unreadable, or a
    tool it names is gone from the store."""
    record = read_record(path)
    gone = record.gone()
    if gone is not None:
        raise ToolchainError(f"installed {gone.name} is gone from the store ({gone.root})", SETUP_FIX)
    return Toolchain(platform=record.platform, tools=record.tools)
