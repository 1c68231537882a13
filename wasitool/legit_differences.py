"""The one place declaring where a runtime may legitimately differ from an example's expectation, and
where wasitool's WASI calls deliberately differ from the wasmtime CLI's (`CALL_DIFFERENCES`).

Every entry names the runtime and the example it applies to and says *why* the difference is
allowed by the spec (or why the runtime cannot run the example at all). `wasitool check` applies the
entries and shows each applied one next to its cell, so nothing is ever silently ignored. Anything not
declared here is a failure.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from wasitool.examples import Expectation, OutputCheck
from wasitool.runspec import RunResult


@dataclass(frozen=True)
class LegitDifference:
    """One declared difference. `runtime` and `example` are shell-style patterns (`python-*`)."""

    runtime: str
    example: str
    why: str  # the comment: which part of the spec allows it
    # Lines (full-match regexes) of stdout/stderr that a runtime may omit or add: they are removed from
    # both the expected text (exact/sorted checks) and the actual output before judging.
    optional_lines: tuple[tuple[str, str], ...] = ()
    stderr: OutputCheck | None = None  # replaces the expected stderr (e.g. a runtime's own trap message)
    exit_code: int | None = None  # replaces the expected exit status
    exit_ok_err: bool = False  # an expected status other than 0 (and a trap's or a time limit's) becomes 1
    # An address (0x…) printed in exact stdout may be this many bytes higher, times any whole number > 0.
    addresses_higher_by: int = 0
    skip: bool = False  # the runtime cannot run this example: reported as "unsupported: <why>"

    def applies(self, runtime: str, example: str) -> bool:
        return fnmatchcase(runtime, self.runtime) and fnmatchcase(example, self.example)


# A WASI 0.2 component's row in `check` is named `<example>.p2` (wasitool.runtimes.matrix.Row).
COMPONENT_ROWS = "*.p2"
KEPT_STATUSES = (0, 124, 134)  # ok, and the statuses wasitool's runners give a time limit and a trap
WASM_PAGE = 0x10000
_ADDRESS = re.compile(rb"0x[0-9a-fA-F]+")

DIFFERENCES: tuple[LegitDifference, ...] = (
    LegitDifference(
        runtime="*",
        example=COMPONENT_ROWS,
        why="a component ends through wasi:cli/exit, whose status is result<_, _> (ok or err; exit-with-code is "
        "not in 0.2's stable WIT): the preview1 adapter turns proc_exit(N) for N != 0 into err, status 1",
        exit_ok_err=True,
    ),
    LegitDifference(
        runtime="*",
        example=COMPONENT_ROWS,
        why="the preview1 adapter keeps its state in the program's memory: a module exporting no cabi_realloc "
        "(zig's and wasi-sdk's preview1 output) gives it pages taken with memory.grow before main, so a heap "
        "address the program prints is whole 64 KiB pages higher than in its preview1 build",
        addresses_higher_by=WASM_PAGE,
    ),
    LegitDifference(
        runtime="node",
        example="readdir",
        why="preview1 leaves the `.` and `..` entries of fd_readdir to the implementation; node:wasi "
        "(uvwasi) omits them while other runtimes list them",
        optional_lines=(("stdout", r"\.{1,2}/?"),),
    ),
)


@dataclass(frozen=True)
class CallDifference:
    """A preview1 call where wasitool's runtime deliberately answers otherwise than the wasmtime CLI.

    Not applied to any result: the comparison tests (tests/engines/test_wasi_*.py) measure both sides,
    and this list says which differences are intended and why.
    """

    calls: tuple[str, ...]
    wasitool: str
    wasmtime_cli: str
    why: str


CALL_DIFFERENCES: tuple[CallDifference, ...] = (
    CallDifference(
        calls=("fd_write", "fd_read", "fd_pwrite", "fd_pread"),
        wasitool="moves the non-empty iovecs in order, up to 1024 of them (IOV_MAX) and 0x7ffff000 bytes, in one "
        "readv/writev; EFAULT (nothing moved) if one of those lies outside memory",
        wasmtime_cli="moves only the first non-empty iovec and ignores the others",
        why="both are short transfers, which preview1 (like POSIX readv/writev) allows and every libc handles; "
        "moving all iovecs keeps writev's one-call semantics (a line and its newline reach a pipe together)",
    ),
    CallDifference(
        calls=("path_remove_directory",),
        wasitool="`dir/` (a trailing slash) removes the directory",
        wasmtime_cli="EINVAL",
        why="POSIX rmdir(\"dir/\") succeeds, and so must it in the WebAssembly wasi-testsuite "
        "(remove_directory_trailing_slashes)",
    ),
    CallDifference(
        calls=("path_filestat_get",),
        wasitool="`file/` (a trailing slash on a non-directory) is ENOTDIR",
        wasmtime_cli="stats the file when `file/` is a single component (ENOTDIR for `dir/file/`)",
        why="a trailing slash names a directory (POSIX pathname resolution; Linux and node say ENOTDIR, and the "
        "wasmtime CLI itself says ENOTDIR for path_open and path_filestat_set_times of the same path)",
    ),
    CallDifference(
        calls=("path_create_directory", "path_remove_directory", "path_unlink_file", "path_rename", "path_link",
               "path_symlink", "path_readlink", "path_filestat_set_times"),
        wasitool="a path of 4096 bytes or more is ENAMETOOLONG in every path call",
        wasmtime_cli="ENAMETOOLONG in path_open and path_filestat_get only",
        why="PATH_MAX (4096 with the NUL) is Linux's limit for every path; one rule for all calls, and it "
        "bounds the work a single call can ask for (a path of 35,000 `./` is 35,000 lookups)",
    ),
    CallDifference(
        calls=("*",),
        wasitool="a pointer outside memory or not aligned to its type is EFAULT, checked for every out-pointer "
        "before the call acts; an invalid enum or flag value is EINVAL (returned to the guest)",
        wasmtime_cli="ends the run with exit status 1 and an error (\"Pointer out of bounds\", \"Pointer not "
        "aligned\", \"Invalid enum value\", \"Invalid flag value\"); an out-pointer is only checked when the "
        "result is written, after the call acted (fd_write with a misaligned nwritten writes, then fails)",
        why="preview1 defines EFAULT and EINVAL for these; returning them lets the guest report its own error, "
        "and checking first means a refused call changed nothing",
    ),
)


# Where wasitool's WASI 0.2 host (`wasitool.wasip2`, for components) deliberately answers otherwise than the
# wasmtime CLI running the same component (docs/components.md; tests/wasip2 measure both sides).
COMPONENT_DIFFERENCES: tuple[CallDifference, ...] = (
    CallDifference(
        calls=("[method]output-stream.blocking-write-and-flush", "get-random-bytes"),
        wasitool="a call breaking a rule of the WIT (more than 4096 bytes to write and flush; more than 64 MiB of "
        "random bytes) ends the run as a trap: status 134, `wasitool: trap: <why>`",
        wasmtime_cli="ends the run with status 1 and the same reason as an error of its host",
        why="the WIT calls these traps; wasitool reports every trap the same way (README, exit statuses)",
    ),
    CallDifference(
        calls=("[method]descriptor.read-directory",),
        wasitool="lists the directory when the stream is made; entries added later are not returned",
        wasmtime_cli="reads the directory as the stream is consumed",
        why="the WIT leaves concurrent changes unspecified; listing at once lets read-directory carry the error "
        "that wasmtime-py cannot pass through read-directory-entry (docs/components.md)",
    ),
    CallDifference(
        calls=("*",),
        wasitool="an import the host does not define (wasi:sockets, wasi:http, another major version) traps when "
        "called: `unknown import: `NAME` is not provided by wasitool's WASI 0.2 host`",
        wasmtime_cli="provides sockets (network access off unless asked) and refuses unknown imports at start",
        why="a command that imports sockets without using them (wasi-sdk's libc does) still runs",
    ),
    CallDifference(
        calls=("[method]descriptor.symlink-at",),
        wasitool="a symlink whose body leads out of the preopen (`../x` at the top, `/etc`) is `not-permitted`",
        wasmtime_cli="creates a relative one (following it later is refused); refuses an absolute one",
        why="the same sandbox as preview1 (wasi/sandbox.py): no link the guest makes points outside",
    ),
    CallDifference(
        calls=("wasi:filesystem/*",),
        wasitool="a `--dir HOST::GUEST:ro` preopen refuses every change under it with `not-permitted`",
        wasmtime_cli="has no read-only preopen",
        why="the same `:ro` as preview1 runs",
    ),
    CallDifference(
        calls=("[method]descriptor.stat-at",),
        wasitool="`link/` (a trailing slash on a symlink to a directory) without `symlink-follow` stats the directory",
        wasmtime_cli="stats the symlink itself",
        why="a trailing slash makes the last component a directory, so the symlink is followed (POSIX pathname "
        "resolution; Linux lstat(\"link/\") does), as in wasitool's preview1 path_filestat_get",
    ),
    CallDifference(
        calls=("[method]descriptor.remove-directory-at",),
        wasitool="`dir/` (a trailing slash) removes the directory",
        wasmtime_cli="`invalid` (EINVAL through the preview1 adapter)",
        why="POSIX rmdir(\"dir/\") succeeds, as in wasitool's preview1 path_remove_directory and the WebAssembly "
        "wasi-testsuite (remove_directory_trailing_slashes)",
    ),
)


def declared(runtime: str, example: str) -> list[LegitDifference]:
    """The entries that apply to `runtime` running `example`."""
    return [d for d in DIFFERENCES if d.applies(runtime, example)]


def skipped(runtime: str, example: str) -> LegitDifference | None:
    """The entry saying `runtime` cannot run `example` at all, if any."""
    return next((d for d in declared(runtime, example) if d.skip), None)


def adjust(
    runtime: str, example: str, expectation: Expectation, result: RunResult
) -> tuple[Expectation, RunResult, list[LegitDifference]]:
    """Apply the declared differences; also returns the entries that actually changed the verdict's inputs."""
    used: list[LegitDifference] = []
    for diff in declared(runtime, example):
        if diff.skip:
            continue
        before = (expectation, result.stdout, result.stderr)
        for stream, pattern in diff.optional_lines:
            expectation, result = _drop_lines(stream, re.compile(pattern), expectation, result)
        if diff.stderr is not None:
            expectation = dataclasses.replace(expectation, stderr=diff.stderr)
        if diff.exit_code is not None:
            expectation = dataclasses.replace(expectation, exit_code=diff.exit_code)
        if diff.exit_ok_err and expectation.exit_code not in KEPT_STATUSES:
            expectation = dataclasses.replace(expectation, exit_code=1)
        if diff.addresses_higher_by and expectation.stdout.mode == "exact":
            moved_back = _addresses_back(expectation.stdout.text.encode(), result.stdout, diff.addresses_higher_by)
            if moved_back != result.stdout:
                result = result.replace(stdout=moved_back)
        if before != (expectation, result.stdout, result.stderr):
            used.append(diff)
    return expectation, result, used


