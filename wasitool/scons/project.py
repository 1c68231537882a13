"""The targets of a wasitool project, declared for SCons (the whole body of a project's SConstruct).

Reads the project around the SConstruct (`wasitool.toml`, its lock, `src/`), the toolchain its lock
selects, and declares one alias per program (`<out>/<name>.wasm`, plus `<out>/native/<name>` for
C programs marked `native`), the aliases `wasm`, `native` and `examples` (the default) and
`<out>/SHA256SUMS`. `scons -h` lists them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from SCons.Script import (
    ARGUMENTS,
    Action,
    AddOption,
    Alias,
    CacheDir,
    Clean,
    Command,
    Default,
    Dir,
    Environment,
    Exit,
    GetOption,
    Help,
    SConsignFile,
)

from wasitool.digest import sha256_file
from wasitool.errors import WasitoolError
from wasitool.scons.wasi_c import has_wasip2_compiler, load_project_toolchain, toolchain_id
from wasitool.shipped import SCONS_TOOLS

BUILD_CACHE_ENV = "WASITOOL_BUILD_CACHE"


def _fail(message: str) -> None:
    print(f"scons: *** {message}", file=sys.stderr)
    Exit(2)


def use_build_cache() -> str | None:
    """`--build-cache=DIR` (an option of this SConstruct) or `$WASITOOL_BUILD_CACHE`: SCons' CacheDir there.

    Every target is then looked up in the cache before it is built and stored after; a checkout with the
    same sources and toolchain (WASITOOL_TOOLCHAIN_ID is part of every signature) builds nothing."""
    AddOption("--build-cache", dest="wasitool_build_cache", metavar="DIR", type="string", nargs=1,
              help=f"share built targets through the cache directory DIR (default: ${BUILD_CACHE_ENV})")
    directory = GetOption("wasitool_build_cache") or os.environ.get(BUILD_CACHE_ENV)
    if not directory:
        return None
    directory = os.path.abspath(os.path.expanduser(directory))
    CacheDir(directory)
    return directory


def declare_project() -> None:
    """Declare every target of the project whose SConstruct SCons is reading."""
    from wasitool.example_table import load_examples
    from wasitool.project import load_project

    top = Path(Dir("#").abspath)
    try:
        project = load_project(top)
        examples = load_examples(project=project)
    except WasitoolError as exc:
        _fail(exc.one_line())
        return
    out = os.path.relpath(project.out, top).replace(os.sep, "/")
    SConsignFile(f"{out}/.sconsign")  # all build state lives in the out dir
    cache = use_build_cache()
    only_listing = bool(GetOption("help") or GetOption("clean"))
    toolchain = load_project_toolchain(project, required=not only_listing, fail=_fail)
    verbose = ARGUMENTS.get("VERBOSE", "0") not in ("0", "", "no")
    include = str(project.src / "include")

    wasi = Environment(tools=["wasi_c", "wat"], toolpath=[str(SCONS_TOOLS)], WASITOOL_TOOLCHAIN=toolchain,
                       CPPPATH=[include])
    native = Environment(tools=["default", "native_c"], toolpath=[str(SCONS_TOOLS)], CPPPATH=[include])
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
    for env in (wasi, native):
        env["ENV"]["SOURCE_DATE_EPOCH"] = epoch
        if verbose:
            show_full_commands(env)
    have_host_cc = bool(native.get("CC")) and bool(native.Detect(native["CC"]))

    if not only_listing:
        announce_libc_build(toolchain, examples, out)

    if not only_listing:
        require_component_tools(toolchain, examples, project.lock)

    wasm_nodes: list[Any] = []
    native_nodes: list[Any] = []
    for name, example in examples.items():
        built = declare_modules(wasi, example, toolchain, out)
        wasm_nodes += built
        targets = list(built)
        if example.native and have_host_cc:
            host = native.NativeC(name, str(example.source_path), outdir=f"#{out}/native",
                                  objdir=f"#{out}/native/obj")
            native_nodes += host
            targets += host
        Alias(name, targets)

    sums = Command(f"#{out}/SHA256SUMS", wasm_nodes, Action(write_sums, "sha256 $TARGET"))
    Alias("wasm", wasm_nodes + sums)
    Alias("native", native_nodes)
    Alias("examples", wasm_nodes + native_nodes + sums)
    Default("examples")
    Clean("examples", [Dir(f"#{out}/obj"), Dir(f"#{out}/native")])  # -c leaves no empty build dirs
    Help(_help_text(examples, project, toolchain, native.get("CC") if have_host_cc else None, cache))


def declare_modules(wasi: Any, example: Any, toolchain: Any, out: str) -> list[Any]:
    """The modules of one example, per WASI target: p1 `<out>/<name>.wasm`; p2 `<out>/<name>.p2.wasm`, from
    the toolchain's wasm32-wasip2 compiler, else the core module (p1's, or one under `<out>/obj`) wrapped
    with the preview1 adapter of the example's kind."""

    source = str(example.source_path)
    library = example.kind == "library"

    def core(outdir: str) -> list[Any]:
        if example.language == "wat":
            return list(wasi.Wat(example.name, source, features=example.features, outdir=outdir))
        return list(wasi.WasiC(example.name, source, library=library, outdir=outdir, objdir=f"#{out}/obj"))

    nodes: list[Any] = []
    p1 = core(f"#{out}") if "p1" in example.wasi else []
    nodes += p1
    if "p2" in example.wasi:
        if example.language != "wat" and has_wasip2_compiler(toolchain):
            nodes += wasi.WasiC(example.name, source, library=library, outdir=f"#{out}", objdir=f"#{out}/obj",
                                wasi="p2")
        else:
            nodes += wasi.WasiAdapt(f"#{out}/{example.name}.p2.wasm", p1 or core(f"#{out}/obj"),
                                    adapter="reactor" if library else "command")
    return nodes


