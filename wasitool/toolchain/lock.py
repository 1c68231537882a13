"""Parsing and validating `wasitool.lock` into plain dataclasses (no network, no store)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

from wasitool import tomlread
from wasitool.errors import ToolchainError
from wasitool.platforms import PLATFORMS
from wasitool.toolchain.source_kinds import SOURCE_KINDS, UNPINNED, SourceKind, is_source_kind

SCHEMA = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
LOCK_FIX = "correct wasitool.lock (see the comments at its top)"


@dataclass(frozen=True)
class PlatformPin:
    """Where one platform's bytes come from: an archive URL, a wheel or npm tarball file name, and their sha256."""

    sha256: str | None = None
    url: str | None = None
    wheel: str | None = None
    strip: str | None = None
    unavailable: str | None = None  # why there is no usable pin for this platform
    tarball: str | None = None  # npm: the file `npm pack` writes (the same on every platform)

    @property
    def file_name(self) -> str:
        """The file name a mirror is searched for."""
        if self.wheel or self.tarball:
            return self.wheel or self.tarball or ""
        assert self.url is not None
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SjljSpec:
    """What a source's cc/c++ wrappers add for setjmp/longjmp (wasm exception handling).

    `compile` is added to commands that pass `-mllvm -wasm-enable-sjlj`; `link` to every link command.
    `library` (C sources, compiled as sjlj code) and `define_c_longjmp` (an object defining the
    `__c_longjmp` tag) make a support archive added to every link, for a libc whose setjmp runtime is
    missing unless the link itself enables exception handling, and throws a tag it does not define (zig 0.17).
    """

    compile: tuple[str, ...] = ()
    link: tuple[str, ...] = ()
    library: tuple[str, ...] = ()
    define_c_longjmp: bool = False


@dataclass(frozen=True)
class SourceSpec:
    """One way of obtaining a tool, as the lock file declares it."""

    tool: str
    index: int
    kind: SourceKind
    version: str = ""
    platforms: dict[str, PlatformPin] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    sysroot: str | None = None
    bin: str | None = None
    package: str | None = None
    unpack: tuple[str, ...] = ()
    executables: tuple[str, ...] = ()
    min_version: str | None = None
    lacks: dict[str, str] = field(default_factory=dict)  # role -> why this source cannot offer it
    sjlj: SjljSpec | None = None  # how its cc/c++ wrappers complete setjmp/longjmp builds
    files: dict[str, str] = field(default_factory=dict)  # role -> a file the tool provides (not a command)
    members: dict[str, str] = field(default_factory=dict)  # npm: tarball member -> its sha256 (all unpacked)

    @property
    def label(self) -> str:
        """Short name used in messages, e.g. `wasi-sdk archive 33.0`."""
        return f"{self.tool} {self.kind} {self.version}".rstrip()

    @property
    def pinned(self) -> bool:
        """True when the source installs hash-verified bytes."""
        return self.kind not in UNPINNED

    @property
    def platforms_pin(self) -> PlatformPin:
        """The one pin of a source whose file is the same on every platform (npm)."""
        return next(iter(self.platforms.values()))

    def pin(self, platform: str) -> PlatformPin:
        """The pin for `platform`; ToolchainError when the lock has none or marks it unavailable."""
        pin = self.platforms.get(platform)
        if pin is None:
            raise ToolchainError(
                f"{self.kind}: wasitool.lock pins no {self.tool} {self.version} for {platform}",
                f"add a pin with `wasitool lock refresh --tool {self.tool} --version {self.version}`",
            )
        if pin.unavailable:
            raise ToolchainError(f"{self.kind}: no verified {self.tool} for {platform}: {pin.unavailable}")
        return pin


@dataclass(frozen=True)
class ToolSpec:
    """A tool and its sources, in the order they are tried."""

    name: str
    summary: str
    provides: tuple[str, ...]
    sources: tuple[SourceSpec, ...]
    reproducible_source: str | None = None  # the source kind committed checksums were made with
    optional: bool = False  # setup goes on without it when every source fails (what needs it says so)

    @property
    def ordered_sources(self) -> tuple[SourceSpec, ...]:
        """The sources in the order setup tries them: the reproducible source first, then the lock's order."""
        if self.reproducible_source is None:
            return self.sources
        first = tuple(s for s in self.sources if s.kind == self.reproducible_source)
        return first + tuple(s for s in self.sources if s.kind != self.reproducible_source)


@dataclass(frozen=True)
class Lock:
    """The whole lock file."""

    path: Path
    tools: dict[str, ToolSpec]
    digest: str = ""  # sha256 of the parsed content: comments and layout do not change it

    def tool(self, name: str) -> ToolSpec:
        try:
            return self.tools[name]
        except KeyError:
            known = ", ".join(sorted(self.tools))
            raise ToolchainError(f"unknown tool {name!r} (the lock file has: {known})") from None


