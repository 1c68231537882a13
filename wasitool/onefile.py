"""One source file (C, C++ or WebAssembly text) to a `.wasm`, cached by content like `zig run`.

`build(source, options)` returns the module's path in the cache, `<store>/cache/onefile/<key>.wasm`,
recorded in `<key>.json`. The key is a sha256 over the source's path and bytes, the flags, the working
directory when extra flags are given (they may name relative paths) and the identity of every tool
used (its record in the toolchain, and the size and mtime of its executable). Headers are known only
after compiling: the entry lists every file the compiler's depfile (`-MD -MF`) names with its sha256,
and a lookup rebuilds when one of them changed. Headers inside a pinned tool's own directory are
covered by the tool's identity and are not hashed (libc++ alone has some 700).

The output is reproducible with the examples' flags (`wasitool/cflags.py`, shared with the SCons tools):
`-g0`, the DWARF sections stripped after linking with the `name` section kept (`inspect --callers` names
functions), the source's directory mapped to `.` in `__FILE__`, SOURCE_DATE_EPOCH=0, and compilers started
with a fixed environment (no CPATH and friends), so the bytes depend neither on where the file nor on
where the store lives. `-mllvm -wasm-enable-sjlj` among the flags is completed as the compiler wrappers
do (the source's `sjlj` compile flags and link inputs). A zig build still running after a few seconds
says on stderr that zig is building its C library (`toolchain/firstuse.py`). Extra flags asking for debug
info (`-X-g`, `-X-gdwarf-5`, ...) drop `-g0` and the DWARF strip: the module keeps its DWARF (what
`--trace-stack` reads lines from); zig's clang line would otherwise put `-g0` after the user's `-g`.

With `Options(wasi="p2")` the output is a WASI 0.2 component: built by a compiler that targets
wasm32-wasip2 itself where the toolchain has one (wasi-sdk), else the core module as above wrapped by
`wasm-tools component new` with the preview1 adapter of its kind (`--lib`: reactor); the target, the
adapter and wasm-tools are part of the key.

`engine_module(source, engine)` is the `wasitool run x.wat` path: the engine's own text parser, no
toolchain needed, the binary validated and kept under its own sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from wasitool.cflags import CFLAGS, CXX_ONLY, LIBRARY_LDFLAGS, SJLJ_FLAG, optimize_flag
from wasitool.digest import sha256_file
from wasitool.errors import BuildError, CompileError, ToolchainError
from wasitool.languages import LANGUAGES, language_of
from wasitool.store.atomic import move_into_place, replacing, write_atomic

if TYPE_CHECKING:
    from wasitool.engines.protocol import Engine
    from wasitool.store.records import InstalledTool
    from wasitool.toolchain.manifest import Toolchain

SCHEMA = 2  # 2: DWARF stripped after linking, names kept (was -s)
# Environment variables compilers are started with (plus the toolchain's own, e.g. zig's cache dirs):
# CPATH, C_INCLUDE_PATH and the like would change the output without changing the cache key.
PASSED_ENV = ("PATH", "PATHEXT", "SYSTEMROOT", "SYSTEMDRIVE", "TEMP", "TMP", "TMPDIR", "TERM")


WASI_TARGETS = ("p1", "p2")  # p1: a core module importing wasi_snapshot_preview1; p2: a WASI 0.2 component


class Options(NamedTuple):
    """How to build: `optimize` (0-3, s, z; None means 2), extra compiler `flags` (one argument each),
    a `library` module (no `_start`) exporting `exports` (none: every function, without libc), and the
    `wasi` target: `p1` (a core module) or `p2` (a component, see `wasitool.toolchain.components`).

    A NamedTuple, and subprocess/tempfile imported only to compile: a cached `wasitool run x.c` stays
    close to `wasitool run x.wasm` in start-up time.
    """

    optimize: str | None = None
    flags: tuple[str, ...] = ()
    library: bool = False
    exports: tuple[str, ...] = ()
    wasi: str = "p1"

    def check(self, language: str, label: str) -> None:
        """BuildError for options that mean nothing for `language`."""
        if self.exports and not self.library:
            raise BuildError("--export names the exports of a library module",
                             "add --lib (a command exports _start; for more, pass -X-Wl,--export=NAME)")
        for name in self.exports:
            if not name or "," in name or name.startswith("-"):
                raise BuildError(f"--export {name!r} is not a function name", "pass one C name per --export")
        if self.wasi not in WASI_TARGETS:
            raise BuildError(f"--wasi {self.wasi!r} is not a WASI target", f"use one of: {', '.join(WASI_TARGETS)}")
        if language == "wat" and (self.optimize is not None or self.exports or (self.library and self.wasi == "p1")):
            raise BuildError(f"{label}: -O, --lib and --export apply to C and C++ sources (--lib also to a "
                             "component: its reactor adapter)",
                             "a .wat module's exports and code are as written; drop those options")


DEFAULT_OPTIONS = Options()


class _Paths(NamedTuple):
    """Where one build reads and writes; SYMBOLIC stands for them in the cache key."""

    source: str
    srcdir: str
    out: str
    obj: str
    dep: str
    core: str  # p2 through an adapter: the core module `component-new` wraps


SYMBOLIC = _Paths("{source}", "{srcdir}", "{out}", "{obj}", "{dep}", "{core}")


class _Tool(NamedTuple):
    role: str
    argv: list[str]
    record: InstalledTool
    files: tuple[str, ...] = ()  # files it reads besides its program (the adapter): their stat enters the key


def current_toolchain() -> Toolchain:
    """The toolchain one-file builds use (the one place that chooses it)."""
    from wasitool.project import active_lock_path
    from wasitool.toolchain.select import load_toolchain

    return load_toolchain(lock=active_lock_path())


def cache_dir() -> Path:
    """Where built modules are kept: `<store>/cache/onefile`."""
    from wasitool.store.layout import Layout

    return Layout().onefile_cache


def cxx_command(toolchain: Toolchain) -> tuple[list[str], InstalledTool]:
    """The C++ compiler: the toolchain's `c++` role, else derived from its `cc` (`zig cc` -> `zig c++`,
    `clang[-N]` -> `clang++[-N]` beside it), with the tool that provides it."""
    try:
        return toolchain.command("c++"), provider(toolchain, "c++")
    except ToolchainError:
        pass
    cc, record = toolchain.command("cc"), provider(toolchain, "cc")
    if len(cc) > 1 and cc[1] == "cc":
        return [cc[0], "c++", *cc[2:]], record
    program = Path(cc[0])
    if program.name.startswith("clang") and not program.name.startswith("clang++"):
        candidate = program.with_name(program.name.replace("clang", "clang++", 1))
        if candidate.is_file():
            return [str(candidate), *cc[1:]], record
    raise ToolchainError(f"the installed toolchain has no C++ compiler (no `c++` role, no clang++ beside {cc[0]})",
                         "run `wasitool setup` with a source that has one (the wasi-sdk archive, or zig from pip)")


def posix_flags(source: Path, toolchain: Toolchain | None = None) -> tuple[str, ...]:
    """`--posix` as compiler flags for `source`: wasi-libc's emulations, their libraries and wasitool's
    compatibility archive (`wasitool/toolchain/posix.py`, built once into the cache)."""
    from wasitool.toolchain import posix

    if language_of(source) not in ("c", "c++"):
        raise BuildError(f"{source}: --posix applies to C and C++ sources", "drop --posix")
    from wasitool.toolchain.wrappers import posix_library

    tool = provider(toolchain or current_toolchain(), "cc")
    return (*posix.DEFINES, *posix.LIBS, str(posix_library(tool, cache_dir() / "lib" / _tool_digest(tool))))


def provider(toolchain: Toolchain, role: str) -> InstalledTool:
    """The installed tool that offers `role`."""
    for tool in toolchain.tools.values():
        if role in tool.commands:
            return tool
    raise ToolchainError(f"the installed toolchain has no `{role}` command", "run `wasitool setup`")


def build(source: Path, options: Options = DEFAULT_OPTIONS, *, toolchain: Toolchain | None = None,
          cache: Path | None = None) -> Path:
    """The module built from `source`, from the cache when nothing it was made from changed.

    The compiler's messages go to stderr as it wrote them; CompileError if it fails.
    """
    language = language_of(source)
    if language is None:
        raise BuildError(f"{source}: not a C, C++ or WebAssembly text file",
                         f"name it with one of: {', '.join(LANGUAGES)}")
    options.check(language, str(source))
    data = _read_source(source)
    toolchain = toolchain or current_toolchain()
    tools = _tools(language, options, toolchain)
    cache = cache or cache_dir()
    key = cache_key(language, source, data, options, tools, os.getcwd())
    hit = _lookup(cache, key)
    if hit is not None:
        return hit
    return _compile(language, source, options, tools, toolchain, cache, key)


def cache_key(language: str, source: Path, data: bytes, options: Options, tools: Sequence[_Tool],
              cwd: str) -> str:
    """sha256 over everything but the headers that decides the output (see the module docstring).

    The source is named as given (the compiler's messages and a relative `__FILE__` use that name) and
    by its absolute path (headers beside it are found through it).
    """
    material = {
        "schema": SCHEMA,
        "language": language,
        "source": [str(source), os.path.abspath(source)],
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "cwd": cwd if options.flags else None,
        "wasi": options.wasi,
        "steps": _steps(language, options, tools, SYMBOLIC, ["{wat2wasm feature flags}"]),
        "tools": [{"role": t.role, "record": t.record.to_json(), "stat": [_stat(p) for p in (t.argv[0], *t.files)]}
                  for t in tools],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def install(built: Path, out: Path) -> None:
    """Copy a built module to `out` (replacing it in one rename)."""
    import shutil

    out = Path(os.path.abspath(out))
    try:
        with replacing(out) as tmp:
            shutil.copyfile(built, tmp)
    except OSError as exc:
        raise BuildError(f"cannot write {out}: {exc.strerror or exc}", "pass a writable path with -o") from None


def engine_module(source: Path, engine: Engine, cache: Path | None = None) -> Path:
    """`source` (WebAssembly text) assembled by the engine's own parser, kept as `<sha256>.wasm`.

    A binary module named `.wat` is used as it is, as `wasmtime run` does. The module is validated before it
    is kept, so an invalid one is an error naming `source`, not the cached file.
    """
    from wasitool.engines.base import WatSyntaxError
    from wasitool.engines.values import WASM_MAGIC

    data = _read_source(source)
    if data.startswith(WASM_MAGIC):
        return source
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompileError(f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                           "save it as UTF-8") from None
    try:
        binary = engine.wat2wasm(text, str(source))
    except WatSyntaxError as exc:
        _stderr(exc.message)
        raise CompileError(f"assembling {source} failed", "fix the error shown above") from None
    directory = (cache or cache_dir()) / "wat"  # validated modules (`text/` held unvalidated ones)
    path = directory / f"{hashlib.sha256(binary).hexdigest()}.wasm"
    if not path.is_file():
        engine.compile(binary, str(source))  # a module that does not validate is an error naming the .wat file
        write_atomic(path, binary)
    return path


# -- the steps --------------------------------------------------------------------------------------------


def _tools(language: str, options: Options, toolchain: Toolchain) -> list[_Tool]:
    """The tools of the build, in step order: the compiler (or assembler), wasm-ld for an export-all
    library, and for a p2 component without a wasm32-wasip2 compiler, `component-new` with its adapter."""
    if options.wasi == "p2":  # the component module is imported only here: p1 runs stay as quick to start
        return _component_tools(language, options, toolchain)
    return _core_tools(language, options, toolchain)


def _core_tools(language: str, options: Options, toolchain: Toolchain, compiler: _Tool | None = None) -> list[_Tool]:
    if language == "wat":
        return [_Tool("wat2wasm", toolchain.command("wat2wasm"), provider(toolchain, "wat2wasm"))]
    if compiler is not None:
        tools = [compiler]
    elif language == "c++":
        argv, record = cxx_command(toolchain)
        tools = [_Tool("c++", argv, record)]
    else:
        tools = [_Tool("cc", toolchain.command("cc"), provider(toolchain, "cc"))]
    if options.library and not options.exports:
        tools.append(_Tool("wasm-ld", toolchain.command("wasm-ld"), provider(toolchain, "wasm-ld")))
    return tools


def _component_tools(language: str, options: Options, toolchain: Toolchain) -> list[_Tool]:
    from wasitool.project import active_lock_path
    from wasitool.toolchain import components

    native = components.native_compiler(toolchain, language) if language != "wat" else None
    if native is not None:
        role = components.NATIVE_COMPILERS[language]
        return _core_tools(language, options, toolchain, _Tool(role, native, provider(toolchain, role)))
    adapter = components.adapter_kind(options.library)
    argv = components.component_new(toolchain, adapter, active_lock_path())
    wrap = _Tool("component-new", argv, provider(toolchain, "component-new"),
                 (toolchain.file(components.ADAPTERS[adapter]),))
    return [*_core_tools(language, options, toolchain), wrap]


def _steps(language: str, options: Options, tools: Sequence[_Tool], paths: _Paths,
           wat_flags: Sequence[str]) -> list[list[str]]:
    """The commands that make `paths.out` from `paths.source`: the core module's, then (p2 through an
    adapter) `component-new` wrapping it."""
    if tools[-1].role != "component-new":
        return _core_steps(language, options, tools, paths, wat_flags)
    core = _core_steps(language, options, tools[:-1], paths._replace(out=paths.core), wat_flags)
    return [*core, [*tools[-1].argv, paths.core, "-o", paths.out]]


def _core_steps(language: str, options: Options, tools: Sequence[_Tool], paths: _Paths,
                wat_flags: Sequence[str]) -> list[list[str]]:
    """The commands that make the module `paths.out` (a core module, or a component from a wasm32-wasip2
    compiler) from `paths.source`."""
    compiler = tools[0].argv
    if language == "wat":
        return [[*compiler, *wat_flags, *options.flags, "-o", paths.out, paths.source]]
    debug = _wants_debug_info(options.flags)
    cflags = [flag for flag in CFLAGS if not (debug and flag == "-g0")]
    flags = [optimize_flag(options.optimize), *cflags, f"-ffile-prefix-map={paths.srcdir}=.",
             *(CXX_ONLY if language == "c++" else ())]
    sjlj = _sjlj(options, tools[0], paths)
    depfile = ["-MD", "-MF", paths.dep]
    if options.library and not options.exports:
        return [[*compiler, *flags, *sjlj.compile, *options.flags, *depfile, "-c", "-o", paths.obj, paths.source],
                [*tools[1].argv, *(f for f in LIBRARY_LDFLAGS if not (debug and f == "--strip-debug")), "-o",
                 paths.out, paths.obj]]
    link: list[str] = []
    if options.library:
        link = ["-mexec-model=reactor", *(f"-Wl,--export={name}" for name in options.exports)]
    return [[*compiler, *flags, *sjlj.compile, *link, *options.flags, *depfile, "-o", paths.out, paths.source,
             *sjlj.link]]


class _Sjlj(NamedTuple):
    compile: list[str]
    link: list[str]


def _sjlj(options: Options, tool: _Tool, paths: _Paths) -> _Sjlj:
    """What `-mllvm -wasm-enable-sjlj` in the flags needs from the toolchain, as the wrappers add it: the
    source's compile flags and link inputs (zig: a support archive built once into the cache, named by
    `{lib}` in the cache key). Nothing for other builds."""
    if SJLJ_FLAG not in options.flags:
        return _Sjlj([], [])
    from wasitool.toolchain.wrappers import link_inputs, sjlj_compile_flags

    compile_flags = sjlj_compile_flags(tool.record, list(options.flags))
    if paths is SYMBOLIC:
        return _Sjlj(compile_flags, ["{sjlj link inputs}"])
    return _Sjlj(compile_flags, link_inputs(tool.record, cache_dir() / "lib" / _tool_digest(tool.record)))


def _tool_digest(tool: InstalledTool) -> str:
    return hashlib.sha256(json.dumps(tool.to_json(), sort_keys=True).encode()).hexdigest()[:16]


def _wants_debug_info(flags: Sequence[str]) -> bool:
    """Whether the extra flags ask for DWARF (`-g`, `-g2`, `-gdwarf-5`, `-gline-tables-only`; not `-g0`)."""
    return any(flag.startswith("-g") and flag != "-g0" for flag in flags)


def _compile(language: str, source: Path, options: Options, tools: Sequence[_Tool], toolchain: Toolchain,
             cache: Path, key: str) -> Path:
    import tempfile

    cache.mkdir(parents=True, exist_ok=True)
    env = _tool_env(toolchain)
    srcdir = os.path.dirname(os.path.abspath(source))
    with tempfile.TemporaryDirectory(dir=cache, prefix=".build-") as tmp:
        names = (f"{source.stem}.wasm", f"{source.stem}.o", f"{source.stem}.d", f"{source.stem}.core.wasm")
        paths = _Paths(str(source), srcdir, *(os.path.join(tmp, name) for name in names))
        wat_flags = _wat_feature_flags(tools[0].argv, env) if language == "wat" else []
        steps = _steps(language, options, tools, paths, wat_flags)
        from wasitool.toolchain.firstuse import watch

        for index, argv in enumerate(steps):
            if argv[: len(tools[-1].argv)] == tools[-1].argv and tools[-1].role == "component-new":
                doing = "making a component of"
            else:
                doing = "assembling" if language == "wat" else "linking" if index else "compiling"
            # A link through the compiler driver is where zig builds a C library variant; a slow compile (-c),
            # assembly or library link (wasm-ld, no libc) says nothing.
            links_libc = language != "wat" and argv[: len(tools[0].argv)] == tools[0].argv and "-c" not in argv
            with watch(env if links_libc else {}, f"wasitool build {source}"):
                _run_step(argv, env, source, doing)
            if language != "wat" and not _wants_debug_info(options.flags) and \
                    index == len(steps) - (2 if tools[-1].role == "component-new" else 1):
                _strip_debug(Path(paths.core if tools[-1].role == "component-new" else paths.out))
        deps = [] if language == "wat" else _dependencies(Path(paths.dep), source, toolchain)
        wasm = cache / f"{key}.wasm"
        move_into_place(Path(paths.out), wasm)
    entry = {"schema": SCHEMA, "source": os.path.abspath(source), "output_sha256": sha256_file(wasm),
             "deps": deps, "steps": _steps(language, options, tools, SYMBOLIC, wat_flags)}
    write_atomic(cache / f"{key}.json", json.dumps(entry, indent=1) + "\n")
    return wasm


def _strip_debug(module: Path) -> None:
    """Drop the DWARF sections the C library brings (the `name` section stays), as SCons builds do; a
    component (from a wasm32-wasip2 compiler) is left as it is."""
    from wasitool.wasmbin import strip_debug_sections

    data = module.read_bytes()
    if data[:8] == b"\0asm\x01\0\0\0":
        module.write_bytes(strip_debug_sections(data))


def _run_step(argv: list[str], env: dict[str, str], source: Path, doing: str) -> None:
    """Run one compiler, assembler or linker command; its output goes to our stderr, untouched."""
    import subprocess

    try:
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=2, check=False)
    except OSError as exc:
        raise ToolchainError(f"cannot run {argv[0]} ({exc.strerror or exc})", "run `wasitool setup`") from None
    if proc.returncode != 0:
        if doing == "linking":
            raise CompileError(f"linking {source} failed",
                               "a --lib module without --export has no libc: name its exports with --export NAME "
                               "to link libc, or fix the errors above")
        raise CompileError(f"{doing} {source} failed", "fix the errors printed above")


def _wat_feature_flags(wat2wasm: list[str], env: dict[str, str]) -> list[str]:
    """Turn on every proposal the Python engines know, where this wat2wasm has a switch for it.

    Not `--enable-all`: it includes encodings such as compact imports that no engine here loads.
    """
    import subprocess

    from wasitool.engines.features import FEATURE_PROBES
    from wasitool.watflags import feature_flags, knows

    try:
        proc = subprocess.run([*wat2wasm, "--help"], env=env, capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"cannot run {wat2wasm[0]} ({exc})", "run `wasitool setup`") from None
    text = proc.stdout + proc.stderr
    return feature_flags(text, [f for f in FEATURE_PROBES if knows(text, f)])


def _tool_env(toolchain: Toolchain) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env.update(toolchain.env())
    env["SOURCE_DATE_EPOCH"] = "0"
    return env


# -- the cache entry ----------------------------------------------------------------------------------------


def _dependencies(depfile: Path, source: Path, toolchain: Toolchain) -> list[list[str]]:
    """[path, sha256] of every file the compiler read, but the source and the pinned tools' own files."""
    from wasitool.depfile import prerequisites

    try:
        text = depfile.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise ToolchainError(f"the compiler wrote no dependency file ({exc.strerror})",
                             "use a toolchain whose compiler supports -MD -MF (run `wasitool setup`)") from None
    pinned = tuple({os.path.join(resolve(t.root), "") for t in toolchain.tools.values() if t.pinned
                    for resolve in (os.path.abspath, os.path.realpath)})
    deps = []
    for name in prerequisites(text):
        path = os.path.abspath(name)  # relative names are relative to our working directory, the compiler's
        if path == os.path.abspath(source) or path.startswith(pinned):
            continue
        deps.append([path, sha256_file(Path(path))])
    return deps


def _lookup(cache: Path, key: str) -> Path | None:
    """The cached module for `key` if its entry is whole and no file it was built from changed."""
    try:
        entry: Any = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
        if entry.get("schema") != SCHEMA or not _unchanged(entry["deps"]):
            return None
        wasm = cache / f"{key}.wasm"
        return wasm if sha256_file(wasm) == entry["output_sha256"] else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _unchanged(deps: Iterable[Sequence[str]]) -> bool:
    for path, digest in deps:
        try:
            if sha256_file(Path(path)) != digest:
                return False
        except OSError:
            return False
    return True


def _stat(program: str) -> list[int] | None:
    """Size and mtime of a tool's executable: an in-place upgrade (a system clang) changes the key."""
    import shutil

    try:
        st = os.stat(shutil.which(program) or program)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _read_source(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise BuildError(f"{source}: no such file", "check the path") from None
    except OSError as exc:
        raise BuildError(f"cannot read {source}: {exc.strerror or exc}", "pass a readable source file") from None


def _stderr(text: str) -> None:
    import sys

    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()
