"""Wrapper executables: one small program per role, so any build system can use the pinned toolchain.

Build systems want one executable per tool (`CC=wasm32-wasi-cc`), while a role is an argv prefix that may
need environment variables (`zig cc -target wasm32-wasi` with zig's cache dirs). A wrapper carries both:
a POSIX sh script ending in `exec` (a `.cmd` file on Windows). Roles a source lacks get a wrapper that
says so in one line and fails, so `wasm32-wasi-nm` never silently means the host's `nm`.

What the compiler wrappers do around a command is decided in `compiler_wrapper` (one table of argument
rules and one `Spec` per wrapper): the sh wrappers carry it as sh, the Windows `.cmd` wrappers run it in
Python (`python -m wasitool.toolchain.compiler_wrapper SPEC.json`, the spec written beside them), so both
kinds strip DWARF, complete setjmp/longjmp builds and offer the porting layer alike.

The cc/c++ wrappers also complete setjmp/longjmp builds as the source's `sjlj` entry in the lock says:
extra compile flags when a command passes `-mllvm -wasm-enable-sjlj`, extra link inputs on every link.
A link made without `-g` is followed by `wasitool.wasmstrip --strip-debug` on its output (the C library's
DWARF goes, the `name` section stays, as in the modules SCons builds); with zig, a link still running after
a few seconds says on stderr that zig is building its C library (`firstuse.sh_watch`). A source without
a `strip` gets `wasitool.wasmstrip` as `wasm32-wasi-strip`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from wasitool.errors import ToolchainError
from wasitool.store.atomic import move_into_place, write_atomic
from wasitool.store.records import InstalledTool
from wasitool.toolchain import compiler_wrapper, config_site, posix
from wasitool.toolchain.compiler_wrapper import Spec
from wasitool.toolchain.firstuse import is_zig, sh_watch
from wasitool.toolchain.manifest import Toolchain
from wasitool.toolchain.roles import Role

FORMAT = 7  # bump when the generated files change, so existing wrapper dirs are rewritten
PREFIX = "wasm32-wasi-"
TARGET_ROLES: tuple[Role, ...] = ("cc", "c++", "ar", "ranlib", "nm", "strip", "wasm-ld")  # named wasm32-wasi-<role>
RUN_ROLE = "run"  # wasm32-wasi-run MODULE [ARGS]: `wasitool run`, for CMake's CROSSCOMPILING_EMULATOR
COMPILERS = ("cc", "c++")
# The porting layer's compilers (`--posix`): wasi-libc's emulations and wasitool's compatibility library.
POSIX_COMPILERS = {"cc": "posix-cc", "c++": "posix-c++"}
SJLJ_LIB = "libwasitool-sjlj.a"
STRIP_MODULE = "wasitool.wasmstrip"  # the `strip` of sources without one; strips DWARF after links
MARKER = "wrappers.json"
P2_PREFIX = "wasip2-"  # roles of a compiler targeting WASI 0.2 itself: `wasip2-cc` -> wasm32-wasip2-cc
UNWRAPPED = ("component-new",)  # needs the adapter beside its argv: `$WASM_TOOLS component new --adapt ...`
ENV_ROLES: dict[str, Role] = {"CC": "cc", "CXX": "c++", "AR": "ar", "RANLIB": "ranlib", "NM": "nm", "STRIP": "strip",
                              "WASM_TOOLS": "wasm-tools"}
ENV_FILES: dict[str, Role] = {"WASI_ADAPTER_COMMAND": "wasi-adapter-command",
                              "WASI_ADAPTER_REACTOR": "wasi-adapter-reactor"}
DRIVER_MODULE = "wasitool.toolchain.compiler_wrapper"  # what a .cmd compiler wrapper runs, with its spec
_C_LONGJMP_SOURCE = (
    "/* The tag that setjmp/longjmp throw (wasm exception handling), for a libc that uses it without\n"
    "   defining it. In an archive, so only programs that refer to it link it. */\n"
    '__asm__(".globl __c_longjmp\\n.tagtype __c_longjmp i32\\n__c_longjmp:\\n");\n'
)


class Wrappers(NamedTuple):
    """The toolchain a lock selects, its wrappers (role -> path) and the directory holding them."""

    toolchain: Toolchain
    paths: dict[str, Path]
    bin_dir: Path


def installed_wrappers(lock: Path) -> Wrappers:
    """The wrappers of the toolchain `lock` selects, in its install record's
    directory; written on first use, and again whenever the toolchain or wasitool's format changed."""
    from wasitool.store.layout import Layout
    from wasitool.toolchain.select import load_toolchain, record_of

    toolchain = load_toolchain(lock=lock)
    bin_dir = Layout.wrappers(record_of(lock))
    return Wrappers(toolchain, ensure_wrappers(toolchain, bin_dir), bin_dir)


