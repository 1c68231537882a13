"""What every source kind is (`Source`), and what the pinned ones share: the fetch context, command
templates and the staged install."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from wasitool.errors import ToolchainError
from wasitool.platforms import exe_suffix
from wasitool.store.installs import Store
from wasitool.store.records import InstalledTool, write_tool_manifest
from wasitool.toolchain.lock import PlatformPin, SjljSpec, SourceSpec, ToolSpec
from wasitool.toolchain.reporter import Reporter

if TYPE_CHECKING:
    import requests


class Source(Protocol):
    """One kind of toolchain source (registered in `wasitool.toolchain.sources.SOURCES`)."""

    def install(self, tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> InstalledTool:
        """Make `spec` of `tool` installed in `ctx.store` for `ctx.platform` and describe it; a
        ToolchainError saying what failed (setup then tries the tool's next source)."""
        ...


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


def tool_files(spec: SourceSpec, root: Path, ctx: FetchContext) -> dict[str, str]:
    """Role -> file path: the lock's `files`, templates expanded."""
    return {role: expand(template, root, ctx) for role, template in spec.files.items()}


def check_commands(tool: ToolSpec, spec: SourceSpec, content: Path, ctx: FetchContext) -> dict[str, str]:
    """Every role the tool provides must resolve to a file inside the unpacked content.

    Returns the optional roles (in the lock's commands or files but not in `provides`) whose program or
    file is missing, with why: they are left out of the installed tool instead of failing the install.
    """
    commands = tool_commands(tool, spec, content, ctx)
    files = tool_files(spec, content, ctx)
    for role in tool.provides:
        if role not in commands and role not in files:
            raise ToolchainError(f"{spec.kind}: wasitool.lock gives no command or file for `{role}`")
    missing: dict[str, str] = {}
    for role, program in [*((r, Path(argv[0])) for r, argv in commands.items()),
                          *((r, Path(f)) for r, f in files.items())]:
        if not program.is_file():
            rel = program.relative_to(content) if program.is_relative_to(content) else program
            if role in tool.provides:
                raise ToolchainError(f"{spec.kind}: the unpacked {tool.name} lacks {rel} (for `{role}`)",
                                     "fix the commands of this source in wasitool.lock")
            missing[role] = f"the unpacked {tool.name} {spec.version} has no {rel}"
    return missing


def describe_install(tool: ToolSpec, spec: SourceSpec, final: Path, ctx: FetchContext,
                     missing: dict[str, str] | None = None) -> InstalledTool:
    """The manifest of `spec` installed at `final` (its commands, env, sysroot, what it lacks and why)."""
    missing = missing or {}
    commands = {role: argv for role, argv in tool_commands(tool, spec, final, ctx).items() if role not in missing}
    files = {role: path for role, path in tool_files(spec, final, ctx).items() if role not in missing}
    return InstalledTool(
        name=tool.name,
        source=spec.kind,
        version=spec.version,
        root=str(final),
        commands=commands,
        env={k: expand(v, final, ctx) for k, v in spec.env.items()},
        sysroot=expand(f"{{root}}/{spec.sysroot}", final, ctx) if spec.sysroot else None,
        pinned=True,
        package=spec.package,
        unavailable={**spec.lacks, **missing},
        sjlj=sjlj_json(spec.sjlj, final, ctx),
        files=files,
    )


def sjlj_json(sjlj: SjljSpec | None, root: Path, ctx: FetchContext) -> dict[str, Any] | None:
    """A lock's `sjlj` table as stored in the manifest (templates expanded)."""
    if sjlj is None:
        return None
    return {"compile": [expand(a, root, ctx) for a in sjlj.compile], "link": [expand(a, root, ctx) for a in sjlj.link],
            "library": [expand(a, root, ctx) for a in sjlj.library], "define_c_longjmp": sjlj.define_c_longjmp}


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
        missing = check_commands(tool, spec, content, ctx)
        installed = describe_install(tool, spec, final, ctx, missing)
        write_tool_manifest(installed, content)
        ctx.store.commit(content, final)
    return installed


def fetch_pinned_file(
    pin: PlatformPin,
    staging: Path,
    ctx: FetchContext,
    upstream: str | None = None,
    download: Callable[[Path], Path] | None = None,
    origin: str = "pip",
) -> Path:
    """The verified file `pin.file_name`, kept in the store's downloads (which can serve as a mirror).

    Tried in order: the store's downloads, the mirror, then (unless offline) `upstream` (a URL) or
    `download` (a function saving the file into the given dir through a package client, `origin`: pip, npm).
    """
    sha256 = pin.sha256
    assert sha256 is not None  # every pin of a pinned source has one (the lock parser requires it)
    kept = ctx.store.kept_download(pin.file_name)
    if kept is not None and kept[1] == sha256:
        return kept[0]
    differs = "" if kept is None else (
        f"; the store keeps its own {pin.file_name} (sha256 {kept[1]}, verified when it was fetched), which this "
        "pin disagrees with too")
    dest = staging / pin.file_name
    attempts: list[Callable[[], Path]] = []
    if (mirrored := ctx.mirror_location(pin.file_name)) is not None:
        attempts.append(lambda: _fetch(mirrored, sha256, dest, ctx))
    if not ctx.offline and upstream:
        attempts.append(lambda: _fetch(upstream, sha256, dest, ctx))
    if not ctx.offline and download:
        attempts.append(lambda: _verified(download(staging), sha256, origin))
    if not attempts and kept is not None:
        raise ToolchainError(
            f"wasitool.lock pins {pin.file_name} with sha256 {sha256}, but the store's verified copy has "
            f"sha256 {kept[1]} (kept)", _WRONG_PIN_FIX)
    if not attempts:
        raise ToolchainError(
            f"offline, and neither the store nor a mirror holds {pin.file_name}",
            "drop --offline, or pass --mirror DIR holding that file",
        )
    for i, attempt in enumerate(attempts):
        try:
            return ctx.store.keep_download(attempt())
        except ToolchainError as exc:
            if i == len(attempts) - 1:
                if differs:
                    raise ToolchainError(exc.problem + differs, _WRONG_PIN_FIX) from None
                raise
            ctx.reporter.note(f"mirror: {exc.problem}; trying upstream")
    raise AssertionError("unreachable")


_WRONG_PIN_FIX = ("if the pin is wrong, correct it (`wasitool lock refresh --tool T --version V`); if the store's "
                  "copy is damaged, run setup online (a verified download replaces it)")


def _fetch(location: str, sha256: str, dest: Path, ctx: FetchContext) -> Path:
    from wasitool.toolchain.download import fetch_verified, local_path

    fetch_verified(location, sha256, dest, ctx.reporter, None if local_path(location) else ctx.session)
    return dest


def _verified(path: Path, sha256: str, origin: str) -> Path:
    from wasitool.toolchain.download import verify_file

    verify_file(path, sha256, origin=origin)
    return path
