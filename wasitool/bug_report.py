"""What the CLI does with an exception that is not a WasitoolError: a wasitool bug.

As pre-commit's error handler does: one line on stderr, and a log with what a bug report needs
(versions, the command line, the traceback) in `<store>/logs/` (a temporary directory if the store
is not writable). Only imported when a bug has happened.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from wasitool import exitcodes
from wasitool.errors import InternalError

EXIT_CODE = exitcodes.BUG


def one_line(exc: BaseException, log: Path | None) -> str:
    """`wasitool: internal error: <type>: <message> (a bug; details in <log>)`."""
    if isinstance(exc, InternalError):
        kind, message = exc.kind, exc.message
    else:
        kind, message = type(exc).__name__, str(exc)
    message = " ".join(message.split()) or "(no message)"
    where = f"details in {log}" if log is not None else "no log could be written"
    return f"wasitool: internal error: {kind}: {message} (a bug; {where})"


def report(exc: BaseException, argv: Sequence[str]) -> str:
    """Write the log for `exc` and return the line to print."""
    return one_line(exc, write_log(exc, argv))


def write_log(exc: BaseException, argv: Sequence[str], heading: str = "", prefix: str = "wasitool") -> Path | None:
    """Write the log for `exc` (after `heading`, if any); its path, or None if no directory took it."""
    text = (heading + "\n\n" if heading else "") + _log_text(exc, argv)
    name = f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for directory in _log_dirs():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _log_dirs() -> list[Path]:
    dirs = []
    try:
        from wasitool.store.layout import Layout

        dirs.append(Layout().logs)
    except Exception:  # the store location itself may be what is broken
        pass
    import tempfile

    dirs.append(Path(tempfile.gettempdir()) / "wasitool-logs")
    return dirs


def _log_text(exc: BaseException, argv: Sequence[str]) -> str:
    from wasitool import __version__

    lines = [
        "### wasitool internal error",
        "",
        f"wasitool: {__version__}",
        f"python: {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        f"platform: {platform.platform()}",
        *(f"{name}: {version}" for name, version in _engine_versions()),
        f"argv: {' '.join(repr(a) for a in argv)}",
        f"cwd: {os.getcwd()}",
        "",
        "### traceback",
        "",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip(),
    ]
    if isinstance(exc, InternalError) and exc.details:
        lines += ["", "### traceback of the original error (in a child process)", "", exc.details.rstrip()]
    return "\n".join(lines) + "\n"


def _engine_versions() -> list[tuple[str, str]]:
    """The installed engine packages' versions (whether or not this run imported them)."""
    from importlib import metadata

    found = []
    for package in ("wasmtime", "wasmer", "wasmer_compiler_cranelift"):
        try:
            found.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            found.append((package, "not installed"))
        except Exception as exc:  # a broken install must not hide the original bug
            found.append((package, f"unknown ({type(exc).__name__})"))
    return found
