"""The argparse tree of every subcommand: `wasitool --help`, each command's options, argparse's mistakes as
one line with a fix.

`wasitool.cli` imports this module only when it needs argparse: `wasitool run FILE.wasm` with the common
options is parsed without it (`cli.fast_run`), which keeps argparse, gettext and locale off its start-up.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from typing import NoReturn

from wasitool import exitcodes

DESCRIPTION = "Pinned WASI toolchains, reproducible example builds, a Python WASI runtime and cross-runtime diffs."


def _args_setup(p: argparse.ArgumentParser) -> None:
    from wasitool.toolchain.sources import SOURCES

    p.add_argument("--source", choices=SOURCES.names, help="use only this kind of source (for every tool that has one)")
    p.add_argument("--offline", action="store_true", help="use only the store and local mirrors")
    p.add_argument("--mirror", metavar="DIR_OR_URL", help="look up archives by file name here first")
    p.add_argument("--frozen", action="store_true", help="only hash-pinned sources; fail otherwise")
    p.add_argument("--platform", metavar="P", help="install for another platform (e.g. to fill a mirror)")
    p.add_argument("--tool", action="append", metavar="T", help="only this tool (repeatable)")
    p.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")
    p.add_argument("--force", action="store_true", help="reinstall even if the store has it")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


_POSIX = "wasi-libc's signal, clock, mman and getpid emulations; system, tmpfile, tmpnam: docs/porting.md"


def _args_toolchain(p: argparse.ArgumentParser) -> None:
    p.add_argument("--platform", metavar="P")
    p.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--cmake", metavar="FILE", help="write a CMake toolchain file (use with -DCMAKE_TOOLCHAIN_FILE)")
    p.add_argument("--posix", action="store_true", help="with --cmake: the porting layer (" + _POSIX + ")")


def _args_env(p: argparse.ArgumentParser) -> None:
    p.epilog = 'Use: eval "$(wasitool env)"; then make, cmake or ./configure --host=wasm32-wasi build for wasm32-wasi'
    p.add_argument("--shell", choices=("sh", "fish", "powershell", "json"), default="sh")
    p.add_argument("--posix", action="store_true", help="CC and CXX with the porting layer (" + _POSIX + ")")
    p.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")


def _args_exec(p: argparse.ArgumentParser) -> None:
    p.epilog = ("Example: wasitool exec -- make CC=wasm32-wasi-cc AR='wasm32-wasi-ar rc' RANLIB=wasm32-wasi-ranlib "
                "(the command sees CC, CXX, AR, RANLIB, ... and a PATH with those wrappers; name them on make's "
                "command line when its makefile assigns CC itself)")
    p.add_argument("--posix", action="store_true", help="CC and CXX with the porting layer (" + _POSIX + ")")
    p.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="CMD", help="the command and its arguments (after --)")


def _args_which(p: argparse.ArgumentParser) -> None:
    p.add_argument("role", help="cc, c++, ar, ranlib, nm, strip, wasm-ld, run, wat2wasm, wasm-tools, "
                   "wasi-adapter-command (a file), ...")
    p.add_argument("--argv", action="store_true", help="print the command the wrapper runs instead of its path")
    p.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")


def _args_lock(p: argparse.ArgumentParser) -> None:
    from wasitool.toolchain.source_kinds import PINNED

    lsub = p.add_subparsers(dest="lock_command", required=True)
    r = lsub.add_parser("refresh", help="recompute the checksums of one tool's archive pins")
    r.add_argument("--tool", required=True)
    r.add_argument("--version", required=True)
    r.add_argument("--mirror", metavar="DIR_OR_URL", help="read the files from here first (upstream for the rest)")
    r.add_argument("--lock", metavar="FILE")
    u = lsub.add_parser("update", help="move one tool's pinned source to another version (URLs, wheels, sha256s)")
    u.add_argument("--tool", required=True)
    u.add_argument("--version", required=True)
    u.add_argument("--source", choices=PINNED, help="which pinned source, when the tool has several")
    u.add_argument("--mirror", metavar="DIR_OR_URL", help="read the files from here first (upstream for the rest)")
    u.add_argument("--lock", metavar="FILE")
    h = lsub.add_parser("hash", help="print the lock's content digest (a cache key for CI: store, build cache)")
    h.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")


class _SplitFlags(argparse.Action):
    """`--cflags "-Wall -DX=1"`: shell-split words, appended to the same list as `-X FLAG`."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        import shlex

        try:
            words = shlex.split(str(values))
        except ValueError as exc:
            parser.error(f"{option_string} {values!r}: {exc}")
        setattr(namespace, self.dest, [*getattr(namespace, self.dest), *words])


