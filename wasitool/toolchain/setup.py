"""`wasitool setup`: make every tool of the lock file installed, trying its sources in order.

A warm run only reads manifests (no lock, no network). A cold run takes the store lock, so a
concurrent setup waits and then reuses what the first one installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.platforms import PLATFORMS, host_platform
from wasitool.store.installs import Store
from wasitool.store.layout import Layout
from wasitool.store.records import InstalledTool, write_tool_manifest
from wasitool.toolchain.lock import SourceSpec, ToolSpec, load_lock
from wasitool.toolchain.manifest import Toolchain, load_record
from wasitool.toolchain.records import pinned_install, write_record
from wasitool.toolchain.reporter import Reporter, SilentReporter
from wasitool.toolchain.sources import SOURCES
from wasitool.toolchain.sources.base import FetchContext, check_commands, describe_install


@dataclass
class SetupOptions:
    """The knobs of `wasitool setup`."""

    lock_path: Path
    source_kind: str | None = None
    offline: bool = False
    mirror: str | None = None
    frozen: bool = False
    platform: str | None = None
    tools: list[str] | None = None
    force: bool = False
    store: Path | None = None


@dataclass
class ToolOutcome:
    """How one tool was obtained: `reused` when the store already had it."""

    tool: InstalledTool
    reused: bool
    failures: list[str] = field(default_factory=list)


@dataclass
class SetupResult:
    toolchain: Toolchain
    outcomes: dict[str, ToolOutcome]
    record: Path  # the install record of this lock and platform
    wrappers: Path | None  # the directory of wrapper executables (host platform only)
    lock: Path
    store: Path
    skipped: dict[str, str] = field(default_factory=dict)  # optional tool -> why it was not installed


class SourcesExhausted(ToolchainError):
    """Every source of a tool failed; reported by the CLI as one line per source."""

    def __init__(self, tool: str, platform: str, failures: list[str], fix: str) -> None:
        super().__init__(f"could not install {tool} for {platform}", fix)
        self.failures = failures

    def one_line(self) -> str:
        """The problem and every source's failure on a single line (for a table cell or a skipped tool)."""
        text = " ".join(f"{self.problem}: {'; '.join(self.failures)}".split())
        return f"{text} (fix: {' '.join(self.fix.split())})" if self.fix else text

    def report(self) -> str:
        lines = [f"{self.problem}:", *(f"  {line}" for line in self.failures)]
        return "\n".join(lines) + (f"\n  fix: {self.fix}" if self.fix else "")


def run_setup(options: SetupOptions, reporter: Reporter | None = None) -> SetupResult:
    """Install (or reuse) every requested tool and point the build at them."""
    reporter = reporter or SilentReporter()
    lock = load_lock(options.lock_path)
    platform = options.platform or host_platform()
    if platform not in PLATFORMS:
        raise ToolchainError(f"unknown platform {platform!r}", f"use one of {', '.join(PLATFORMS)}")
    store = Store(options.store or Layout().root)
    ctx = FetchContext(store=store, platform=platform, reporter=reporter, offline=options.offline,
                       mirror=options.mirror)
    names = options.tools or list(lock.tools)
    outcomes: dict[str, ToolOutcome] = {}
    skipped: dict[str, str] = {}
    for name in names:
        tool = lock.tool(name)
        try:
            outcomes[name] = _ensure_tool(tool, _candidates(tool, options), ctx, options.force, options.frozen)
        except ToolchainError as exc:
            if not tool.optional:
                raise
            skipped[name] = exc.one_line()
    record = store.layout.record(lock.digest, platform)
    tools = _previous_tools(record) if options.tools else {}
    tools.update({name: outcome.tool for name, outcome in outcomes.items()})
    toolchain = Toolchain(platform=platform, tools=tools)
    write_record(store.root, lock, toolchain)  # after --tool T: T's choice merged into the earlier record
    wrappers = _write_wrappers(toolchain, record, reporter) if platform == host_platform() else None
    return SetupResult(toolchain=toolchain, outcomes=outcomes, record=record, store=store.root,
                       lock=lock.path, wrappers=wrappers, skipped=skipped)


def _write_wrappers(toolchain: Toolchain, record: Path, reporter: Reporter) -> Path | None:
    """The record's wrapper executables (`wasm32-wasi-cc`, …) for make, CMake and the like."""
    from wasitool.store.layout import Layout
    from wasitool.toolchain.wrappers import ensure_wrappers

    bin_dir = Layout.wrappers(record)
    try:
        ensure_wrappers(toolchain, bin_dir)
    except ToolchainError as exc:  # the toolchain itself is installed; `wasitool env` says this again
        reporter.note(f"wrapper executables not written: {exc.one_line()}")
        return None
    return bin_dir