def toolchain_digest(toolchain: Toolchain) -> str:
    """sha256 of the toolchain as recorded (platform and every tool's manifest)."""
    data = {"platform": toolchain.platform, "tools": {n: t.to_json() for n, t in sorted(toolchain.tools.items())}}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def wrapper_name(role: str, platform: str) -> str:
    """File name of a role's wrapper: `wasm32-wasi-cc`, `wasm32-wasip2-cc`, `wat2wasm` (`.cmd` added on Windows)."""
    if role in (*TARGET_ROLES, RUN_ROLE, *POSIX_COMPILERS.values()):
        name = f"{PREFIX}{role}"
    else:
        name = f"wasm32-{role}" if role.startswith(P2_PREFIX) else role
    return f"{name}.cmd" if _windows(platform) else name


def ensure_wrappers(toolchain: Toolchain, bin_dir: Path) -> dict[str, Path]:
    """The wrappers of `toolchain` in `bin_dir`, (re)written unless its marker says they are current."""
    try:
        marker = json.loads((bin_dir / MARKER).read_text(encoding="utf-8"))
        if marker.get("fingerprint") == _fingerprint(toolchain):
            return {role: Path(path) for role, path in marker["roles"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return write_wrappers(toolchain, bin_dir)


def write_wrappers(toolchain: Toolchain, bin_dir: Path) -> dict[str, Path]:
    """Write one wrapper per role (and a failing one per missing target role) into `bin_dir`.

    Every file is written to a temporary name and renamed into place; unchanged files are left alone.
    Returns role -> wrapper path for the roles the toolchain offers, `run` included.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    windows = _windows(toolchain.platform)
    offered = toolchain.roles()
    written: dict[str, Path] = {}
    for role, tool in sorted(offered.items()):
        if role in UNWRAPPED:
            continue
        path = bin_dir / wrapper_name(role, toolchain.platform)
        if role in COMPILERS:
            spec = compiler_spec(role, tool.commands[role], tool, link_inputs(tool, bin_dir / "lib"))
            written[role] = _install_compiler(path, spec, tool)
        else:
            written[role] = _install(path, (_cmd_wrapper if windows else _sh_wrapper)(role, tool.commands[role], tool))
    for role, posix_role in POSIX_COMPILERS.items():
        if role in offered:
            tool = offered[role]
            argv = [*tool.commands[role], *posix.DEFINES]
            # The compatibility archive is built when the porting layer is first asked for (posix_compiler).
            extra = [*link_inputs(tool, bin_dir / "lib"), *posix.LIBS, str(bin_dir / "lib" / posix.LIBRARY)]
            written[posix_role] = _install_compiler(bin_dir / wrapper_name(posix_role, toolchain.platform),
                                                    compiler_spec(posix_role, argv, tool, extra), tool)
    python = [sys.executable, "-m"]
    if "strip" not in offered:
        written["strip"] = _install(bin_dir / wrapper_name("strip", toolchain.platform),
                                    (_cmd_python_wrapper if windows else _sh_python_wrapper)(
                                        "strip", [*python, STRIP_MODULE]))
    for role in TARGET_ROLES:
        if role not in offered and role not in written:
            problem = toolchain.missing(role).one_line()
            _install(bin_dir / wrapper_name(role, toolchain.platform), _failing_wrapper(role, problem, windows))
    run = [*python, "wasitool", "run"]
    written[RUN_ROLE] = _install(bin_dir / wrapper_name(RUN_ROLE, toolchain.platform),
                                 (_cmd_run_wrapper if windows else _sh_run_wrapper)(run))
    _install(bin_dir / config_site.FILE_NAME, config_site.TEXT, executable=False)
    marker = {"fingerprint": _fingerprint(toolchain), "roles": {r: str(p) for r, p in sorted(written.items())}}
    _install(bin_dir / MARKER, json.dumps(marker, indent=2, sort_keys=True) + "\n", executable=False)
    return written


def _fingerprint(toolchain: Toolchain) -> dict[str, Any]:
    """What the wrappers depend on: the toolchain, their format, the Python running wasitool (`run`, `strip`)
    and the porting layer."""
    return {"toolchain": toolchain_digest(toolchain), "format": FORMAT, "python": sys.executable,
            "posix": posix.DIGEST}


def _windows(platform: str) -> bool:
    return platform.startswith("windows-")


def compiler_spec(role: str, argv: list[str], tool: InstalledTool, link_extra: list[str]) -> Spec:
    """What the compiler wrapper of `role` does (both kinds): its command and environment, the link inputs
    added to every link, the lock's setjmp/longjmp completion or refusal, and whether it is zig."""
    name = f"{PREFIX}{role}"
    refused = tool.unavailable.get("setjmp")
    refusal = (f"{name}: error: setjmp/longjmp (-mllvm -wasm-enable-sjlj) is not available from "
               f"{tool.origin}: {refused} (fix: use another source for {tool.name}, e.g. "
               "`wasitool setup --source pip`)") if refused else ""
    flags = [] if refused else list((tool.sjlj or {}).get("compile", []))
    legacy = _legacy_eh_flags(flags)
    return Spec(name=name, argv=list(argv), env=dict(tool.env), link_inputs=list(link_extra),
                sjlj_flags=[flag for flag in flags if flag not in legacy], legacy_eh_flags=legacy,
                sjlj_refusal=refusal, zig=is_zig(tool.env))


def _install_compiler(path: Path, spec: Spec, tool: InstalledTool) -> Path:
    """A compiler wrapper at `path`: sh, or on Windows a .cmd running `spec` (written beside it) in Python."""
    if path.suffix != ".cmd":
        return _install(path, _sh_compiler(spec, tool))
    spec_path = _install(path.with_suffix(".json"), spec.to_json(), executable=False)
    return _install(path, _cmd_compiler(spec, spec_path, tool))


# ---- POSIX sh -------------------------------------------------------------------------------------

def _sh_wrapper(role: str, argv: list[str], tool: InstalledTool) -> str:
    lines = ["#!/bin/sh", f"# {PREFIX if role in TARGET_ROLES else ''}{role}: {tool.origin}; written by wasitool",
             *_sh_env(tool), f'exec {_sh_words(argv)} "$@"']
    return "\n".join(lines) + "\n"


def _sh_env(tool: InstalledTool) -> list[str]:
    return [f"{key}={shlex.quote(value)}; export {key}" for key, value in sorted(tool.env.items())]


def _sh_compiler(spec: Spec, tool: InstalledTool) -> str:
    """The sh compiler wrapper: `compiler_wrapper.RULES` as a `case`, then what `spec` adds, then the command
    (followed by the DWARF strip for a link without -g, watched when zig)."""
    argv = spec.argv
    lines = ["#!/bin/sh", f"# {spec.name}: {tool.origin}; written by wasitool", *_sh_env(tool),
             *compiler_wrapper.sh_scan()]
    if spec.sjlj_refusal:
        lines.append(f'if [ -n "$sjlj" ]; then echo {shlex.quote(spec.sjlj_refusal)} >&2; exit 1; fi')
    if spec.link_inputs:
        lines.append(f'if [ -n "$link" ] && [ -z "$nolink" ]; then set -- "$@" {_sh_words(spec.link_inputs)}; fi')
    if spec.legacy_eh_flags:
        lines.append(f'if [ -n "$sjlj" ] && [ -z "$eh" ]; then set -- {_sh_words(spec.legacy_eh_flags)} "$@"; fi')
    if spec.sjlj_flags:
        lines.append(f'if [ -n "$sjlj" ]; then set -- {_sh_words(spec.sjlj_flags)} "$@"; fi')
    strip = [sys.executable, "-m", STRIP_MODULE, "--strip-debug", "--"]
    watch = sh_watch(spec.name, tool.env)
    lines += [
        "# A link without -g: the C library's DWARF is stripped from the output, its names stay.",
        'if [ -n "$link" ] && [ -z "$nolink" ] && [ -z "$debug" ] && [ "$out" != - ]; then',
        *(f"  {line}" for line in watch.start),
        f'  {_sh_words(argv)} "$@"; status=$?',
        *(f"  {line}" for line in watch.stop),
        '  [ $status -eq 0 ] || exit $status',
        '  [ -f "${out:-a.out}" ] || exit 0  # e.g. -o /dev/null',
        f'  exec {_sh_words(strip)} "${{out:-a.out}}"',
        "fi",
    ]
    if watch.start:
        lines += ['if [ -n "$link" ] && [ -z "$nolink" ]; then', *(f"  {line}" for line in watch.start),
                  f'  {_sh_words(argv)} "$@"; status=$?', *(f"  {line}" for line in watch.stop),
                  "  exit $status", "fi"]
    lines.append(f'exec {_sh_words(argv)} "$@"')
    return "\n".join(lines) + "\n"


def _legacy_eh_flags(flags: list[str]) -> list[str]:
    """The `-mllvm -wasm-use-legacy-eh=...` pair in `flags` (LLVM refuses it twice, so it is added only once)."""
    for i, flag in enumerate(flags):
        if flag.startswith("-wasm-use-legacy-eh") and i > 0 and flags[i - 1] == "-mllvm":
            return flags[i - 1 : i + 1]
    return []


def _sh_run_wrapper(run: list[str]) -> str:
    return "\n".join([
        "#!/bin/sh",
        f"# {PREFIX}{RUN_ROLE} [--dir HOST::GUEST]... MODULE.wasm [ARGS...]: `wasitool run` with the current",
        "# directory preopened as `.`, and the directories given (the CMake toolchain file's emulator gives the",
        "# source and build trees); the form CMake's CMAKE_CROSSCOMPILING_EMULATOR and test runners call;",
        "# written by wasitool",
        f'[ $# -ge 1 ] || {{ echo "usage: {PREFIX}{RUN_ROLE} [--dir HOST::GUEST]... MODULE.wasm [ARGS...]" >&2; '
        "exit 2; }",
        "n=0  # the leading --dir pairs go to the end, then: pairs, --, the guest's arguments (POSIX sh: no arrays)",
        'while [ $# -ge 3 ] && [ "$1" = --dir ]; do set -- "$@" "$1" "$2"; shift 2; n=$((n + 2)); done',
        "module=$1; shift",
        "k=$(($# - n)); set -- \"$@\" --",
        'while [ "$k" -gt 0 ]; do set -- "$@" "$1"; shift; k=$((k - 1)); done',
        f'exec {_sh_words(run)} "$module" --dir . "$@"',
    ]) + "\n"


def _sh_python_wrapper(role: str, argv: list[str]) -> str:
    return "\n".join(["#!/bin/sh", f"# {PREFIX}{role}: wasitool's own ({argv[-1]}); written by wasitool",
                      f'exec {_sh_words(argv)} "$@"']) + "\n"


def _failing_wrapper(role: str, problem: str, windows: bool) -> str:
    message = f"{PREFIX}{role}: error: {problem}"
    if windows:
        return f"@echo off\r\necho {_cmd_escape(message)} 1>&2\r\nexit /b 1\r\n"
    return f"#!/bin/sh\necho {shlex.quote(message)} >&2\nexit 1\n"


def _sh_words(words: Iterable[str]) -> str:
    return " ".join(shlex.quote(word) for word in words)


# ---- Windows .cmd (the compilers' decisions run in Python: compiler_wrapper) ---------------------------

def _cmd_compiler(spec: Spec, spec_path: Path, tool: InstalledTool) -> str:
    lines = ["@echo off", f"rem {spec.name}: {_cmd_escape(tool.origin)}; written by wasitool",
             f"{_cmd_words([sys.executable, '-m', DRIVER_MODULE, str(spec_path)])} %*", "exit /b %ERRORLEVEL%"]
    return "\r\n".join(lines) + "\r\n"


def _cmd_wrapper(role: str, argv: list[str], tool: InstalledTool) -> str:
    lines = ["@echo off", f"rem {role}: {_cmd_escape(tool.origin)}; written by wasitool", "setlocal",
             *(f'set "{key}={_cmd_escape(value)}"' for key, value in sorted(tool.env.items())),
             f"{_cmd_words(argv)} %*", "exit /b %ERRORLEVEL%"]
    return "\r\n".join(lines) + "\r\n"


def _cmd_python_wrapper(role: str, argv: list[str]) -> str:
    lines = ["@echo off", f"rem {PREFIX}{role}: wasitool's own ({argv[-1]}); written by wasitool",
             f"{_cmd_words(argv)} %*", "exit /b %ERRORLEVEL%"]
    return "\r\n".join(lines) + "\r\n"


def _cmd_run_wrapper(run: list[str]) -> str:
    lines = ["@echo off", f"rem {PREFIX}{RUN_ROLE} MODULE.wasm [ARGS...]: `wasitool run`, written by wasitool",
             "setlocal", 'set "WASITOOL_MODULE=%~1"', 'set "WASITOOL_ARGS="', ":collect", "shift",
             'if "%~1"=="" goto run', "set WASITOOL_ARGS=%WASITOOL_ARGS% %1", "goto collect", ":run",
             f'{_cmd_words(run)} "%WASITOOL_MODULE%" --dir . -- %WASITOOL_ARGS%', "exit /b %ERRORLEVEL%"]
    return "\r\n".join(lines) + "\r\n"


def _cmd_words(words: Iterable[str]) -> str:
    return " ".join(f'"{_cmd_escape(w)}"' if any(c in w for c in ' &()[]{}^=;!+,`~') or not w else _cmd_escape(w)
                    for w in words)


def _cmd_escape(text: str) -> str:
    return text.replace("%", "%%").replace('"', '""')


# ---- files ------------------------------------------------------------------------------------------

def link_inputs(tool: InstalledTool, lib_dir: Path) -> list[str]:
    """What the compiler wrappers add to every link: the lock's `sjlj.link`, and the sjlj support archive
    (built once into `lib_dir`)."""
    sjlj = tool.sjlj or {}
    extra = list(sjlj.get("link", []))
    if sjlj.get("library") or sjlj.get("define_c_longjmp"):
        extra.append(str(_sjlj_library(tool, sjlj, lib_dir)))
    return extra


def sjlj_compile_flags(tool: InstalledTool, args: list[str]) -> list[str]:
    """The flags a compile asking for setjmp/longjmp (`-mllvm -wasm-enable-sjlj` in `args`) gets from the
    source's `sjlj` entry, as the wrappers add them (the legacy-EH choice only when `args` make none);
    ToolchainError when the source has no setjmp/longjmp."""
    refused = tool.unavailable.get("setjmp")
    if refused:
        raise ToolchainError(f"setjmp/longjmp (-mllvm -wasm-enable-sjlj) is not available from {tool.origin}: "
                             f"{refused}", f"use another source for {tool.name}, e.g. `wasitool setup --source pip`")
    flags = list((tool.sjlj or {}).get("compile", []))
    if any(arg.startswith("-wasm-use-legacy-eh") for arg in args):
        legacy = _legacy_eh_flags(flags)
        flags = [flag for flag in flags if flag not in legacy]
    return flags


def _sjlj_library(tool: InstalledTool, sjlj: Mapping[str, Any], lib_dir: Path) -> Path:
    """Build (once) the archive of the lock's `sjlj.library` sources and the `__c_longjmp` tag object."""
    generated = {"c_longjmp": _C_LONGJMP_SOURCE} if sjlj.get("define_c_longjmp") else {}
    return _build_archive(tool, lib_dir / SJLJ_LIB, ["-O2", *sjlj.get("compile", []), "-mllvm", "-wasm-enable-sjlj"],
                          [Path(s) for s in sjlj.get("library", [])], generated,
                          "the setjmp/longjmp support library", "its setjmp/longjmp support library")


def posix_library(tool: InstalledTool, lib_dir: Path) -> Path:
    """Build (once) the porting layer's compatibility archive (`wasitool/toolchain/posix.py`)."""
    return _build_archive(tool, lib_dir / posix.LIBRARY, ["-O2", "-Wno-deprecated-declarations"], [], posix.SOURCES,
                          "the porting layer's library", "the porting layer's library")


def _build_archive(tool: InstalledTool, library: Path, flags: list[str], sources: list[Path],
                   generated: Mapping[str, str], what: str, needs: str) -> Path:
    """Build `library` unless it exists: `sources`, then the C files `generated` (name -> text, written into a
    temporary directory beside it), each compiled with `tool`'s cc and `flags`, archived with its ar and moved
    into place. A failed step raises ToolchainError naming `what`; a tool without cc or ar, naming `needs`."""
    if library.is_file():
        return library
    if "cc" not in tool.commands or "ar" not in tool.commands:
        raise ToolchainError(f"{tool.origin} needs cc and ar to build {needs}",
                             "add them to its commands in wasitool.lock")
    library.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=library.parent, prefix=".build-") as tmp:
        inputs = list(sources)
        for name, text in generated.items():
            inputs.append(Path(tmp) / f"{name}.c")
            inputs[-1].write_text(text, encoding="utf-8")
        objects = [Path(tmp) / f"{i}-{source.stem}.o" for i, source in enumerate(inputs)]
        archive = Path(tmp) / library.name
        commands = [[*tool.commands["cc"], *flags, "-c", str(source), "-o", str(obj)]
                    for source, obj in zip(inputs, objects, strict=True)]
        commands.append([*tool.commands["ar"], "rcs", str(archive), *map(str, objects)])
        for argv in commands:
            _run_tool(argv, tool, what)
        move_into_place(archive, library)
    return library


def _run_tool(argv: list[str], tool: InstalledTool, what: str) -> None:
    proc = subprocess.run(argv, env={**os.environ, **tool.env}, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["no message"]
        detail = next((line for line in lines if "error" in line), lines[-1])
        raise ToolchainError(f"cannot build {what} with {tool.origin}: {detail}", "run `wasitool setup --force`")


def _install(path: Path, text: str, executable: bool = True) -> Path:
    """Write `text` to `path` atomically (temporary file + rename), unless it already holds exactly that."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text, 0o755 if executable else 0o644)
    return path


def environment(toolchain: Toolchain, wrappers: Mapping[str, Path], bin_dir: Path, inherited: Mapping[str, str],
                posix_layer: bool = False) -> dict[str, str]:
    """The variables `wasitool env` prints: CC, CXX, AR, RANLIB, NM, STRIP, WASM_TOOLS (those offered),
    WASI_ADAPTER_COMMAND and WASI_ADAPTER_REACTOR (the preview1 adapters' files), WASI_SYSROOT, and CONFIG_SITE
    (the autoconf site file beside the wrappers) unless `inherited` (the user's environment) sets one; with
    `posix_layer`, CC and CXX are the porting layer's compilers."""
    variables = {name: str(wrappers[role]) for name, role in ENV_ROLES.items() if role in wrappers}
    variables.update({name: toolchain.file(role) for name, role in ENV_FILES.items() if toolchain.has(role)})
    if posix_layer:
        for name, role in (("CC", "cc"), ("CXX", "c++")):
            if role in wrappers:
                variables[name] = str(posix_compiler(toolchain, wrappers, role))
    sysroot = next((t.sysroot for t in toolchain.tools.values() if "cc" in t.commands and t.sysroot), None)
    if sysroot:
        variables["WASI_SYSROOT"] = sysroot
    if not config_site.users_own(inherited):
        variables[config_site.VARIABLE] = str(bin_dir / config_site.FILE_NAME)
    return variables



def posix_compiler(toolchain: Toolchain, wrappers: Mapping[str, Path], role: str) -> Path:
    """The porting layer's wrapper for compiler `role` (its compatibility library built on first use);
    ToolchainError where there is none (Windows)."""
    posix_role = POSIX_COMPILERS[role]
    if posix_role not in wrappers:
        raise ToolchainError(f"--posix (the porting layer) needs a {role} compiler, which the toolchain lacks",
                             "set up a toolchain with one (`wasitool setup`)")
    posix_library(toolchain.roles()[role], wrappers[posix_role].parent / "lib")
    return wrappers[posix_role]
