"""A project's table (`wasitool.toml`): how each program is built, run and judged.

Every entry lives under `[examples.<name>]`; the build (`wasitool.scons`), `wasitool run`, `check` and
the tests all read it through `example_table.load_examples()`. A run is fully declared: argv, environment (never the
host's), preopened directories, stdin, an invoked export, and the expected stdout, stderr, exit code
and results. See the comment at the top of the bundled table (`wasitool/bundled/wasitool.toml`) for
the field reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from wasitool.languages import LANGUAGES, Language
from wasitool.runspec import Invoke, Preopen, RunSpec

TABLE = "wasitool.toml"
CheckMode = Literal["exact", "regex", "sorted"]
ExampleKind = Literal["command", "library"]
WasiTarget = Literal["p1", "p2"]  # p1: a core module, out/<name>.wasm; p2: a WASI 0.2 component, out/<name>.p2.wasm
CHECK_MODES: tuple[CheckMode, ...] = get_args(CheckMode)
KINDS: tuple[ExampleKind, ...] = get_args(ExampleKind)
WASI_TARGETS: tuple[WasiTarget, ...] = get_args(WasiTarget)
MODULE_SUFFIXES: dict[WasiTarget, str] = {"p1": ".wasm", "p2": ".p2.wasm"}


@dataclass(frozen=True)
class OutputCheck:
    """How one output stream is judged.

    `exact`: byte-for-byte (as UTF-8 text); `regex`: `re.fullmatch` of the pattern against the whole
    text; `sorted`: the lines compared after sorting both sides (for directory order and the like).
    """

    mode: CheckMode = "exact"
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
    kind: ExampleKind = "command"  # "command" (runs _start) or "library" (no entry point; see `invoke`)
    wasi: tuple[WasiTarget, ...] = ("p1",)  # what is built: "p1" (a core module) and/or "p2" (a component)
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
    def language(self) -> Language:
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
        """The built module: `<out>/<name>.wasm`, or for an example built only as a component, that component."""
        return self.modules[self.wasi[0]]

    @property
    def modules(self) -> dict[str, Path]:
        """What the build writes, per WASI target: p1 `<out>/<name>.wasm`, p2 `<out>/<name>.p2.wasm`."""
        return {target: self.out / f"{self.name}{MODULE_SUFFIXES[target]}" for target in self.wasi}

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
        from wasitool.confined import copy_tree

        dirs = []
        for index, spec in enumerate(self.dirs):
            host = Path(workdir) / f"preopen{index}"
            if spec.fixture is not None:
                copy_tree(self.sources / spec.fixture, host, f"examples.{self.name}.run.dirs[{index}].fixture")
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