def _addresses_back(expected: bytes, actual: bytes, step: int) -> bytes:
    """`actual` with each address that is `step` times a whole number higher than the expected one at the same
    place replaced by the expected text, when everything else is equal; else `actual` unchanged."""
    want, got = _ADDRESS.split(expected), _ADDRESS.split(actual)
    if want != got:  # the text around the addresses differs (or their number): nothing to forgive
        return actual
    pairs = zip(_ADDRESS.findall(expected), _ADDRESS.findall(actual), strict=True)
    out = [got[0]]
    for (old, new), text in zip(pairs, got[1:], strict=True):
        shift = int(new, 16) - int(old, 16)
        out += [old if shift > 0 and shift % step == 0 else new, text]
    return b"".join(out)


def _drop_lines(
    stream: str, pattern: re.Pattern[str], expectation: Expectation, result: RunResult
) -> tuple[Expectation, RunResult]:
    def optional(line: bytes) -> bool:
        return pattern.fullmatch(line.rstrip(b"\n").decode("utf-8", errors="replace")) is not None

    check: OutputCheck = getattr(expectation, stream)
    if check.mode in ("exact", "sorted"):
        text = "".join(line for line in check.text.splitlines(True) if not optional(line.encode()))
        changed: dict[str, Any] = {stream: OutputCheck(check.mode, text)}
        expectation = dataclasses.replace(expectation, **changed)
    actual: bytes = getattr(result, stream)
    kept = b"".join(line for line in actual.splitlines(True) if not optional(line))
    if kept != actual:
        result = result.replace(**{stream: kept})
    return expectation, result
