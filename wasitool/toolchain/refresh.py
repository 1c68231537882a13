"""Lock maintenance: `wasitool lock refresh` (recompute the sha256 pins of one tool version from its
real files) and `wasitool lock update` (move one source of a tool to another version: version, URLs or
wheel names, `strip` dirs and sha256s).

The lock is edited with tomlkit, so its comments, order and layout are kept; only the values that
change are rewritten. Files are read from `--mirror` first (by file name); one the mirror lacks is
fetched upstream (the archive URL, pip for wheels, `npm pack` for npm tarballs, whose members are hashed
too). `update` writes nothing unless every platform's new file was found and hashed.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasitool.digest import sha256_file
from wasitool.errors import ToolchainError
from wasitool.store.installs import Store
from wasitool.toolchain.download import fetch_file
from wasitool.toolchain.lock import Lock, PlatformPin, SourceSpec, load_lock
from wasitool.toolchain.reporter import Reporter
from wasitool.toolchain.sources.base import FetchContext


@dataclass
class RefreshedPin:
    """The outcome for one platform pin."""

    kind: str
    platform: str
    file_name: str
    old_sha256: str
    new_sha256: str | None = None
    error: str | None = None
    origin: str = ""  # "mirror", "upstream" or "upstream (not in the mirror)"
    url: str | None = None  # archive: the (new) URL
    strip: str | None = None  # archive: the (new) top-level directory

    @property
    def changed(self) -> bool:
        return self.new_sha256 is not None and self.new_sha256 != self.old_sha256


def refresh_lock(
    lock_path: Path, tool: str, version: str, mirror: str | None, reporter: Reporter
) -> list[RefreshedPin]:
    """Hash every pinned file of `tool` at `version` and rewrite the changed checksums in place."""
    lock = load_lock(lock_path)
    specs = [s for s in lock.tool(tool).sources if s.pinned and s.version == version]
    if not specs:
        versions = sorted({s.version for s in lock.tool(tool).sources if s.pinned})
        raise ToolchainError(
            f"{lock_path.name} has no pinned {tool} source at version {version} (it has {', '.join(versions)})",
            "edit the version and file names in the lock first, or use `wasitool lock update`",
        )
    npm_specs = [s for s in specs if s.kind == "npm"]
    specs = [s for s in specs if s.kind != "npm"]
    npm = [_hash_npm(spec, spec.version, spec.platforms_pin.file_name, mirror, reporter) for spec in npm_specs]
    results = _hash_pins(specs, mirror, reporter, lambda spec, platform, pin: (pin.file_name, pin.url, pin.strip))
    document = _parse(lock_path)
    for spec, (result, members) in zip(npm_specs, npm, strict=True):
        if result.new_sha256 is not None:
            _set_npm_pins(_source_table(document, spec), result, members)
        results.append(result)
    for spec in specs:
        for result in results:
            if result.kind == spec.kind and result.changed and result.new_sha256:
                _pin_table(document, spec, result.platform)["sha256"] = result.new_sha256
    _write(lock_path, document)
    return results


def update_lock(lock_path: Path, tool: str, version: str, source_kind: str | None, mirror: str | None,
                reporter: Reporter) -> tuple[SourceSpec, list[RefreshedPin]]:
    """Move one hash-pinned source of `tool` to `version` on every platform it pins. Returns the source
    as it was and the new pins; the lock is only rewritten when every pin was fetched and hashed."""
    lock = load_lock(lock_path)
    spec = pick_source(lock, tool, source_kind)
    if spec.kind == "npm":
        return spec, _update_npm(lock_path, spec, version, mirror, reporter)

    def relocate(_: SourceSpec, platform: str, pin: PlatformPin) -> tuple[str, str | None, str | None]:
        if spec.kind == "pip":
            return swap_wheel_version(pin.file_name, spec.version, version), None, None
        url = swap_version(pin.url or "", spec.version, version)
        strip = swap_version(pin.strip, spec.version, version) if pin.strip else None
        return url.rstrip("/").rsplit("/", 1)[-1], url, strip

    renamed = dataclasses.replace(spec, version=version)
    results = _hash_pins([renamed], mirror, reporter, relocate, pins_of=spec)
    if any(r.error for r in results):
        return spec, results
    document = _parse(lock_path)
    _source_table(document, spec)["version"] = version
    for result in results:
        table = _pin_table(document, spec, result.platform)
        table["sha256"] = result.new_sha256 or ""
        if spec.kind == "pip":
            table["wheel"] = result.file_name
        else:
            table["url"] = result.url or ""
            if result.strip is not None:
                table["strip"] = result.strip
    _write(lock_path, document)
    load_lock(lock_path)  # what was written must still be a valid lock
    return spec, results


def _update_npm(lock_path: Path, spec: SourceSpec, version: str, mirror: str | None,
                reporter: Reporter) -> list[RefreshedPin]:
    """`lock update` of an npm source: the tarball of `version`, its sha256 and its members' sha256s."""
    tarball = swap_version(spec.platforms_pin.file_name, spec.version, version)
    result, members = _hash_npm(dataclasses.replace(spec, version=version), version, tarball, mirror, reporter)
    if result.error is None:
        document = _parse(lock_path)
        table = _source_table(document, spec)
        table["version"] = version
        table["tarball"] = result.file_name
        _set_npm_pins(table, result, members)
        _write(lock_path, document)
        load_lock(lock_path)  # what was written must still be a valid lock
    return [result]


