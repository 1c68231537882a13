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
    Alias,
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
from wasitool.scons import TOOLPATH


def _fail(message: str) -> None:
    print(f"scons: *** {message}", file=sys.stderr)
    Exit(2)


def declare_project() -> None:
    """Declare every target of the project whose SConstruct SCons is reading."""
    from wasitool.examples import load_examples
    from wasitool.project import load_project
    from wasitool.scons.wasi_c import load_project_toolchain

    top = Path(Dir("#").abspath)
    try:
        project = load_project(top)
        examples = load_examples(project=project)
    except WasitoolError as exc:
        _fail(exc.one_line())
        return
    out = os.path.relpath(project.out, top).replace(os.sep, "/")
    SConsignFile(f"{out}/.sconsign")  # all build state lives in the out dir
    only_listing = bool(GetOption("help") or GetOption("clean"))
    toolchain = load_project_toolchain(project, required=not only_listing, fail=_fail)
    verbose = ARGUMENTS.get("VERBOSE", "0") not in ("0", "", "no")
    include = str(project.src / "include")

    wasi = Environment(tools=["wasi_c", "wat"], toolpath=TOOLPATH, WASITOOL_TOOLCHAIN=toolchain,
                       CPPPATH=[include])
    native = Environment(tools=["default", "native_c"], toolpath=TOOLPATH, CPPPATH=[include])
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
    for env in (wasi, native):
        env["ENV"]["SOURCE_DATE_EPOCH"] = epoch
        if verbose:
            show_full_commands(env)
    have_host_cc = bool(native.get("CC")) and bool(native.Detect(native["CC"]))

    wasm_nodes: list[Any] = []
    native_nodes: list[Any] = []
    for name, example in examples.items():
        source = str(example.source_path)
        if example.language == "wat":
            built = wasi.Wat(name, source, features=example.features, outdir=f"#{out}")
        else:
            built = wasi.WasiC(name, source, library=example.kind == "library", outdir=f"#{out}",
                               objdir=f"#{out}/obj")
        wasm_nodes += built
        targets = list(built)
        if example.native and have_host_cc:
            host = native.NativeC(name, source, outdir=f"#{out}/native", objdir=f"#{out}/native/obj")
            native_nodes += host
            targets += host
        Alias(name, targets)

    sums = Command(f"#{out}/SHA256SUMS", wasm_nodes, Action(write_sums, "sha256 $TARGET"))
    Alias("wasm", wasm_nodes + sums)
    Alias("native", native_nodes)
    Alias("examples", wasm_nodes + native_nodes + sums)
    Default("examples")
    Clean("examples", [Dir(f"#{out}/obj"), Dir(f"#{out}/native")])  # -c leaves no empty build dirs
    Help(_help_text(examples, project, toolchain, native.get("CC") if have_host_cc else None))


def show_full_commands(env: Any) -> None:
    """VERBOSE=1: print the full command lines instead of the short `…COMSTR` summaries."""
    for key in [k for k in env.Dictionary() if k.endswith("COMSTR")]:
        env[key] = ""


def write_sums(target: Any, source: Any, env: Any) -> None:
    """`SHA256SUMS`: `sha256  name` for every .wasm, sorted by name (sha256sum -c format)."""
    lines = [f"{sha256_file(node.abspath)}  {node.name}\n" for node in sorted(source, key=lambda n: n.name)]
    with open(target[0].abspath, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(lines)


def _help_text(examples: dict[str, Any], project: Any, toolchain: Any, host_cc: str | None) -> str:
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
  <name>          one program, wasm and native

Options: -c (clean), -j N (parallel), VERBOSE=1 (print full commands).
Lock: {project.lock}
Toolchain: {used}
Host C compiler: {host_cc or "none found (native builds skipped)"}

Programs:
{rows}
"""


def toolchain_id(toolchain: Any) -> str:
    """`name=source:version@installdir ...`: changes with the toolchain (part of every command's signature)."""
    if toolchain is None:
        return ""
    return " ".join(f"{t.name}={t.source}:{t.version}@{Path(t.root).name}" for _, t in sorted(toolchain.tools.items()))
