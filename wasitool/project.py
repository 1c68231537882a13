"""What a project is: its root, its lock, its table (`wasitool.toml`), its sources and its out dir.

A project is a directory holding `wasitool.toml` (made by `wasitool init`, or this repository's root).
The table lists the programs (`[examples.<name>]`, the format of the bundled example table) and may
have a `[project]` table:

    [project]
    examples = "path/to/table.toml"   # read the programs from that table instead (sources: src/ beside it)
    lock = "wasitool.lock"            # the lock pinning this project's toolchain (default shown; a project
                                      # without one gets a copy of the shipped lock on first use)
    out = "out"                       # where the build writes (default shown)

Every path of the table resolves inside the project (`wasitool.confined`): `examples`, `lock` and `out` in
its root (`examples` and `lock` may also name wasitool's own bundled files), sources and fixtures in the
directory of the table naming them (`table_home`).

The bundled examples are one such project inside the package (`wasitool/bundled/`); used from an
installed wheel they build into a directory of the user cache (`bundled_project()`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, NamedTuple

from wasitool.errors import BuildError, WasitoolError
from wasitool.shipped import BUNDLED, SHIPPED_LOCK
from wasitool.store.atomic import move_into_place
from wasitool.store.layout import Layout, unusable

TABLE_NAME = "wasitool.toml"
LOCK_NAME = "wasitool.lock"
SCONSTRUCT = """\
# SConstruct: build the programs of wasitool.toml to .wasm with the toolchain wasitool.lock pins.
# `scons -h` lists the targets; run `wasitool setup` once first.
from wasitool.scons import project_targets

project_targets()
"""
_PROJECT_KEYS = {"examples", "lock", "out"}
_NO_PROJECT_FIX = "run `wasitool init` to make one here, or cd into a project (or set WASITOOL_PROJECT)"


class Project(NamedTuple):
    """Where a project's files are. All paths are absolute."""

    root: Path  # the directory holding wasitool.toml and SConstruct; SCons runs here
    table: Path  # the table listing the programs
    src: Path  # the sources' directory (`src/` beside the table)
    out: Path  # the build's output directory
    lock: Path  # the lock file pinning the toolchain


def active_lock_path() -> Path:
    """The current project's lock, or the lock shipped with wasitool outside any project."""
    project = find_project()
    return project.lock if project is not None else SHIPPED_LOCK


def find_project(start: Path | None = None) -> Project | None:
    """The project at `$WASITOOL_PROJECT`, or the nearest one at or above `start` (default: the cwd)."""
    override = os.environ.get("WASITOOL_PROJECT")
    if override:
        root = Path(override).resolve()
        if not (root / TABLE_NAME).is_file():
            raise WasitoolError(f"WASITOOL_PROJECT={override} holds no {TABLE_NAME}",
                                "point it at a project directory, or unset it")
        return load_project(root)
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / TABLE_NAME).is_file():
            return load_project(candidate)
    return None


def require_project(start: Path | None = None) -> Project:
    """Like `find_project`, but a one-line error when there is none."""
    project = find_project(start)
    if project is None:
        raise WasitoolError(f"not inside a wasitool project (no {TABLE_NAME} here or above)", _NO_PROJECT_FIX)
    return project


def project_root(start: Path | None = None) -> Path:
    """The root directory of the current project (one-line error outside any project)."""
    return require_project(start).root


def load_project(root: Path) -> Project:
    """The project whose `wasitool.toml` is in `root`."""
    root = Path(root).resolve()
    table_path = root / TABLE_NAME
    settings = _project_settings(table_path)
    if "lock" not in settings and (root / LOCK_NAME).is_file():
        settings["lock"] = LOCK_NAME
    settings.setdefault("out", "out")  # checked too: a shipped `out` symlink must not point the build elsewhere
    for key, homes in (("examples", (root, BUNDLED)), ("lock", (root, BUNDLED)), ("out", (root,))):
        if key in settings:
            _check_setting(root, settings[key], key, homes)
    if "lock" not in settings and _write_default_lock(root):
        settings["lock"] = LOCK_NAME
    table = (root / settings["examples"]).resolve() if "examples" in settings else table_path
    lock = root / settings["lock"] if "lock" in settings else SHIPPED_LOCK
    return Project(root=root, table=table, src=table.parent / "src", out=root / settings["out"], lock=lock)


