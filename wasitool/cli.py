"""Command-line entry point: argument parsing and error reporting only.

Handlers live in `wasitool.commands.<name>` and are imported only when their subcommand runs, so
`wasitool run` never pays for rich, requests or SCons unless it needs them. The argparse tree is in
`wasitool.cli_parser`; `wasitool run TARGET` with the common options (`fast_run`) is parsed without it.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from types import SimpleNamespace

from wasitool import exitcodes
from wasitool.errors import WasitoolError
from wasitool.typed import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


# Options whose value may only be attached with `=`: alone they take their default, so
# `wasitool run --trace readdir` traces readdir instead of reading `readdir` as the option's value.
ATTACHED_ONLY = {"run": {"--trace": "--trace=all"}, "replay": {"--trace": "--trace=all"}}


def _attach_values(argv: list[str]) -> list[str]:
    """`--cflags '-Iinc'` and `-X -DN`: options whose value starts with `-`, which argparse would take for
    an option; given here in their attached form (`--cflags=-Iinc`, `-X-DN`)."""
    attached: list[str] = []
    words = iter(argv)
    for word in words:
        if word in ("--cflags", "-X"):
            value = next(words, None)
            if value is not None:
                word = f"--cflags={value}" if word == "--cflags" else f"-X{value}"
        attached.append(word)
    return attached



def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every subcommand (for --help, --version and mistakes)."""
    from wasitool import cli_parser

    return cli_parser.build_parser()


def command_parser(name: str) -> argparse.ArgumentParser:
    """A parser for one subcommand only: what `wasitool NAME ...` needs, built in a fraction of the time."""
    from wasitool import cli_parser

    return cli_parser.command_parser(name)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse argv; everything after the first `--` becomes the guest's arguments (`args.guest_args`)."""
    argv = list(argv)
    guest_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, guest_args = argv[:cut], argv[cut + 1 :]
    if argv and argv[0] in ("build", "run"):
        argv = _attach_values(argv)
    if argv and argv[0] in ATTACHED_ONLY:
        argv = [ATTACHED_ONLY[argv[0]].get(item, item) for item in argv]
    hoisted: dict[str, list[str]] = {}
    if argv and argv[0] in REPEATED:
        argv, hoisted = _hoist(argv, REPEATED[argv[0]])
    args = fast_run(argv)
    if args is None:
        from wasitool import cli_parser

        args = cli_parser.parse_args(argv)
    for option, values in hoisted.items():
        setattr(args, option[2:].replace("-", "_"), values)
    args.guest_args = guest_args
    return args


# `wasitool run TARGET` with only these options is parsed by `fast_run`, without argparse: importing argparse
# (with gettext and locale) and building `run`'s parser cost ~5-8 ms of a ~50 ms start-up. Anything else,
# a mistake or --help included, goes to argparse. tests/test_cli_fast_run.py holds the two results equal.
_FAST_RUN_VALUES = {"--engine": "engine", "--timeout": "timeout"}
_FAST_RUN_FLAGS = {"--json": "json", "-v": "verbose", "--verbose": "verbose"}


def _run_defaults() -> dict[str, object]:
    """Every option of `run`'s parser (`cli_parser._args_run`) at its default."""
    return {
        "target": None, "engine": None, "runtime": None, "dir": [], "env": [], "invoke": None, "diff": False,
        "trace": None, "trace_file": None, "trace_bytes": None, "trace_format": None, "trace_summary": False,
        "timeout": None, "fuel": None, "max_memory": None, "json": False, "verbose": False, "inject": [],
        "deterministic": False, "seed": None, "trace_stack": False, "record": None, "optimize": None,
        "cflags": [], "lib": False, "posix": False, "export": [], "wasi": "p1", "batch": None, "jobs": 1,
        "command": "run",
    }


def fast_run(argv: Sequence[str]) -> argparse.Namespace | None:
    """`run TARGET [--engine E] [--timeout S] [--json] [-v]` as argparse would parse it; None for anything
    else (other options, abbreviations, a value starting with `-`, a second positional, an unknown engine)."""
    if not argv or argv[0] != "run":
        return None
    from wasitool.engines import ENGINES

    values = _run_defaults()
    words = iter(argv[1:])
    for word in words:
        name, eq, value = word.partition("=")
        if name in _FAST_RUN_VALUES:
            if not eq:
                value = next(words, "-")
            if value.startswith("-") or (name == "--engine" and value not in ENGINES):
                return None
            values[_FAST_RUN_VALUES[name]] = value
        elif word in _FAST_RUN_FLAGS:
            values[_FAST_RUN_FLAGS[word]] = True
        elif word.startswith("-") or values["target"] is not None:
            return None
        else:
            values["target"] = word
    namespace: argparse.Namespace = SimpleNamespace(**values)  # type: ignore[assignment]  # the same attributes
    return namespace


# Options a command may be given thousands of times (`run --env` x 1000): argparse's handling of optionals is
# quadratic in their number (~50 ms for 1,000), so their `--opt VALUE` / `--opt=VALUE` pairs are taken out of
# argv first; a lone one at the end is left for argparse to report.
REPEATED = {"run": ("--env", "--dir")}


def _hoist(argv: list[str], options: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """argv without the `--opt VALUE` / `--opt=VALUE` pairs of `options`, and their values in order."""
    rest: list[str] = []
    found: dict[str, list[str]] = {}
    i = 0
    while i < len(argv):
        item = argv[i]
        name, eq, value = item.partition("=")
        if name in options and (eq or i + 1 < len(argv)):
            found.setdefault(name, []).append(value if eq else argv[i + 1])
            i += 1 if eq else 2
            continue
        rest.append(item)
        i += 1
    return rest, found


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
        print(f"wasitool: error: {exc.report()}", file=sys.stderr)
        if getattr(args, "json", False):  # machines get the failure on stdout too, as JSON
            print(error_json(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        print("wasitool: interrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        return exitcodes.BROKEN_PIPE
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
            code = code or exitcodes.BROKEN_PIPE
        except (OSError, ValueError):
            pass
    os._exit(code)


def error_json(exc: WasitoolError) -> str:
    """`{"ok": false, "error": ..., "fix": ...}` (+ `details`, one line per failed source, when there are)."""
    import json

    data: dict[str, object] = {"ok": False, "error": " ".join(exc.problem.split()), "fix": exc.fix}
    details = getattr(exc, "failures", None)
    if details:
        data["details"] = list(details)
    return json.dumps(data, indent=2)


if __name__ == "__main__":
    sys.exit(main())
