"""Paths a project's table names, kept inside the project, and copies of fixture trees that stay inside them.

A project may come from someone else (a clone, an archive): its `wasitool.toml` must not hand a guest, or the
build, a host directory outside the project. Every path the table names is relative and resolves (symlinks
followed) inside the project's directory (`inside`). Copying a tree (`copy_tree`: a fixture into a run's
preopen, `src/` into an exported project) never follows a symlink: one pointing inside the tree is made again
(relative), one pointing out of it is refused, and so are special files (devices, FIFOs, sockets).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection
from pathlib import Path, PureWindowsPath

from wasitool.errors import BuildError


def inside(homes: tuple[Path, ...], base: Path, value: str, field: str, fix: str, *, absolute: bool = False) -> Path:
    """`base / value` with symlinks resolved; a one-line BuildError naming `field` when the path leads out of
    every one of `homes`, or when `value` is absolute and `absolute` is false (a table's paths stay portable)."""
    if not absolute and (value.startswith(("/", "\\")) or PureWindowsPath(value).drive):
        raise BuildError(f"{field} = {value!r} is an absolute path; paths in a project stay inside it", fix)
    resolved = _resolve(base / value, field)
    if not any(resolved.is_relative_to(_resolve(home, field)) for home in homes):
        raise BuildError(f"{field} = {value!r} leads outside the project (to {resolved})", fix)
    return resolved


def copy_tree(source: Path, dest: Path, field: str, *, ignore: Collection[str] = ()) -> None:
    """Copy the directory `source` into `dest` (created; may exist) without following symlinks.

    Symlinks that resolve inside `source` are recreated relative; any other symlink, and any file that is
    neither a regular file nor a directory, is a BuildError naming `field`. Entries named in `ignore` are
    skipped."""
    root = _resolve(source, field)
    if not root.is_dir():
        raise BuildError(f"{field}: {source} is not a directory", "name a directory inside the project")
    try:
        _copy_dir(root, root, dest, field, ignore)
    except OSError as exc:
        raise BuildError(f"{field}: cannot copy {source} ({exc})", "check the files' permissions") from None


def _copy_dir(root: Path, directory: Path, dest: Path, field: str, ignore: Collection[str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name in ignore:
                continue
            path, target = Path(entry.path), dest / entry.name
            if entry.is_symlink():
                _copy_link(root, path, target, field)
            elif entry.is_dir(follow_symlinks=False):
                _copy_dir(root, path, target, field, ignore)
            elif entry.is_file(follow_symlinks=False):
                shutil.copy2(path, target, follow_symlinks=False)
            else:
                raise BuildError(f"{field}: {path} is a special file (a device, FIFO or socket)",
                                 "keep only regular files, directories and symlinks within the tree")


def _copy_link(root: Path, link: Path, target: Path, field: str) -> None:
    """Recreate `link` at `target` when it resolves inside `root` (relative: the copy stands on its own)."""
    resolved = _resolve(link, field)
    if not resolved.is_relative_to(root):
        raise BuildError(f"{field}: the symlink {link} leads out of {root} (to {resolved})",
                         "replace it with a copy of what it points to, or a link within the tree")
    os.symlink(os.path.relpath(resolved, link.parent), target, target_is_directory=resolved.is_dir())


def _resolve(path: Path, field: str) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop: RuntimeError before Python 3.13
        raise BuildError(f"{field}: cannot resolve {path} ({exc})", "remove the symlink loop") from None