def table_home(project: Project) -> Path:
    """The directory the table's own paths (sources, fixtures) must resolve into: the project's root, or
    wasitool's bundled directory for the bundled table."""
    return project.root if project.table.is_relative_to(project.root) else BUNDLED


def bundled_project() -> Project:
    """The bundled examples as a project that builds into the user cache (works from a read-only wheel)."""
    from wasitool import __version__
    from wasitool.digest import sha256_text

    tag = f"{__version__}-{sha256_text(str(BUNDLED))[:8]}"
    layout = Layout()
    root = layout.examples / tag
    if not (root / TABLE_NAME).is_file():
        staging = root.with_name(f".{tag}.{os.getpid()}.tmp")
        try:
            staging.mkdir(parents=True, exist_ok=True)
            (staging / "SConstruct").write_text(SCONSTRUCT, encoding="utf-8")
            (staging / TABLE_NAME).write_text(
                "# The examples bundled with wasitool, built here by `wasitool run NAME` and `wasitool check`.\n"
                f"[project]\nexamples = {_toml_string(str(BUNDLED / TABLE_NAME))}\n"
                f"lock = {_toml_string(str(SHIPPED_LOCK))}\n", encoding="utf-8")
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise unusable(layout.root, exc) from None
        try:
            move_into_place(staging, root)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
    return load_project(root)


def current_or_bundled() -> Project:
    """The current project, or the bundled examples' project outside any."""
    return find_project() or bundled_project()


def export_project(project: Project, dest: Path) -> None:
    """Copy `project`'s programs, sources and lock into `dest` as a standalone project."""
    import tomlkit

    from wasitool.confined import copy_tree, inside

    document = tomlkit.parse(project.table.read_text(encoding="utf-8"))
    document.pop("project", None)
    dest.mkdir(parents=True, exist_ok=True)
    home = table_home(project)
    src = inside((home,), project.src.parent, project.src.name, f"{project.table}: src", "keep src/ inside the project")
    copy_tree(src, dest / "src", f"{project.table}: src", ignore={"__pycache__"})
    (dest / TABLE_NAME).write_text(tomlkit.dumps(document), encoding="utf-8")
    shutil.copyfile(project.lock, dest / LOCK_NAME)
    (dest / "SConstruct").write_text(SCONSTRUCT, encoding="utf-8")


def _project_settings(table_path: Path) -> dict[str, Any]:
    from wasitool import tomlread

    try:
        data = tomlread.loads(table_path.read_text(encoding="utf-8"))
    except (OSError, tomlread.TOMLDecodeError) as exc:
        raise BuildError(f"cannot read {table_path} ({exc})", f"correct {table_path}") from None
    settings = data.get("project", {})
    if not isinstance(settings, dict) or set(settings) - _PROJECT_KEYS or not all(
        isinstance(v, str) and v for v in settings.values()
    ):
        raise BuildError(f"{table_path}: [project] takes only {', '.join(sorted(_PROJECT_KEYS))} (strings)",
                            f"correct {table_path}")
    return settings


def _write_default_lock(root: Path) -> bool:
    """A project without a lock gets a copy of the shipped one, as uv and cargo write their lock on first use:
    the project then keeps the toolchain it started with when wasitool (and its default) is upgraded. Says so
    on stderr (once: the file exists afterwards). False when the directory cannot be written."""
    import sys
    import tempfile

    try:
        with tempfile.NamedTemporaryFile("wb", dir=root, prefix=f".{LOCK_NAME}.", delete=False) as temp:
            temp.write(SHIPPED_LOCK.read_bytes())
        try:
            os.link(temp.name, root / LOCK_NAME)  # never replaces a lock another process wrote meanwhile
        except FileExistsError:
            return True
        finally:
            os.unlink(temp.name)
    except OSError as exc:
        print(f"wasitool: warning: {root} has no {LOCK_NAME} and cannot get one ({exc.strerror}); using the "
              "toolchain wasitool ships", file=sys.stderr)
        return False
    print(f"wasitool: {root} had no {LOCK_NAME}: wrote one pinning the toolchain this wasitool ships "
          "(commit it; `wasitool lock update` moves it)", file=sys.stderr)
    return True


def _check_setting(root: Path, value: str, key: str, homes: tuple[Path, ...]) -> None:
    """A one-line error unless the [project] path `key` resolves inside one of `homes`."""
    from wasitool.confined import inside

    inside(homes, root, value, f"{root / TABLE_NAME}: [project] {key}", f"name a path inside {root}", absolute=True)


def _toml_string(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a valid TOML basic string