def _hash_npm(spec: SourceSpec, version: str, tarball: str, mirror: str | None,
              reporter: Reporter) -> tuple[RefreshedPin, dict[str, str]]:
    """Hash the npm tarball `tarball` (mirror first, then `npm pack`) and each of `spec`'s members in it."""
    from wasitool.toolchain.extract import extract_archive
    from wasitool.toolchain.sources.npm import npm_pack

    result = RefreshedPin("npm", "every platform", tarball, spec.platforms_pin.sha256 or "")
    members: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="wasitool-lock-") as tmp:
        ctx = FetchContext(store=Store(Path(tmp)), platform="any", reporter=reporter, mirror=mirror)
        workdir = Path(tmp) / "npm"
        workdir.mkdir()
        try:
            location = ctx.mirror_location(tarball)
            saved = workdir / tarball
            try:
                if location is None:
                    raise ToolchainError("no mirror")
                fetch_file(location, saved, reporter, _session(location, ctx))
                result.origin = "mirror"
            except ToolchainError:
                wanted = PlatformPin(tarball=tarball)
                saved = npm_pack(dataclasses.replace(spec, version=version), wanted, workdir / "pack", ctx)
                result.origin = "upstream" if location is None else "upstream (not in the mirror)"
            result.new_sha256 = sha256_file(saved)
            extract_archive(saved, workdir / "unpacked", reporter, only=tuple(spec.members))
            for member in spec.members:
                path = workdir / "unpacked" / member
                if not path.is_file():
                    raise ToolchainError(f"{tarball} has no member {member}")
                members[member] = sha256_file(path)
        except ToolchainError as exc:
            result.new_sha256 = None
            result.error = exc.one_line()
    return result, members


def _set_npm_pins(table: Any, result: RefreshedPin, members: dict[str, str]) -> None:
    table["sha256"] = result.new_sha256 or ""
    for member, sha256 in members.items():
        table["members"][member] = sha256


def pick_source(lock: Lock, tool: str, source_kind: str | None) -> SourceSpec:
    """The one hash-pinned source of `tool` to update (`source_kind` chooses when there are several)."""
    pinned = [s for s in lock.tool(tool).sources if s.pinned and source_kind in (None, s.kind)]
    if not pinned:
        kinds = ", ".join(sorted({s.kind for s in lock.tool(tool).sources if s.pinned})) or "none"
        raise ToolchainError(f"{lock.path.name} has no hash-pinned {source_kind or ''} source for {tool}"
                             .replace("  ", " "), f"choose one of its pinned sources: {kinds}")
    if len(pinned) > 1:
        listed = ", ".join(f"{s.kind} {s.version}" for s in pinned)
        choices = " or ".join(f"--source {s.kind}" for s in pinned)
        raise ToolchainError(f"{tool} has {len(pinned)} pinned sources ({listed})", f"pass {choices}")
    return pinned[0]


def swap_version(text: str, old: str, new: str) -> str:
    """`text` with version `old` replaced by `new`, including a shortened form standing alone between
    separators (`wasi-sdk-33/` for 33.0 -> `wasi-sdk-34/`)."""
    text = text.replace(old, new)
    short_old, short_new = _short(old), _short(new)
    if short_old != old:
        text = re.sub(rf"(?<![\w.]){re.escape(short_old)}(?![\w.])", short_new, text)
    return text


