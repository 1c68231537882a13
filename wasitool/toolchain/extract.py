"""Safe unpacking of release archives (.tar.gz/.tar.xz/.zip) and wheels into a staging directory.

Members that would land outside the target (absolute paths, `..`, links pointing out, device files)
are refused, never silently renamed: names are checked here (tarfile's filter strips a leading `/` and
zipfile sanitises quietly). Tar members are checked by wasitool's own rules before anything is written,
so safety does not depend on the interpreter's patch level (the `data` filter of Pythons before the
June 2025 fixes can be bypassed: CVE-2025-4517, -4330, -4138, 2024-12718); the filter still runs after.

The tar rules (`check_tar_members`), over the whole member list:
- only regular files, directories, symlinks and hard links; names and link targets relative, without
  `..` components in names, at most PATH_MAX bytes, not empty;
- no member lies under a path the archive makes a symlink (nothing is written through a link);
- a symlink's target, resolved through the archive's own symlinks (in the archive's namespace, never
  by the file system, so no PATH_MAX truncation), stays inside the target directory, in at most 40 links;
- a hard link names a regular file the archive extracts earlier (not a symlink, not a directory);
- a name that is a link appears once.
"""

from __future__ import annotations

import fnmatch
import posixpath
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TypeVar

from wasitool.errors import ToolchainError
from wasitool.toolchain.reporter import Reporter

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar")
M = TypeVar("M")
UNSAFE_FIX = "the archive is malformed or malicious; check the pin in wasitool.lock"
PATH_MAX = 4096  # bytes: a longer member name or link target is refused
MAX_LINKS = 40  # symlinks followed while resolving one target (Linux's ELOOP limit)


def extract_archive(archive: Path, dest: Path, reporter: Reporter, only: tuple[str, ...] = ()) -> None:
    """Unpack `archive` into `dest`; with `only`, unpack just the members under those prefixes."""
    name = archive.name.lower()
    if name.endswith((".zip", ".whl")):
        _extract_zip(archive, dest, reporter, only)
    elif name.endswith(TAR_SUFFIXES):
        _extract_tar(archive, dest, reporter, only)
    else:
        raise ToolchainError(f"unknown archive format: {archive.name}", "pin a .tar.gz, .tar.xz or .zip file")


def make_executable(root: Path, patterns: tuple[str, ...]) -> None:
    """Set the exec bits on files matching `patterns` (wheels do not record them)."""
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and any(fnmatch.fnmatchcase(rel, p) for p in patterns):
            mode = path.stat().st_mode
            path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _selected(name: str, only: tuple[str, ...]) -> bool:
    return not only or any(name == p.rstrip("/") or name.startswith(p) for p in only)


def _extract_tar(archive: Path, dest: Path, reporter: Reporter, only: tuple[str, ...]) -> None:
    data_filter = getattr(tarfile, "data_filter", None)
    if data_filter is None:  # pragma: no cover - Python builds before 3.10.12 / 3.11.4
        raise ToolchainError("this Python lacks tarfile's safe extraction filter", "use Python >= 3.10.12")
    try:
        with tarfile.open(archive) as tar:
            selected = [m for m in tar.getmembers() if _selected(m.name, only)]
            check_tar_members(selected, archive.name)
            members = {m.name: m for m in selected}
            _extract_each(archive.name, members, lambda m: tar.extract(m, dest, filter="data"), reporter)
    except tarfile.FilterError as exc:
        raise ToolchainError(f"refused archive member of {archive.name}: {exc}", UNSAFE_FIX) from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ToolchainError(f"cannot unpack {archive.name} ({exc})", UNSAFE_FIX) from None


def _extract_zip(archive: Path, dest: Path, reporter: Reporter, only: tuple[str, ...]) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = {i.filename: i for i in zf.infolist() if _selected(i.filename, only)}
            _extract_each(archive.name, members, lambda i: zf.extract(i, dest), reporter)
    except zipfile.BadZipFile as exc:
        raise ToolchainError(f"cannot unpack {archive.name} ({exc})", UNSAFE_FIX) from None


def _extract_each(archive_name: str, members: dict[str, M], extract: Callable[[M], object], reporter: Reporter) -> None:
    """Check every member name first (nothing is written if one is unsafe), then extract with progress."""
    for name in members:
        _check_member_name(name, archive_name)
    with reporter.task(f"extract {archive_name}", len(members), unit="files") as advance:
        for member in members.values():
            extract(member)
            advance(1)