def _candidates(tool: ToolSpec, options: SetupOptions) -> list[SourceSpec]:
    """The sources to try for `tool`. `--source KIND` chooses among the tools that have a KIND source; a
    tool with none (the adapters have only npm) keeps its own, so `--source pip` sets up a whole lock."""
    kind = options.source_kind if any(s.kind == options.source_kind for s in tool.sources) else None
    sources = [s for s in tool.ordered_sources if kind in (None, s.kind)]
    if options.frozen:
        sources = [s for s in sources if s.pinned]
    if not sources:
        wanted = f"{kind} " if kind else ""
        frozen = " hash-pinned" if options.frozen else ""
        raise ToolchainError(f"wasitool.lock lists no{frozen} {wanted}source for {tool.name}",
                             "drop --source/--frozen, or add such a source to wasitool.lock")
    reproducible = tool.reproducible_source
    if options.frozen and reproducible:
        if kind not in (None, reproducible):
            raise ToolchainError(f"--frozen installs {tool.name} only from its reproducible source {reproducible} "
                                 f"(wasitool.lock), not {kind}", "drop --source, or drop --frozen")
        sources = [s for s in sources if s.kind == reproducible]
    return sources


def _ensure_tool(tool: ToolSpec, sources: list[SourceSpec], ctx: FetchContext, force: bool,
                 frozen: bool = False) -> ToolOutcome:
    # With a reproducible source, only it counts as "already there": another installed source is a fallback.
    preferred = sources[:1] if tool.reproducible_source else sources
    if not force and (found := _already_installed(tool, preferred, ctx)):
        return ToolOutcome(found, reused=True)
    waiting = f"waiting for another wasitool setup to finish with the store ({ctx.store.layout.lock_file})"
    with ctx.store.locked(on_wait=lambda: ctx.reporter.note(waiting)):
        if not force and (found := _already_installed(tool, preferred, ctx)):
            return ToolOutcome(found, reused=True)
        failures: list[str] = []
        for spec in sources:
            if not force and failures and (found := _already_installed(tool, [spec], ctx)):
                _note_not_reproducible(tool, spec, ctx)
                return ToolOutcome(found, reused=True, failures=failures)
            try:
                installed = SOURCES.create(spec.kind).install(tool, spec, ctx)
                if failures:
                    _note_not_reproducible(tool, spec, ctx)
                return ToolOutcome(installed, reused=False, failures=failures)
            except ToolchainError as exc:
                if frozen and tool.reproducible_source:
                    raise ToolchainError(
                        f"--frozen: {tool.name} must come from its reproducible source {spec.kind} "
                        f"(wasitool.lock), which failed: {exc.problem}", exc.fix or _fix_for(sources, ctx)) from None
                failures.append(_labelled(spec.kind, exc.one_line()))
                following = sources[sources.index(spec) + 1 :]
                if following:
                    ctx.reporter.note(f"{tool.name} {_labelled(spec.kind, exc.problem)}, trying {following[0].kind}")
    raise SourcesExhausted(tool.name, ctx.platform, failures, _fix_for(sources, ctx))


def _labelled(kind: str, text: str) -> str:
    """`kind: text`, once: a source's own messages may already start with its kind."""
    return text if text.startswith(f"{kind}: ") else f"{kind}: {text}"


def _note_not_reproducible(tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> None:
    if tool.reproducible_source and spec.kind != tool.reproducible_source:
        ctx.reporter.note(f"{tool.name}: using the {spec.kind} source, not the reproducible "
                          f"{tool.reproducible_source} source: modules may differ from committed checksums")


def _already_installed(tool: ToolSpec, sources: list[SourceSpec], ctx: FetchContext) -> InstalledTool | None:
    """The first pinned source, in lock order, whose exact pin is already in the store.

    When the lock now describes the installed files differently (e.g. it gained roles), the manifest is
    brought up to date from the files on disk, without reinstalling.
    """
    installed = pinned_install(sources, ctx.store, ctx.platform)
    return _current_manifest(tool, *installed, ctx) if installed is not None else None


def _current_manifest(tool: ToolSpec, spec: SourceSpec, directory: Path, found: InstalledTool,
                      ctx: FetchContext) -> InstalledTool | None:
    """`found`, or the manifest the lock now gives for the same files (rewritten); None if files are missing."""
    try:
        expected = describe_install(tool, spec, directory, ctx, check_commands(tool, spec, directory, ctx))
    except ToolchainError:
        return None  # a role the lock requires is not among the installed files: reinstall
    if expected != found:
        write_tool_manifest(expected, directory)
    return expected


def _previous_tools(record: Path) -> dict[str, InstalledTool]:
    try:
        return dict(load_record(record).tools)
    except ToolchainError:
        return {}


def _fix_for(sources: list[SourceSpec], ctx: FetchContext) -> str:
    kinds = {s.kind for s in sources}
    if ctx.offline:
        return "re-run without --offline, or pass --mirror DIR holding the pinned files"
    if "system" in kinds:
        return ("check the network and re-run `wasitool setup`, "
                "or install the tools and run `wasitool setup --source system`")
    return "check the network and re-run `wasitool setup`"