def require_component_tools(toolchain: Any, examples: dict[str, Any], lock: Path) -> None:
    """Stop with the one-line error when an example is built as a component the toolchain cannot make."""
    from wasitool.toolchain.components import ADAPTERS, missing_for_components

    if toolchain is None:
        return
    for example in examples.values():
        if "p2" not in example.wasi or (example.language != "wat" and has_wasip2_compiler(toolchain)):
            continue
        adapter = ADAPTERS["reactor" if example.kind == "library" else "command"]
        for role in ("component-new", adapter):
            if not toolchain.has(role):
                _fail(f"example {example.name} is built as a WASI 0.2 component: "
                      f"{missing_for_components(toolchain, role, lock).one_line()}")
                return


def announce_libc_build(toolchain: Any, examples: dict[str, Any], out: str) -> None:
    """Say that zig is about to build its C library (silent otherwise for a minute or two), when the
    targets asked for include a C program."""
    from SCons.Script import COMMAND_LINE_TARGETS

    from wasitool.toolchain.firstuse import MESSAGE, libc_pending

    c_programs = {name for name, example in examples.items() if example.language != "wat"}
    wanted = {str(t).replace(os.sep, "/").lstrip("#") for t in COMMAND_LINE_TARGETS} or {"examples"}
    c_targets = {"examples", "wasm", *c_programs, *(f"{out}/{name}.wasm" for name in c_programs)}
    if c_programs and wanted & c_targets and libc_pending(toolchain):
        print(MESSAGE, flush=True)


def show_full_commands(env: Any) -> None:
    """VERBOSE=1: print the full command lines instead of the short `…COMSTR` summaries."""
    for key in [k for k in env.Dictionary() if k.endswith("COMSTR")]:
        env[key] = ""


def write_sums(target: Any, source: Any, env: Any) -> None:
    """`SHA256SUMS`: `sha256  name` for every .wasm, sorted by name (sha256sum -c format)."""
    lines = [f"{sha256_file(node.abspath)}  {node.name}\n" for node in sorted(source, key=lambda n: n.name)]
    with open(target[0].abspath, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(lines)


def _help_text(examples: dict[str, Any], project: Any, toolchain: Any, host_cc: str | None,
               cache: str | None = None) -> str:
    width = max((len(n) for n in examples), default=4)
    rows = "\n".join(
        f"  {name:<{width}}  {ex.teaches}" + (f" [needs: {', '.join(ex.requires)}]" if ex.requires else "")
        for name, ex in examples.items()
    )
    out = os.path.relpath(project.out, project.root)
    used = toolchain_id(toolchain) or "none installed (run `wasitool setup`)"
    return f"""Build the programs of {os.path.relpath(project.table, project.root)} into {out}/.

Targets:
  examples        every program: {out}/<name>.wasm, native builds, {out}/SHA256SUMS (default)
  wasm            only the .wasm modules and {out}/SHA256SUMS
  native          only the host programs ({out}/native/<name>)
  {out}/<name>.wasm one module
  {out}/<name>.p2.wasm one WASI 0.2 component (programs with wasi = "p2" in the table)
  <name>          one program, wasm and native

Options: -c (clean), -j N (parallel), VERBOSE=1 (print full commands),
  --build-cache=DIR (share built targets through DIR; default: ${BUILD_CACHE_ENV}).
Lock: {project.lock}
Build cache: {cache or "none"}
Toolchain: {used}
Host C compiler: {host_cc or "none found (native builds skipped)"}

Programs:
{rows}
"""