def _args_compile(p: argparse.ArgumentParser) -> None:
    """Options for compiling one source file (FILE.c, FILE.cc, FILE.wat)."""
    g = p.add_argument_group("one source file (FILE.c, FILE.cc/.cpp, FILE.wat)")
    g.add_argument("-O", dest="optimize", choices=("0", "1", "2", "3", "s", "z"), metavar="LEVEL",
                   help="optimization, attached: -O0 ... -O3, -Os, -Oz (default -O2)")
    g.add_argument("-X", dest="cflags", action="append", default=[], metavar="FLAG",
                   help="one extra compiler argument, attached: -X-DDEBUG -X-Wl,--stack-size=65536 (repeatable)")
    g.add_argument("--cflags", dest="cflags", action=_SplitFlags, metavar="'FLAGS'",
                   help="extra compiler arguments, split like a shell: --cflags '-DN=3 -Iinclude'")
    g.add_argument("--lib", action="store_true", help="a library module: no _start, exports instead")
    g.add_argument("--posix", action="store_true", help="the porting layer (" + _POSIX + ")")
    g.add_argument("--export", action="append", default=[], metavar="NAME",
                   help="with --lib: export this function (repeatable; libc is linked, _initialize runs "
                        "first); without it every function is exported and libc is not linked")
    g.add_argument("--wasi", choices=("p1", "p2"), default="p1",
                   help="p1: a core module (default); p2: a WASI 0.2 component (the preview1 adapter, "
                        "reactor with --lib; or wasi-sdk's wasm32-wasip2 target)")


def _args_build(p: argparse.ArgumentParser) -> None:
    p.epilog = "A source file builds alone, cached: wasitool build hello.c -o hello.wasm"
    p.add_argument("targets", nargs="*", help="program names or SCons targets (default: all of the project), "
                   "or one FILE.c|FILE.cc|FILE.wat")
    p.add_argument("-j", "--jobs", type=int, default=None)
    p.add_argument("--check-reproducible", action="store_true", help="build twice in fresh dirs and compare")
    p.add_argument("--build-cache", metavar="DIR",
                   help="read and write built targets in this shared cache (default: $WASITOOL_BUILD_CACHE)")
    p.add_argument("--write-sums", action="store_true",
                   help="build every module and write SHA256SUMS (+ build-info) at the project root for `verify`")
    p.add_argument("-o", dest="output", metavar="OUT.wasm", help="with a source file: where to write the module "
                   "(default: its name with .wasm, in the current directory)")
    _args_compile(p)


def _args_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("sums", nargs="?", metavar="SUMS", help="checksum file (default: SHA256SUMS at the project root)")
    p.add_argument("-j", "--jobs", type=int, default=None)
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _runtime_names() -> list[str]:
    from wasitool.runtimes import RUNTIMES

    return list(RUNTIMES.names)


