"""Which compiler made a build: each tool's source kind, package, version and the sha256 of its pinned file.

Recorded next to a project's committed checksums (`wasitool build --write-sums`) so `wasitool verify` can
tell "same toolchain, different bytes" from "built with another toolchain". Nothing here names a path
of this machine, so identities compare across checkouts and hosts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wasitool.store.records import InstalledTool
from wasitool.toolchain.lock import Lock
from wasitool.toolchain.manifest import Toolchain


@dataclass(frozen=True)
class ToolIdentity:
    """One tool as a build used it. `sha256` is the pinned file's (None for `system` sources)."""

    tool: str
    source: str
    version: str
    platform: str
    package: str | None = None
    sha256: str | None = None
    program: str | None = None  # system sources: the compiler's file name (e.g. clang-16)

    def same_as(self, other: ToolIdentity) -> bool:
        """True when both name the same bytes (or, for system tools, the same program and version)."""
        return (self.source, self.package, self.version, self.sha256, self.program) == (
            other.source, other.package, other.version, other.sha256, other.program)

    def describe(self) -> str:
        """e.g. `wasi-sdk pip ziglang 0.17.0.post0 (linux-x86_64, sha256 c9528d6a2cdf)`."""
        what = " ".join(part for part in (self.tool, self.source, self.package or self.program, self.version) if part)
        detail = f"{self.platform}, sha256 {self.sha256[:12]}" if self.sha256 else self.platform
        return f"{what} ({detail})"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ToolIdentity:
        known = {"tool", "source", "version", "platform", "package", "sha256", "program"}
        return cls(**{k: str(v) for k, v in data.items() if k in known})


def tool_identity(lock: Lock, tool: InstalledTool, platform: str) -> ToolIdentity:
    """The identity of installed `tool`, with the sha256 of the pin `lock` gives its source on `platform`."""
    sha256 = None
    if tool.pinned and tool.name in lock.tools:
        for spec in lock.tools[tool.name].sources:
            pin = spec.platforms.get(platform)
            if spec.kind == tool.source and spec.version == tool.version and pin is not None and pin.sha256:
                sha256 = pin.sha256
                break
    program = None
    if not tool.pinned and tool.commands:  # the detected program that names the tool: its compiler, if any
        role = next((r for r in ("cc", *sorted(tool.commands)) if tool.commands.get(r)), None)
        program = Path(tool.commands[role][0]).name if role else None
    return ToolIdentity(tool=tool.name, source=tool.source, version=tool.version, platform=platform,
                        package=tool.package, sha256=sha256, program=program)


def toolchain_identity(lock: Lock, toolchain: Toolchain) -> dict[str, ToolIdentity]:
    """Tool name -> identity, for every tool of `toolchain`."""
    return {name: tool_identity(lock, tool, toolchain.platform) for name, tool in sorted(toolchain.tools.items())}


def differences(recorded: dict[str, ToolIdentity], current: dict[str, ToolIdentity]) -> list[str]:
    """One phrase per tool that differs: `wasi-sdk pip … (…), you have wasi-sdk system … (…)`.

    A tool only `current` has (one the lock gained since, such as wasm-tools) made none of the recorded
    bytes, and is no difference."""
    phrases = []
    for name in sorted(recorded):
        was, now = recorded.get(name), current.get(name)
        if was is None or now is None or not was.same_as(now):
            phrases.append(f"{was.describe() if was else f'no {name}'}, "
                           f"you have {now.describe() if now else f'no {name}'}")
    return phrases
