"""Safe unpacking of release archives (.tar.gz/.tar.xz/.zip) and wheels into a staging directory.

Members that would land outside the target (absolute paths, `..`, links pointing out, device files)
are refused, never silently renamed: names are checked here (tarfile's filter strips a leading `/` and
zipfile sanitises quietly), and tar members also go through the standard library's `data` filter,
which refuses links that point outside and special files.
"""

from __future__ import annotations

import fnmatch
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
            members = {m.name: m for m in tar.getmembers() if _selected(m.name, only)}
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
