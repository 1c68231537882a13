"""A project's table (`wasitool.toml`): how each program is built, run and judged.

Every entry lives under `[examples.<name>]`; the build (`wasitool.scons`), `wasitool run`, `check` and
the tests all read it through `load_examples()`. A run is fully declared: argv, environment (never the
host's), preopened directories, stdin, an invoked export, and the expected stdout, stderr, exit code
and results. See the comment at the top of the bundled table (`wasitool/bundled/wasitool.toml`) for
the field reference.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wasitool import tomlread
from wasitool.errors import BuildError
from wasitool.runspec import Invoke, Preopen, RunSpec

if TYPE_CHECKING:
    from wasitool.project import Project


TABLE = "wasitool.toml"
CHECK_MODES = ("exact", "regex", "sorted")
KINDS = ("command", "library")
LANGUAGES = {".c": "c", ".cc": "c++", ".cpp": "c++", ".cxx": "c++", ".wat": "wat"}
_FIX = f"correct {TABLE}"


@dataclass(frozen=True)
class OutputCheck:
    """How one output stream is judged.

    `exact`: byte-for-byte (as UTF-8 text); `regex`: `re.fullmatch` of the pattern against the whole
    text; `sorted`: the lines compared after sorting both sides (for directory order and the like).
    """

    mode: str = "exact"
    text: str = ""


@dataclass(frozen=True)
class Expectation:
    """What a correct run produces. `results` is only checked for invoked exports."""

    exit_code: int = 0
    stdout: OutputCheck = field(default_factory=OutputCheck)
    stderr: OutputCheck = field(default_factory=OutputCheck)
    results: tuple[int | float, ...] | None = None


@dataclass(frozen=True)
class DirSpec:
    """A preopen: `fixture` (a directory under `src/`, copied per run) or, if None, a fresh empty dir."""

    guest: str
    fixture: str | None = None
    ro: bool = False  # read-only preopen (`ro = true`)


@dataclass(frozen=True)
class Example:
    """One entry of the example table."""

    name: str
    source: str  # path under src/
    teaches: str
    root: Path  # the project's root (where its SConstruct runs)
    kind: str = "command"  # "command" (runs _start) or "library" (no entry point; see `invoke`)
    features: tuple[str, ...] = ()  # wasm features the build enables (wat2wasm flags)
    requires: tuple[str, ...] = ()  # engine features needed to run it (e.g. "exceptions")
    native: bool = False  # also build a host binary (C examples with a main)
    calls: tuple[str, ...] = ()  # wasi_snapshot_preview1 functions the module must import
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    dirs: tuple[DirSpec, ...] = ()
    stdin: bytes | None = None
    invoke: Invoke | None = None
    argv0: str | None = None
    timeout: float | None = None  # seconds (run.timeout); `check` otherwise uses its default
    deterministic: bool = False  # `wasitool run` fixes clocks, randomness, inodes, listings (run.deterministic)
    expect: Expectation = field(default_factory=Expectation)
    src_dir: Path | None = None  # default: <root>/src
    out_dir: Path | None = None  # default: <root>/out

    @property
    def language(self) -> str:
        """`c`, `c++` or `wat`, from the source's suffix."""
        return LANGUAGES[Path(self.source).suffix]

    @property
    def sources(self) -> Path:
        """The directory the source and fixtures are relative to."""
        return self.src_dir or self.root / "src"

    @property
    def out(self) -> Path:
        return self.out_dir or self.root / "out"

    @property
    def source_path(self) -> Path:
        return self.sources / self.source

    @property
    def module(self) -> Path:
        """The built module: `<out>/<name>.wasm`."""
        return self.out / f"{self.name}.wasm"

    @property
    def native_binary(self) -> Path | None:
        """The host build (`out/native/<name>[.exe]`), or None if the example has none."""
        if not self.native:
            return None
        from wasitool.platforms import exe_suffix, host_platform

        return self.out / "native" / f"{self.name}{exe_suffix(host_platform())}"

    def run_spec(self, workdir: Path, module: Path | None = None) -> RunSpec:
        """The RunSpec for this example; preopens are materialised under `workdir`.

        `workdir` should be fresh for each run: fixture dirs are copied into it (so a run never
        changes `src/`) and the other preopens are created empty there. `module` overrides the
        module path (e.g. a copy built elsewhere).
        """
        dirs = []
        for index, spec in enumerate(self.dirs):
            host = Path(workdir) / f"preopen{index}"
            if spec.fixture is not None:
                shutil.copytree(self.sources / spec.fixture, host, dirs_exist_ok=True)
            else:
                host.mkdir(parents=True, exist_ok=True)
            dirs.append(Preopen(host=host, guest=spec.guest, readonly=spec.ro))
        return RunSpec(
            module=module or self.module,
            args=self.args,
            env=self.env,
            dirs=tuple(dirs),
            stdin=self.stdin,
            invoke=self.invoke,
            argv0=self.argv0,
            timeout=self.timeout,
            requires=self.requires,
            native_binary=self.native_binary,
        )


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
    entries = data.get("examples")
    if not isinstance(entries, dict) or not entries:
        raise BuildError(f"{path} has no [examples.<name>] tables", _FIX)
    return {name: _parse_example(name, entry, project) for name, entry in entries.items()}


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


