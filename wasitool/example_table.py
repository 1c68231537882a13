"""Reading a project's table (`load_examples`) and each `[examples.NAME]` entry of it into an `Example`.

Every field is checked for its type and values, and so is every key (a misspelt one is an error, not
ignored): a mistake is one line naming the field as a path (`examples.NAME.expect.exit_code`) and the fix.
Paths (the source, fixtures) must resolve inside the project (`wasitool.confined`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from wasitool import tomlread
from wasitool.engines.features import FEATURE_PROBES
from wasitool.errors import BuildError
from wasitool.examples import (
    CHECK_MODES,
    KINDS,
    TABLE,
    WASI_TARGETS,
    DirSpec,
    Example,
    Expectation,
    OutputCheck,
    WasiTarget,
)
from wasitool.languages import LANGUAGES
from wasitool.runspec import Invoke

if TYPE_CHECKING:
    from wasitool.project import Project

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")  # a file name (out/NAME.wasm) and never a path or x.wasm
EXAMPLE_KEYS = ("source", "teaches", "kind", "wasi", "features", "requires", "native", "calls", "run", "expect")
RUN_KEYS = ("args", "env", "dirs", "stdin", "invoke", "argv0", "timeout", "deterministic")
EXPECT_KEYS = ("exit_code", "stdout", "stderr", "results")
DIR_KEYS = ("guest", "fixture", "fresh", "ro")
INVOKE_KEYS = ("export", "args")
_FIX = f"correct {TABLE}"


Word = TypeVar("Word", bound=str)


def one_of(value: object, options: tuple[Word, ...]) -> Word | None:
    """`value` as the option it equals (typed as the options' Literal), or None."""
    return next((option for option in options if option == value), None)


class Fields:
    """One TOML table of the entry; `at` is its path (`examples.x.run`), `table` the file for messages."""

    def __init__(self, value: Any, at: str, table: Path, allowed: Collection[str]) -> None:
        self.at, self.file = at, table
        if not isinstance(value, dict):
            self.fail(at, f"must be a table, not {value!r}", f"write [{at}] followed by its keys")
        unknown = [key for key in value if key not in allowed]
        if unknown:
            self.fail(f"{at}.{unknown[0]}", "is not a known field", f"use only {', '.join(allowed)}")
        self.value: dict[str, Any] = value

    def fail(self, field: str, problem: str, fix: str) -> NoReturn:
        raise BuildError(f"{self.file}: {field} {problem}", fix)

    def field(self, key: str) -> str:
        return f"{self.at}.{key}"

    def has(self, key: str) -> bool:
        return key in self.value

    def table(self, key: str, allowed: Collection[str]) -> Fields:
        return Fields(self.value.get(key, {}), self.field(key), self.file, allowed)

    def string(self, key: str) -> str | None:
        """An optional string."""
        return self.text(key) if key in self.value else None

    def text(self, key: str) -> str:
        """A required string."""
        if key not in self.value:
            self.fail(self.field(key), "is required", f'add {key} = "..." to [{self.at}]')
        value = self.value[key]
        if not isinstance(value, str):
            self.fail(self.field(key), f"must be a string, not {value!r}", f'write {key} = "..." (quoted)')
        return value

    def choice(self, key: str, options: tuple[Word, ...], fix: str) -> Word:
        """One of `options`; the first one when the key is absent."""
        value = self.text(key) if key in self.value else options[0]
        chosen = one_of(value, options)
        if chosen is None:
            self.fail(self.field(key), f"must be one of {', '.join(options)}, not {value!r}", fix)
        return chosen

    def strings(self, key: str, known: Collection[str] = ()) -> tuple[str, ...]:
        """A list of strings (each one of `known`, when given)."""
        value = self.value.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(self.field(key), f"must be a list of strings, not {value!r}", f'write {key} = ["...", "..."]')
        for item in value:
            if known and item not in known:
                self.fail(self.field(key), f"names an unknown value {item!r}", f"use some of: {', '.join(known)}")
        return tuple(value)

    def boolean(self, key: str) -> bool:
        value = self.value.get(key, False)
        if not isinstance(value, bool):
            self.fail(self.field(key), f"must be true or false, not {value!r}", f"write {key} = true or {key} = false")
        return value

    def numbers(self, key: str) -> tuple[int | float, ...]:
        value = self.value.get(key, [])
        if not isinstance(value, list) or not all(_is_number(item) for item in value):
            self.fail(self.field(key), f"must be a list of numbers, not {value!r}", f"write {key} = [1, 2.5]")
        return tuple(value)


def parse_example(name: str, entry: Any, project: Project) -> Example:
    """The `Example` of `[examples.NAME]`; a BuildError naming the first field that is wrong."""
    at = f"examples.{name}"
    if not NAME.fullmatch(name):
        raise BuildError(f"{project.table}: [{at}]: an example name is letters, digits, _ and - only",
                         "rename it (it names the module out/NAME.wasm)")
    fields = Fields(entry, at, project.table, EXAMPLE_KEYS)
    run = fields.table("run", RUN_KEYS)
    expect = fields.table("expect", EXPECT_KEYS)
    source = fields.text("source")
    if Path(source).suffix not in LANGUAGES:
        fields.fail(fields.field("source"), f"= {source!r} is not one of {', '.join(LANGUAGES)}",
                    "name a C, C++ or WebAssembly text file under src/")
    kind = fields.choice("kind", KINDS, 'write kind = "command" (runs _start) or "library" (run.invoke)')
    invoke = _invoke(run) if run.has("invoke") else None
    if kind == "library" and invoke is None:
        fields.fail(fields.field("kind"), '= "library" needs run.invoke',
                    f'add invoke = {{ export = "f", args = [] }} to [{at}.run]')
    dirs = _dirs(run)
    _check_paths(fields, source, dirs, project)
    stdin = run.string("stdin")
    return Example(
        name=name,
        source=source,
        teaches=fields.text("teaches"),
        root=project.root,
        src_dir=project.src,
        out_dir=project.out,
        kind=kind,
        wasi=_wasi(fields),
        features=fields.strings("features", FEATURE_PROBES),
        requires=fields.strings("requires", FEATURE_PROBES),
        native=fields.boolean("native"),
        calls=fields.strings("calls"),
        args=run.strings("args"),
        env=_env(run),
        dirs=dirs,
        stdin=stdin.encode("utf-8") if stdin is not None else None,
        invoke=invoke,
        argv0=run.string("argv0"),
        timeout=_timeout(run),
        deterministic=run.boolean("deterministic"),
        expect=Expectation(
            exit_code=_exit_code(expect),
            stdout=_output_check(expect, "stdout"),
            stderr=_output_check(expect, "stderr"),
            results=expect.numbers("results") if expect.has("results") else None,
        ),
    )


def _wasi(fields: Fields) -> tuple[WasiTarget, ...]:
    """`wasi = "p2"` or `wasi = ["p1", "p2"]`: what is built, each target once (default: p1)."""
    value = fields.value.get("wasi", "p1")
    targets = fields.strings("wasi", WASI_TARGETS) if isinstance(value, list) else (value,)
    chosen = tuple(target for target in (one_of(t, WASI_TARGETS) for t in targets) if target is not None)
    if not targets or len(set(targets)) != len(targets) or len(chosen) != len(targets):
        fields.fail(fields.field("wasi"), f"must be one of {', '.join(WASI_TARGETS)} or a list of them, not {value!r}",
                    'write wasi = "p1" (a core module), "p2" (a WASI 0.2 component) or ["p1", "p2"]')
    return chosen


def _invoke(run: Fields) -> Invoke:
    spec = run.table("invoke", INVOKE_KEYS)
    return Invoke(spec.text("export"), spec.numbers("args"))


def _dirs(run: Fields) -> tuple[DirSpec, ...]:
    entries = run.value.get("dirs", [])
    if not isinstance(entries, list):
        run.fail(run.field("dirs"), f"must be a list of tables, not {entries!r}",
                 'write dirs = [{ guest = ".", fixture = "fixtures/x" }]')
    dirs = []
    for index, entry in enumerate(entries):
        spec = Fields(entry, f"{run.at}.dirs[{index}]", run.file, DIR_KEYS)
        guest, fixture, fresh = spec.text("guest"), spec.string("fixture"), spec.boolean("fresh")
        if not guest:
            spec.fail(spec.field("guest"), "is empty", 'name the guest path, e.g. guest = "." or "/data"')
        if (fixture is None) == (not fresh):
            spec.fail(spec.at, "needs either fixture = \"...\" or fresh = true (one of them)",
                      "copy a directory under src/ with fixture, or give an empty one with fresh = true")
        dirs.append(DirSpec(guest=guest, fixture=fixture, ro=spec.boolean("ro")))
    return tuple(dirs)


def _env(run: Fields) -> tuple[tuple[str, str], ...]:
    env = run.value.get("env", {})
    if not isinstance(env, dict):
        run.fail(run.field("env"), f"must be a table, not {env!r}", 'write env = { NAME = "value" }')
    for key, value in env.items():
        if not key or "=" in key or "\0" in key:
            run.fail(run.field("env"), f"has an invalid variable name {key!r}", "use names without = or NUL")
        if not isinstance(value, str):
            run.fail(f"{run.field('env')}.{key}", f"must be a string, not {value!r}", f'write {key} = "..." (quoted)')
    return tuple(env.items())


def _timeout(run: Fields) -> float | None:
    value = run.value.get("timeout")
    if value is not None and (not _is_number(value) or value <= 0):
        run.fail(run.field("timeout"), f"must be a positive number of seconds, not {value!r}", "write timeout = 10")
    return float(value) if value is not None else None


def _exit_code(expect: Fields) -> int:
    value = expect.value.get("exit_code", 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
        expect.fail(expect.field("exit_code"), f"must be a whole number from 0 to 255, not {value!r}",
                    "write exit_code = 0 (the status the program exits with)")
    return int(value)


def _output_check(expect: Fields, stream: str) -> OutputCheck:
    value = expect.value.get(stream, "")
    if isinstance(value, str):
        return OutputCheck("exact", value)
    fix = f'write {stream} = "exact text", or one of {{ regex = "..." }}, {{ sorted = "..." }}'
    table = Fields(value, expect.field(stream), expect.file, CHECK_MODES)
    if len(table.value) != 1:
        table.fail(table.at, f"needs exactly one of {', '.join(CHECK_MODES)}", fix)
    ((key, _),) = table.value.items()
    mode = one_of(key, CHECK_MODES) or "exact"  # Fields(..., CHECK_MODES) refused any other key
    text = table.text(mode)
    if mode == "regex":
        try:
            re.compile(text)
        except re.error as exc:
            table.fail(table.field(mode), f"is a bad regex ({exc})", "correct the pattern (Python `re` syntax)")
    return OutputCheck(mode, text)


def _check_paths(fields: Fields, source: str, dirs: tuple[DirSpec, ...], project: Project) -> None:
    """The source and every fixture resolve inside the project (a table may come from anyone)."""
    from wasitool.confined import inside
    from wasitool.project import table_home

    homes, prefix = (table_home(project),), f"{project.table}: {fields.at}"
    inside(homes, project.src, source, f"{prefix}.source", "name a file under src/")
    for index, spec in enumerate(dirs):
        if spec.fixture is not None:
            inside(homes, project.src, spec.fixture, f"{prefix}.run.dirs[{index}].fixture",
                   "name a directory under src/, copied for each run")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_examples(root: Path | None = None, *, project: Project | None = None) -> dict[str, Example]:
    """All programs of the project at `root` (default: `project`, else the current project or, outside
    any, the bundled examples), in table order."""
    from wasitool.project import current_or_bundled, load_project

    if project is None:
        project = load_project(Path(root)) if root is not None else current_or_bundled()
    path = project.table
    try:
        data = tomlread.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomlread.TOMLDecodeError) as exc:
        raise BuildError(f"cannot read the example table {path} ({exc})", _FIX) from None
    unknown = sorted(set(data) - {"examples", "project"})
    if unknown:
        raise BuildError(f"{path}: {unknown[0]} is not a known table", "use only [project] and [examples.NAME]")
    entries = data.get("examples")
    if not isinstance(entries, dict) or not entries:
        raise BuildError(f"{path} has no [examples.<name>] tables", _FIX)
    return {name: parse_example(name, entry, project) for name, entry in entries.items()}


def select_examples(names: Iterable[str], examples: dict[str, Example]) -> list[Example]:
    """The examples called `names`, in that order; BuildError listing the known names for an unknown one."""
    selected = []
    for name in names:
        if name not in examples:
            raise BuildError(f"no example named {name!r}", f"use one of: {', '.join(examples)}")
        selected.append(examples[name])
    return selected


def get_example(name: str, root: Path | None = None) -> Example:
    """One example by name; BuildError listing the known names if there is none."""
    return select_examples([name], load_examples(root))[0]