def load_lock(path: Path) -> Lock:
    """Read and validate the lock file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ToolchainError(f"cannot read lock file {path} ({exc.strerror})", LOCK_FIX) from None
    return parse_lock(text, path)


def parse_lock(text: str, path: Path) -> Lock:
    """Validate lock-file text; every problem is one ToolchainError naming the TOML key at fault."""
    try:
        data = tomlread.loads(text)
    except tomlread.TOMLDecodeError as exc:
        raise ToolchainError(f"{path.name} is not valid TOML ({exc})", LOCK_FIX) from None
    where = _Where(path.name)
    if data.get("schema") != SCHEMA:
        where.fail("schema", f"must be {SCHEMA}")
    tools_data = _table(data, "tools", where)
    if not tools_data:
        where.fail("tools", "lists no tools")
    tools = {name: _parse_tool(name, _as_table(body, where.at(f"tools.{name}")), where.at(f"tools.{name}"))
             for name, body in tools_data.items()}
    return Lock(path=path, tools=tools, digest=content_digest(data))


def content_digest(data: dict[str, Any]) -> str:
    """sha256 of a parsed lock, independent of comments, key order and layout (`wasitool lock hash`)."""
    import json

    from wasitool.digest import sha256_text

    return sha256_text(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str))


class _Where:
    """The TOML location being validated, for one-line messages."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def at(self, key: str) -> _Where:
        return _Where(f"{self.prefix}: {key}" if ": " not in self.prefix else f"{self.prefix}.{key}")

    def fail(self, key: str, problem: str) -> NoReturn:
        location = self.at(key).prefix if key else self.prefix
        raise ToolchainError(f"{location} {problem}", LOCK_FIX)