def swap_wheel_version(wheel: str, old: str, new: str) -> str:
    """The wheel file name of the same distribution and tags at version `new`."""
    parts = wheel.split("-")
    if len(parts) < 5 or parts[1] != old:
        raise ToolchainError(f"wheel {wheel!r} is not of version {old}", "fix the `wheel` pin in the lock first")
    return "-".join([parts[0], new, *parts[2:]])


def _short(version: str) -> str:
    while version.endswith(".0") and version.count(".") > 0:
        version = version[:-2]
    return version


def _hash_pins(specs: list[SourceSpec], mirror: str | None, reporter: Reporter, locate: Any,
               pins_of: SourceSpec | None = None) -> list[RefreshedPin]:
    """Fetch and hash every available pin of `specs`; `locate(spec, platform, pin)` gives (file name,
    url, strip) of the file wanted. `pins_of`: take the pins from this spec instead (update)."""
    results: list[RefreshedPin] = []
    with tempfile.TemporaryDirectory(prefix="wasitool-lock-") as tmp:
        for spec in specs:
            for platform, pin in (pins_of or spec).platforms.items():
                if pin.unavailable:
                    continue
                ctx = FetchContext(store=Store(Path(tmp)), platform=platform, reporter=reporter, mirror=mirror)
                workdir = Path(tmp) / f"{spec.kind}-{platform}"
                workdir.mkdir()
                try:
                    file_name, url, strip = locate(spec, platform, pin)
                except ToolchainError as exc:
                    results.append(RefreshedPin(spec.kind, platform, pin.file_name, pin.sha256 or "",
                                                error=exc.one_line()))
                    continue
                result = RefreshedPin(spec.kind, platform, file_name, pin.sha256 or "", url=url, strip=strip)
                _fetch_one(spec, pin, result, ctx, workdir)
                results.append(result)
    return results


def _fetch_one(spec: SourceSpec, old_pin: PlatformPin, result: RefreshedPin, ctx: FetchContext,
               workdir: Path) -> None:
    """Hash `result.file_name`: from the mirror, else upstream (its URL, or pip download for wheels)."""
    missing = ""
    location = ctx.mirror_location(result.file_name)
    if location is not None:
        try:
            result.new_sha256 = fetch_file(location, workdir / result.file_name, ctx.reporter, _session(location, ctx))
            result.origin = "mirror"
            return
        except ToolchainError as exc:
            missing = " (not in the mirror)"
            ctx.reporter.note(f"mirror: {exc.problem}; fetching {result.file_name} upstream")
    try:
        if spec.kind == "pip":
            from wasitool.toolchain.sources.pip import pip_download

            wanted = PlatformPin(sha256=old_pin.sha256, wheel=old_pin.wheel)  # the old tags pick the platform
            saved = pip_download(spec, wanted, workdir / "pip", ctx) if result.file_name == old_pin.file_name \
                else _pip_download_any(spec, wanted, workdir / "pip", ctx)
            result.file_name = saved.name
            result.new_sha256 = sha256_file(saved)
        else:
            result.new_sha256 = fetch_file(result.url or "", workdir / result.file_name, ctx.reporter, ctx.session)
        result.origin = f"upstream{missing}"
    except ToolchainError as exc:
        result.error = exc.one_line()


def _pip_download_any(spec: SourceSpec, pin: PlatformPin, dest: Path, ctx: FetchContext) -> Path:
    """pip's wheel of `spec` for the old pin's platform tags, whatever its file name (tags may change)."""
    from wasitool.toolchain.sources.pip import pip_download

    try:
        return pip_download(spec, pin, dest, ctx)
    except ToolchainError as exc:
        saved = sorted(dest.glob("*.whl")) if dest.is_dir() else []
        if len(saved) == 1 and "not the pinned" in exc.problem:
            return saved[0]
        raise


def _session(location: str, ctx: FetchContext) -> Any:
    from wasitool.toolchain.download import local_path

    return None if local_path(location) is not None else ctx.session


def _parse(path: Path) -> Any:
    import tomlkit

    return tomlkit.parse(path.read_text(encoding="utf-8"))


def _write(path: Path, document: Any) -> None:
    import tomlkit

    path.write_text(tomlkit.dumps(document), encoding="utf-8")


def _source_table(document: Any, spec: SourceSpec) -> Any:
    return document["tools"][spec.tool]["sources"][spec.index]


def _pin_table(document: Any, spec: SourceSpec, platform: str) -> Any:
    return _source_table(document, spec)["platforms"][platform]
