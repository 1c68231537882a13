"""Command-line entry point: argument parsing and error reporting only.

Handlers live in `wasitool.commands.<name>` and are imported only when their subcommand runs, so
`wasitool run` never pays for rich, requests or SCons unless it needs them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from wasitool.errors import WasitoolError

ENGINES = ("wasmer", "wasmtime")
SOURCE_KINDS = ("archive", "pip", "system")


def _add_setup(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup", help="download, verify and install the pinned toolchain")
    p.add_argument("--source", choices=SOURCE_KINDS, help="use only this kind of source")
    p.add_argument("--offline", action="store_true", help="use only the store and local mirrors")
    p.add_argument("--mirror", metavar="DIR_OR_URL", help="look up archives by file name here first")
    p.add_argument("--frozen", action="store_true", help="only hash-pinned sources; fail otherwise")
    p.add_argument("--platform", metavar="P", help="install for another platform (e.g. to fill a mirror)")
    p.add_argument("--tool", action="append", metavar="T", help="only this tool (repeatable)")
    p.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")
    p.add_argument("--force", action="store_true", help="reinstall even if the store has it")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _add_toolchain(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("toolchain", help="show the installed toolchain and the paths the build uses")
    p.add_argument("--platform", metavar="P")
    p.add_argument("--json", action="store_true")


def _add_lock(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lock", help="maintain wasitool.lock")
    lsub = p.add_subparsers(dest="lock_command", required=True)
    r = lsub.add_parser("refresh", help="recompute the checksums of one tool's archive pins")
    r.add_argument("--tool", required=True)
    r.add_argument("--version", required=True)
    r.add_argument("--mirror", metavar="DIR_OR_URL", help="read the archives from here instead of upstream")
    r.add_argument("--lock", metavar="FILE")


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the examples with SCons (same as `scons examples`)")
    p.add_argument("targets", nargs="*", help="example names or SCons targets (default: all examples)")
    p.add_argument("-j", "--jobs", type=int, default=None)
    p.add_argument("--check-reproducible", action="store_true", help="build twice in fresh dirs and compare")


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run an example or a .wasm file in the Python WASI runtime")
    p.add_argument("target", help="example name or path to a .wasm file")
    p.add_argument("--engine", choices=ENGINES, help="default: wasmer if importable, else wasmtime")
    p.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]", help="preopen a directory")
    p.add_argument("--env", action="append", default=[], metavar="K=V", help="set a guest env var")
    p.add_argument("--invoke", nargs="+", metavar=("EXPORT", "ARGS"), help="call an export instead of _start")
    p.add_argument("--diff", action="store_true", help="compare with the example's expected output")
    p.add_argument("--trace", action="store_true", help="print every WASI call (to stderr)")
    p.add_argument("--trace-file", metavar="FILE", help="write the trace here instead of stderr")
    p.add_argument("-v", "--verbose", action="store_true")


def _add_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="run examples on every runtime found and print a matrix")
    p.add_argument("names", nargs="*", help="examples (default: all)")
    p.add_argument("--runtime", action="append", metavar="R", help="only these runtimes")
    p.add_argument("--json", action="store_true")
    p.add_argument("--junit", metavar="FILE")


def _add_inspect(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inspect", help="show a module's imports, exports, memory and sections")
    p.add_argument("target", help="example name or .wasm file")
    p.add_argument("--json", action="store_true")


def _add_examples(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("examples", help="list the examples and what each teaches")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wasitool", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_setup, _add_toolchain, _add_lock, _add_build, _add_run, _add_check, _add_inspect,
                _add_examples):
        add(sub)
    return parser


def _version() -> str:
    from wasitool import __version__

    return f"wasitool {__version__}"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse argv; everything after the first `--` becomes the guest's arguments (`args.guest_args`)."""
    argv = list(argv)
    guest_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, guest_args = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)
    args.guest_args = guest_args
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; WasitoolError becomes one line on stderr and a non-zero exit status."""
    args = parse(sys.argv[1:] if argv is None else argv)
    module_name = args.command.replace("-", "_")
    try:
        handler = importlib.import_module(f"wasitool.commands.{module_name}")
        return int(handler.main(args) or 0)
    except WasitoolError as exc:
        print(f"wasitool: error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("wasitool: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    sys.exit(main())