def _as_table(value: Any, where: _Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        where.fail("", "must be a table")
    return value


def _table(data: dict[str, Any], key: str, where: _Where) -> dict[str, Any]:
    if key not in data:
        where.fail(key, "is missing")
    return _as_table(data[key], where.at(key))


@overload
def _string(data: dict[str, Any], key: str, where: _Where, required: Literal[True] = True) -> str: ...
@overload
def _string(data: dict[str, Any], key: str, where: _Where, required: bool) -> str | None: ...
def _string(data: dict[str, Any], key: str, where: _Where, required: bool = True) -> str | None:
    """`data[key]`, a non-empty string; None when absent and not `required` (a missing required key fails)."""
    value = data.get(key)
    if value is None:
        if required:
            where.fail(key, "is missing")
        return None
    if not isinstance(value, str) or not value:
        where.fail(key, "must be a non-empty string")
    return value


def _strings(value: Any, where: _Where) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        where.fail("", "must be a list of strings")
    return tuple(value)


def _parse_tool(name: str, body: dict[str, Any], where: _Where) -> ToolSpec:
    provides = _strings(body.get("provides", []), where.at("provides"))
    if not provides:
        where.fail("provides", "must list the commands the tool provides")
    sources_data = body.get("sources")
    if not isinstance(sources_data, list) or not sources_data:
        where.fail("sources", "must be a non-empty array of tables ([[tools.NAME.sources]])")
    sources = tuple(
        _parse_source(name, i, _as_table(s, where.at(f"sources[{i}]")), where.at(f"sources[{i}]"))
        for i, s in enumerate(sources_data)
    )
    reproducible = _string(body, "reproducible-source", where, required=False)
    pinned_kinds = sorted({s.kind for s in sources if s.pinned})
    if reproducible is not None and reproducible not in pinned_kinds:
        where.fail("reproducible-source", f"is {reproducible!r}; expected the kind of one of this tool's "
                   f"hash-pinned sources ({', '.join(pinned_kinds) or 'it has none'})")
    optional = body.get("optional", False)
    if not isinstance(optional, bool):
        where.fail("optional", "must be true or false")
    return ToolSpec(name=name, summary=str(body.get("summary", "")), provides=provides, sources=sources,
                    reproducible_source=reproducible, optional=optional)


def _parse_source(tool: str, index: int, body: dict[str, Any], where: _Where) -> SourceSpec:
    kind = _string(body, "kind", where)
    if not is_source_kind(kind):
        where.fail("kind", f"is {kind!r}; expected one of {', '.join(SOURCE_KINDS)}")
    commands = {
        role: list(_strings(argv, where.at(f"commands.{role}")))
        for role, argv in _as_table(body.get("commands", {}), where.at("commands")).items()
    }
    env = _as_table(body.get("env", {}), where.at("env"))
    if not all(isinstance(v, str) for v in env.values()):
        where.fail("env", "values must be strings")
    spec = SourceSpec(
        tool=tool,
        index=index,
        kind=kind,
        version=_string(body, "version", where, required=kind not in UNPINNED) or "",
        commands=commands,
        env=dict(env),
        sysroot=_string(body, "sysroot", where, required=False),
        bin=_string(body, "bin", where, required=False),
        package=_string(body, "package", where, required=kind in ("pip", "npm")),
        unpack=_strings(body.get("unpack", []), where.at("unpack")),
        executables=_strings(body.get("executables", []), where.at("executables")),
        min_version=_string(body, "min_version", where, required=False),
        lacks=_reasons(body.get("lacks", {}), where.at("lacks")),
        sjlj=_parse_sjlj(body["sjlj"], where.at("sjlj")) if "sjlj" in body else None,
        files=_templates(body.get("files", {}), where.at("files")),
        members=_parse_members(body, where) if kind == "npm" else {},
        platforms=_parse_platforms(kind, body, where) if kind not in UNPINNED else {},
    )
    if kind not in UNPINNED and not (spec.commands or spec.bin or spec.files):
        where.fail("commands", "is missing (or give `bin`, the directory holding the commands, or `files`)")
    return spec


def _templates(value: Any, where: _Where) -> dict[str, str]:
    table = _as_table(value, where)
    if not all(isinstance(v, str) and v for v in table.values()):
        where.fail("", "values must be non-empty strings (a path template such as \"{root}/lib/x.wasm\")")
    return dict(table)


def _sha256(value: Any, here: _Where, key: str) -> str:
    if value is None:
        here.fail(key, "is missing")
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        here.fail(key, f"is {value!r}, not a sha256 (64 lowercase hex digits)")
    return value


def _parse_members(body: dict[str, Any], where: _Where) -> dict[str, str]:
    """npm: the tarball members to unpack, each with its sha256 (verified after unpacking)."""
    members = _table(body, "members", where)
    if not members:
        where.fail("members", "lists no member (`members.\"package/PATH\" = \"SHA256\"`)")
    return {name: _sha256(sha, where.at("members"), f'"{name}"') for name, sha in members.items()}


def _reasons(value: Any, where: _Where) -> dict[str, str]:
    table = _as_table(value, where)
    if not all(isinstance(v, str) and v for v in table.values()):
        where.fail("", "values must be non-empty strings (why the role is missing)")
    return dict(table)


def _parse_sjlj(value: Any, where: _Where) -> SjljSpec:
    table = _as_table(value, where)
    unknown = sorted(set(table) - {"compile", "link", "library", "define_c_longjmp"})
    if unknown:
        where.fail(unknown[0], "is not a known key (known: compile, link, library, define_c_longjmp)")
    define = table.get("define_c_longjmp", False)
    if not isinstance(define, bool):
        where.fail("define_c_longjmp", "must be true or false")
    return SjljSpec(compile=_strings(table.get("compile", []), where.at("compile")),
                    link=_strings(table.get("link", []), where.at("link")),
                    library=_strings(table.get("library", []), where.at("library")), define_c_longjmp=define)


def _parse_platforms(kind: str, body: dict[str, Any], where: _Where) -> dict[str, PlatformPin]:
    if kind == "npm":  # one tarball for every platform: pinned once, at the source's level
        if "platforms" in body:
            where.fail("platforms", "does not apply to npm (one tarball for every platform: give "
                       "`tarball` and `sha256`)")
        pin = PlatformPin(sha256=_sha256(body.get("sha256"), where, "sha256"), tarball=_string(body, "tarball", where))
        return dict.fromkeys(PLATFORMS, pin)
    platforms = _table(body, "platforms", where)
    pins: dict[str, PlatformPin] = {}
    for platform, pin_data in platforms.items():
        here = where.at(f"platforms.{platform}")
        if platform not in PLATFORMS:
            here.fail("", f"is not a known platform (known: {', '.join(PLATFORMS)})")
        pin_data = _as_table(pin_data, here)
        unavailable = _string(pin_data, "unavailable", here, required=False)
        if unavailable:
            pins[platform] = PlatformPin(unavailable=unavailable)
            continue
        location_key = "url" if kind == "archive" else "wheel"
        sha256 = _string(pin_data, "sha256", here)
        if not _SHA256.fullmatch(sha256 or ""):
            here.fail("sha256", f"is {sha256!r}, not a sha256 (64 lowercase hex digits)")
        pins[platform] = PlatformPin(
            sha256=sha256,
            url=_string(pin_data, "url", here, required=kind == "archive"),
            wheel=_string(pin_data, "wheel", here, required=kind == "pip"),
            strip=_string(pin_data, "strip", here, required=False),
        )
        _string(pin_data, location_key, here)
    return pins