def _args_run(p: argparse.ArgumentParser) -> None:
    from wasitool.engines import ENGINES

    p.epilog = ("Arguments after `--` go to the guest: wasitool run first -- a b. "
                "Exit status: the guest's proc_exit code when it is 0..125; 1 for any other code (as the "
                "wasmtime CLI: 256 would otherwise read as success); 134 when the guest traps (out of --fuel "
                "included); 124 when --timeout expires; 130 on Ctrl-C; 2 when the module cannot run here.")
    p.add_argument("target", nargs="?",
                   help="example name, a .wasm file, or a source file (FILE.c, FILE.cc, FILE.wat); "
                   "a file needs a slash or a suffix (./prog, x.wasm): a bare name is always a program's name")
    p.add_argument("--engine", choices=ENGINES.names, help="default: wasmer if importable, else wasmtime")
    p.add_argument("--runtime", choices=_runtime_names(), metavar="RUNTIME",
                   help="run on another runtime instead (as `check` does): " + ", ".join(_runtime_names()))
    p.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST][:ro]",
                   help="preopen a directory (`:ro`: read-only)")
    p.add_argument("--env", action="append", default=[], metavar="K=V", help="set a guest env var")
    p.add_argument("--invoke", nargs="+", metavar=("EXPORT", "ARGS"), help="call an export instead of _start")
    p.add_argument("--diff", action="store_true", help="compare with the example's expected output")
    p.add_argument("--trace", nargs="?", const="all", metavar="CALLS",
                   help="print every WASI call, decoded, to stderr; --trace=path_open,fd_* only those (`!x` drops x)")
    p.add_argument("--trace-file", metavar="FILE", help="write the trace here instead of stderr")
    p.add_argument("--trace-bytes", type=_count, metavar="N",
                   help="show at most N bytes of each buffer and argument string (default 32)")
    p.add_argument("--trace-format", choices=("text", "json"), help="text (default), or json: one object per line")
    p.add_argument("--trace-summary", action="store_true",
                   help="at exit, a table per call: count, errors, time (like strace -c); alone, only the table")
    p.add_argument("--timeout", metavar="SECONDS", help="stop the guest after this long (exit 124)")
    p.add_argument("--fuel", metavar="N", help="trap after about N wasm instructions (wasmtime engine)")
    p.add_argument("--max-memory", metavar="BYTES", help="cap linear memory (e.g. 64M); growing past it fails")
    p.add_argument("--json", action="store_true", help="capture the output; print exit code, trap and output as JSON")
    p.add_argument("-v", "--verbose", action="store_true")
    _args_interpose(p)
    _args_compile(p)
    batch = p.add_argument_group("batch runs (instead of TARGET)")
    batch.add_argument("--batch", metavar="FILE.jsonl",
                       help="run each JSON line of FILE (`-`: stdin) as a run spec, each guest in a forked child; "
                            "results as JSON lines on stdout (docs/batch.md)")
    batch.add_argument("-j", "--jobs", type=_positive, default=1, metavar="N", help="with --batch: N runs at once")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return int(text)


def _args_interpose(p: argparse.ArgumentParser) -> None:
    """Options that change what host calls do (wrapped only when given: `wasitool.wasi.interpose`)."""
    g = p.add_argument_group("faults and determinism")
    g.add_argument("--inject", action="append", default=[], metavar="SPEC",
                   help="make host calls fail or misbehave (repeatable): path_open=ENOENT, path_open=ENOENT@3 "
                        "(only the 3rd), path_open:path~=*.cfg=EACCES, fd_write=short:1, fd_read=short:1, "
                        "fd_readdir=short, clock_time_get=+3600s, random_get=zero")
    g.add_argument("--deterministic", action="store_true",
                   help="same output every run: clocks from 2025-01-01 advancing 1 ms per read, seeded random_get, "
                        "stable inode numbers and file times, sorted directory listings")
    g.add_argument("--seed", type=_count, metavar="N", help="random_get's seed (implies --deterministic; default 0)")
    g.add_argument("--trace-stack", action="store_true",
                   help="with each traced call, the guest's call stack by function name (wasmtime engine)")
    g.add_argument("--record", metavar="FILE", help="save every host call, its results and the bytes it wrote "
                   "(clocks, random, stdin, listings, file contents) for `wasitool replay` and `trace-diff`")