_EXAMPLE_KEYS = {"source", "teaches", "kind", "features", "requires", "native", "calls", "run", "expect"}
_RUN_KEYS = {"args", "env", "dirs", "stdin", "invoke", "argv0", "timeout", "deterministic"}
_EXPECT_KEYS = {"exit_code", "stdout", "stderr", "results"}


def _parse_example(name: str, entry: Any, project: Project) -> Example:
    where = f"example {name!r} in {project.table}"
    entry = _table(entry, where, _EXAMPLE_KEYS)
    run = _table(entry.get("run", {}), f"{where} [run]", _RUN_KEYS)
    expect = _table(entry.get("expect", {}), f"{where} [expect]", _EXPECT_KEYS)
    source = _require(entry, "source", str, where)
    if Path(source).suffix not in LANGUAGES:
        raise BuildError(f"{where}: source {source!r} is not one of {', '.join(LANGUAGES)}", _FIX)
    kind = entry.get("kind", "command")
    if kind not in KINDS:
        raise BuildError(f"{where}: kind must be one of {KINDS}, not {kind!r}", _FIX)
    invoke = None
    if "invoke" in run:
        spec = _table(run["invoke"], f"{where} [run.invoke]", {"export", "args"})
        invoke = Invoke(_require(spec, "export", str, where), tuple(spec.get("args", ())))
    if kind == "library" and invoke is None:
        raise BuildError(f"{where}: a library example needs run.invoke", _FIX)
    stdin = run.get("stdin")
    timeout = run.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise BuildError(f"{where}: run.timeout must be a positive number of seconds", _FIX)
    return Example(
        name=name,
        source=source,
        teaches=_require(entry, "teaches", str, where),
        root=project.root,
        src_dir=project.src,
        out_dir=project.out,
        kind=kind,
        features=tuple(entry.get("features", ())),
        requires=tuple(entry.get("requires", ())),
        native=bool(entry.get("native", False)),
        calls=tuple(entry.get("calls", ())),
        args=tuple(str(a) for a in run.get("args", ())),
        env=tuple((str(k), str(v)) for k, v in run.get("env", {}).items()),
        dirs=tuple(_parse_dir(d, where) for d in run.get("dirs", ())),
        stdin=stdin.encode("utf-8") if isinstance(stdin, str) else None,
        invoke=invoke,
        argv0=run.get("argv0"),
        timeout=float(timeout) if timeout is not None else None,
        deterministic=_require_bool(run, "deterministic", f"{where} [run]"),
        expect=Expectation(
            exit_code=int(expect.get("exit_code", 0)),
            stdout=_parse_check(expect.get("stdout", ""), f"{where} expect.stdout"),
            stderr=_parse_check(expect.get("stderr", ""), f"{where} expect.stderr"),
            results=tuple(expect["results"]) if "results" in expect else None,
        ),
    )


def _parse_dir(spec: Any, where: str) -> DirSpec:
    spec = _table(spec, f"{where} run.dirs", {"guest", "fixture", "fresh", "ro"})
    fixture = spec.get("fixture")
    if (fixture is None) == (not spec.get("fresh", False)):
        raise BuildError(f"{where}: each run.dirs entry needs either fixture = \"...\" or fresh = true", _FIX)
    if not isinstance(spec.get("ro", False), bool):
        raise BuildError(f"{where}: run.dirs key `ro` must be true or false", _FIX)
    return DirSpec(guest=_require(spec, "guest", str, where), fixture=fixture, ro=spec.get("ro", False))


def _parse_check(value: Any, where: str) -> OutputCheck:
    if isinstance(value, str):
        return OutputCheck("exact", value)
    table = _table(value, where, set(CHECK_MODES))
    if len(table) != 1:
        raise BuildError(f"{where}: give a string or exactly one of {CHECK_MODES}", _FIX)
    ((mode, text),) = table.items()
    if not isinstance(text, str):
        raise BuildError(f"{where}: {mode} must be a string", _FIX)
    if mode == "regex":
        import re

        try:
            re.compile(text)
        except re.error as exc:
            raise BuildError(f"{where}: bad regex ({exc})", _FIX) from None
    return OutputCheck(mode, text)


def _require_bool(table: dict[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise BuildError(f"{where}: {key} must be true or false, not {value!r}", _FIX)
    return value


def _table(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BuildError(f"{where}: expected a table", _FIX)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise BuildError(f"{where}: unknown key(s) {', '.join(unknown)}", _FIX)
    return value


def _require(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if not isinstance(value, kind):
        raise BuildError(f"{where}: `{key}` is required ({kind.__name__})", _FIX)
    return value
