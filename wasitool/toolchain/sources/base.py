"""What the pinned sources share: the fetch context, command templates and the staged install."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wasitool.errors import ToolchainError
from wasitool.platforms import exe_suffix
from wasitool.toolchain.lock import PlatformPin, SourceSpec, ToolSpec
from wasitool.toolchain.manifest import InstalledTool, write_tool_manifest
from wasitool.toolchain.reporter import Reporter
from wasitool.toolchain.store import Store

if TYPE_CHECKING:
    import requests


@dataclass
class FetchContext:
    """Everything a source needs to know about this setup run."""

    store: Store
    platform: str
    reporter: Reporter
    offline: bool = False
    mirror: str | None = None
    _session: requests.Session | None = field(default=None, repr=False)

    @property
    def session(self) -> requests.Session:
        """One HTTP session per run, created on first use (requests is imported lazily)."""
        if self._session is None:
            from wasitool.toolchain.download import new_session

            self._session = new_session()
        return self._session

    def mirror_location(self, file_name: str) -> str | None:
        """Where the mirror would hold `file_name` (a path or URL), or None without a mirror."""
        if not self.mirror:
            return None
        from wasitool.toolchain.download import local_path

        base = local_path(self.mirror)
        return str(base / file_name) if base is not None else f"{self.mirror.rstrip('/')}/{file_name}"


def expand(template: str, root: Path, ctx: FetchContext) -> str:
    """Fill `{root}`, `{store}` and `{exe}` in a lock-file template."""
    return template.format(root=root.as_posix(), store=ctx.store.root.as_posix(), exe=exe_suffix(ctx.platform))


def tool_commands(tool: ToolSpec, spec: SourceSpec, root: Path, ctx: FetchContext) -> dict[str, list[str]]:
    """Role -> argv prefix: the lock's `commands`, plus `{bin}/<role>{exe}` for each role a `bin` dir provides."""
    commands = {role: [expand(part, root, ctx) for part in argv] for role, argv in spec.commands.items()}
    if spec.bin:
        for role in tool.provides:
            commands.setdefault(role, [expand(f"{{root}}/{spec.bin}/{role}{{exe}}", root, ctx)])
    return commands


def check_commands(tool: ToolSpec, spec: SourceSpec, content: Path, ctx: FetchContext) -> None:
    """Every role the tool provides must resolve to a file inside the unpacked content."""
    commands = tool_commands(tool, spec, content, ctx)
    for role in tool.provides:
        if role not in commands:
            raise ToolchainError(f"{spec.kind}: wasitool.lock gives no command for `{role}`")
        program = Path(commands[role][0])
        if not program.is_file():
            rel = program.relative_to(content) if program.is_relative_to(content) else program
            raise ToolchainError(f"{spec.kind}: the unpacked {tool.name} lacks {rel} (for `{role}`)",
                                 "fix the commands of this source in wasitool.lock")


def install_pinned(
    tool: ToolSpec,
    spec: SourceSpec,
    ctx: FetchContext,
    fetch_and_unpack: Callable[[PlatformPin, Path], Path],
) -> InstalledTool:
    """Stage, verify and atomically install a hash-pinned source; `fetch_and_unpack` returns the content dir."""
    pin = spec.pin(ctx.platform)
    final = ctx.store.install_dir(spec, pin, ctx.platform)
    with ctx.store.staging(final.name) as staging:
        content = fetch_and_unpack(pin, staging)
        check_commands(tool, spec, content, ctx)
        installed = InstalledTool(
            name=tool.name,
            source=spec.kind,
            version=spec.version,
            root=str(final),
            commands=tool_commands(tool, spec, final, ctx),
            env={k: expand(v, final, ctx) for k, v in spec.env.items()},
            sysroot=expand(f"{{root}}/{spec.sysroot}", final, ctx) if spec.sysroot else None,
            pinned=True,
        )
        write_tool_manifest(installed, content)
        ctx.store.commit(content, final)
    return installed