def _args_faults(p: argparse.ArgumentParser) -> None:
    from wasitool.engines import ENGINES

    p.epilog = ("Arguments after `--` go to the guest. Every run is deterministic and gets fresh copies of its "
                "directories. Exit status 1 when a rerun traps, hangs, or exits 0 with changed output.")
    p.add_argument("target", help="example name, a .wasm file, or a source file (FILE.c, FILE.cc, FILE.wat)")
    p.add_argument("--engine", choices=ENGINES.names,
                   help="default: wasmtime if importable (its guest stacks name the call sites), else wasmer")
    p.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST][:ro]",
                   help="preopen a copy of a directory (`:ro`: read-only)")
    p.add_argument("--env", action="append", default=[], metavar="K=V", help="set a guest env var")
    p.add_argument("--per-call", action="store_true", help="fail every call once, not only each call site's first")
    p.add_argument("--max-runs", type=_positive_int, default=200, metavar="N", help="at most N reruns (default 200)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="a run taking longer counts as a hang (default 10)")
    p.add_argument("-j", "--jobs", type=_positive, default=1, metavar="N", help="N reruns at once (default 1)")
    p.add_argument("--json", action="store_true", help="print the sweep as JSON")
    _args_compile(p)


def _args_replay(p: argparse.ArgumentParser) -> None:
    from wasitool.engines import ENGINES

    p.add_argument("recording", help="a file written by `wasitool run --record FILE`")
    p.add_argument("--module", metavar="FILE.wasm", help="replay this module instead of the recorded one")
    p.add_argument("--trace", nargs="?", const="all", metavar="CALLS",
                   help="print every replayed call, decoded, to stderr; --trace=path_open,fd_* only those")
    p.add_argument("--engine", choices=ENGINES.names, help="default: wasmer if importable, else wasmtime")
    p.add_argument("--json", action="store_true", help="print how the replay ended as JSON")


def _args_trace_diff(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A", help="a recording (run --record) or a JSON trace (run --trace-format json)")
    p.add_argument("b", metavar="B", help="the other one")
    p.add_argument("--context", type=_count, default=3, metavar="N", help="show N calls before the divergence")
    p.add_argument("--ignore", default="", metavar="CALLS",
                   help="leave out these calls (names or globs, comma-separated: --ignore=clock_*,random_get)")
    p.add_argument("--json", action="store_true")


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes")
    return int(text)



def _args_check(p: argparse.ArgumentParser) -> None:
    from wasitool.runtimes import RUNTIMES

    p.add_argument("names", nargs="*", help="examples (default: all)")
    p.add_argument("--runtime", action="append", choices=RUNTIMES.names, metavar="R",
                   help=f"only this runtime (repeatable): {', '.join(RUNTIMES.names)}")
    p.add_argument("--json", action="store_true")
    p.add_argument("--junit", metavar="FILE")


def _args_inspect(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", help="example name or .wasm file")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--callers", metavar="FUNC", help="every call chain from FUNC (import, export, name or "
                      "index) up to the exports")
    view.add_argument("--disasm", metavar="FUNC", help="the code of one function, calls annotated")
    view.add_argument("--data", action="store_true", help="the data segments and the strings in them")
    view.add_argument("--wit", action="store_true", help="a component's WIT (wasm-tools when the toolchain has "
                      "it, else wasitool's own printer)")
    p.add_argument("--limit", type=_positive_int, metavar="N", help="show at most N rows: chains (--callers, "
                   "default 100), instructions (--disasm, 10000), strings (--data, 1000), rows per table (1000)")
    p.add_argument("--module", type=_index, metavar="N", help="a component's core module N: its tables, or the "
                   "module --callers, --disasm and --data look at (default: the program's)")
    p.add_argument("--json", action="store_true")


def _index(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a module index (0, 1, ...)")
    return int(text)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def _args_examples(p: argparse.ArgumentParser) -> None:
    p.add_argument("--copy", metavar="DIR", help="copy the examples into DIR as a project to change")
    p.add_argument("--force", action="store_true", help="with --copy: write into a non-empty directory")


def _args_init(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", nargs="?", default=".", help="where to create the project (default: here)")
    p.add_argument("--force", action="store_true", help="write into a non-empty directory")


def _args_store(p: argparse.ArgumentParser) -> None:
    ssub = p.add_subparsers(dest="store_command", required=True)
    listing = ssub.add_parser("list", help="installed toolchains: size, the locks using them, last use")
    listing.add_argument("--json", action="store_true")
    gc = ssub.add_parser("gc", help="remove what no known lock uses; prune the engine compile cache to its cap")
    gc.add_argument("--dry-run", action="store_true", help="only list what would be removed")
    gc.add_argument("--json", action="store_true")
    clean = ssub.add_parser("clean", help="remove every toolchain, download and cache of the store")
    clean.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    clean.add_argument("--json", action="store_true")
    ssub.add_parser("path", help="print the store's directory")


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "init": ("create a project: wasitool.lock, SConstruct, wasitool.toml, src/hello.c and src/hello.wat",
             _args_init),
    "setup": ("download, verify and install the pinned toolchain", _args_setup),
    "toolchain": ("show the installed toolchain and the paths the build uses", _args_toolchain),
    "lock": ("maintain wasitool.lock", _args_lock),
    "store": ("list, garbage-collect or clean the store of toolchains and caches", _args_store),
    "build": ("build the project's programs with SCons (same as `scons`), or one source file", _args_build),
    "verify": ("build from clean and compare with the committed SHA256SUMS; exit 1 naming what differs",
               _args_verify),
    "run": ("run an example, a .wasm file or a source file in the Python WASI runtime", _args_run),
    "check": ("run examples on every runtime found and print a matrix", _args_check),
    "replay": ("rerun a module against a recording (run --record) with no host files; stop at the first call "
               "that differs", _args_replay),
    "trace-diff": ("the first call where two recordings or JSON traces part ways, both sides decoded",
                   _args_trace_diff),
    "faults": ("rerun a program once per WASI call site with that call failing; flag traps, hangs and "
               "swallowed errors", _args_faults),
    "inspect": ("show a module's imports, exports, globals, sections, call chains, code and data, or a "
                "component's world, core modules and preview1 mapping", _args_inspect),
    "examples": ("list the bundled examples and what each teaches, or copy them (--copy DIR)", _args_examples),
    "env": ("print CC, CXX, AR, ... for the pinned toolchain, for make, CMake or configure", _args_env),
    "exec": ("run a command with the toolchain's CC, CXX, AR, ... and PATH (like emmake)", _args_exec),
    "which": ("print the wrapper executable of one toolchain role (cc, c++, ar, ...)", _args_which),
}


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter without its per-argument `shutil` import: $COLUMNS or 100 columns."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        columns = os.environ.get("COLUMNS", "")
        width = width or (int(columns) - 2 if columns.isdigit() and int(columns) > 40 else 98)
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """argparse with wasitool's errors: one line naming the problem and the fix (no usage dump), exit 2."""

    def error(self, message: str) -> NoReturn:
        problem = " ".join(message.split())
        self.exit(exitcodes.USAGE, f"wasitool: error: {problem} (fix: {_usage_fix(self.prog, message)})\n")


def _usage_fix(prog: str, message: str) -> str:
    """What to do about an argparse error: the likely intent where the mistake is a common one."""
    import difflib
    import re

    if (choice := re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)) is not None:
        options = re.findall(r"'([^']*)'", choice.group(2))
        close = difflib.get_close_matches(choice.group(1), options, n=1, cutoff=0.75)
        if close and "argument COMMAND" in message:
            return f"did you mean `{prog} {close[0]}`?"
        return f"did you mean `{close[0]}`?" if close else f"use one of: {', '.join(options)}"
    if message.startswith("unrecognized arguments: "):
        extra = message.removeprefix("unrecognized arguments: ").split()
        if "--mapdir" in extra or any(item.startswith("--mapdir=") for item in extra):
            return "preopen with --dir HOST::GUEST; --mapdir is the old wasmtime CLI's spelling"
        if prog == "wasitool run" and not any(item.startswith("-") for item in extra):
            return f"put guest arguments after --, as in `wasitool run NAME -- {' '.join(extra)}`"
    return f"see `{prog} --help`"


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand (for --help, --version and mistakes)."""
    parser = _Parser(prog="wasitool", description=DESCRIPTION, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text, formatter_class=_Formatter))
    return parser


def command_parser(name: str) -> argparse.ArgumentParser:
    """A parser for one subcommand only: what `wasitool NAME ...` needs, built in a fraction of the time."""
    help_text, add_arguments = COMMANDS[name]
    parser = _Parser(prog=f"wasitool {name}", description=help_text, formatter_class=_Formatter)
    add_arguments(parser)
    parser.set_defaults(command=name)
    return parser


def _version() -> str:
    from wasitool import __version__

    return f"wasitool {__version__}"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """argv (already without the guest's arguments) through the parser of its subcommand, else the full one."""
    if argv and argv[0] in COMMANDS:
        return command_parser(argv[0]).parse_args(argv[1:])
    return build_parser().parse_args(argv)