def _check_member_name(name: str, archive_name: str) -> None:
    """Refuse absolute names and `..` components (tarfile's filter would strip a leading `/` instead)."""
    posix = name.replace("\\", "/")
    path = PurePosixPath(posix)
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in path.parts:
        raise ToolchainError(
            f"refused archive member of {archive_name}: {name!r} is absolute or climbs out with `..`; "
            "it would land outside the target directory",
            UNSAFE_FIX,
        )


class _Escape(Exception):
    """A symlink target that resolves outside the target directory (or loops)."""


def check_tar_members(members: list[tarfile.TarInfo], archive_name: str) -> None:
    """Refuse the archive unless every member obeys the rules in the module docstring."""
    symlinks: dict[str, str] = {}
    counts: dict[str, int] = {}
    for member in members:
        name = _normal(member.name)
        counts[name] = counts.get(name, 0) + 1
        if member.issym():
            symlinks[name] = member.linkname
    regular: set[str] = set()
    for member in members:
        name = _normal(member.name)
        _check_member_name(member.name, archive_name)
        problem = _member_problem(member, name, symlinks, regular, counts)
        if problem:
            raise ToolchainError(f"refused archive member of {archive_name}: {member.name[:200]!r} {problem}",
                                 UNSAFE_FIX)
        if member.isreg():
            regular.add(name)


def _normal(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/") if name else ""


def _member_problem(member: tarfile.TarInfo, name: str, symlinks: dict[str, str], regular: set[str],
                    counts: dict[str, int]) -> str | None:
    """What is wrong with one member, or None."""
    if not member.name or name in ("", "."):
        return "has an empty name"
    if len(member.name.encode()) > PATH_MAX or len(member.linkname.encode()) > PATH_MAX:
        return f"has a name or link target longer than {PATH_MAX} bytes"
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
        return "is a device, FIFO or other special file"
    parts = name.split("/")
    for i in range(1, len(parts)):
        if "/".join(parts[:i]) in symlinks:
            return f"lies under {'/'.join(parts[:i])!r}, which the archive makes a symlink"
    if (member.issym() or member.islnk()) and counts[name] > 1:
        return "is a link and appears more than once"
    if member.issym():
        target = member.linkname.replace("\\", "/")
        if not target or target.startswith("/") or (len(target) > 1 and target[1] == ":"):
            return f"is a symlink to {member.linkname[:200]!r}, which is empty or absolute"
        try:
            _resolve(parts[:-1], target, symlinks)
        except _Escape as exc:
            return f"is a symlink to {member.linkname[:200]!r}, which {exc}"
    if member.islnk():
        target = _normal(member.linkname)
        if target not in regular:
            return (f"is a hard link to {member.linkname[:200]!r}, which is not a regular file extracted "
                    "before it")
    return None


def _resolve(base: list[str], target: str, symlinks: dict[str, str]) -> list[str]:
    """`target` resolved from the directory `base` through the archive's symlinks; _Escape if it leaves
    the root or follows more than MAX_LINKS links."""
    stack = list(base)
    pending = [p for p in target.split("/") if p not in ("", ".")]
    followed = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if not stack:
                raise _Escape("resolves outside the destination directory")
            stack.pop()
            continue
        stack.append(part)
        link = symlinks.get("/".join(stack))
        if link is not None:
            followed += 1
            if followed > MAX_LINKS:
                raise _Escape(f"follows more than {MAX_LINKS} symlinks")
            link = link.replace("\\", "/")
            if not link or link.startswith("/"):
                raise _Escape("goes through an absolute or empty symlink")
            stack.pop()
            pending = [p for p in link.split("/") if p not in ("", ".")] + pending
    return stack


def single_root(extracted: Path, expected: str | None) -> Path:
    """The directory holding the tool after unpacking: `expected` (the archive's top-level dir) if given."""
    if expected:
        root = extracted / expected
        if not root.is_dir():
            found = ", ".join(sorted(p.name for p in extracted.iterdir())) or "nothing"
            raise ToolchainError(
                f"archive layout unexpected: no top-level directory {expected!r} (found {found})",
                "fix `strip` for this platform in wasitool.lock",
            )
        return root
    return extracted
