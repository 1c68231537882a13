"""zig builds its C library for wasm32-wasi the first time it links C for a configuration (half a minute to
two minutes each: C, C++'s libc++, optimizing for size, exception handling for setjmp/longjmp, threads),
into its global cache in the store. Nothing waits that long in silence:

- `libc_pending`: SCons builds of a project say so first when zig has built no C library yet;
- `watch` (one-file builds, every link of the SCons tool `wasi_c`) and `sh_watch` (the compiler wrappers,
  so make, CMake and any other build system): a zig link still running after `WATCH_SECONDS` says on
  stderr what it is probably doing, for every variant zig builds (C++, setjmp/longjmp, other flags), not
  only the first; builds whose output is captured (`wasitool run NAME`) pass these lines on (`is_notice`).
"""

from __future__ import annotations

import shlex
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from wasitool.toolchain.manifest import Toolchain

MESSAGE = "building the C library for wasm32-wasi, first use only (a minute or two)"
WATCH_SECONDS: float = 3
SLOW_MESSAGE = ("still building after {seconds} s: zig builds its C library once for each configuration "
                "(C or C++, -Os/-Oz, setjmp/longjmp, threads) and keeps it; this takes a minute or two")
_ZIG_CACHE = "ZIG_GLOBAL_CACHE_DIR"
_NOTICE = ": " + SLOW_MESSAGE.split("{", 1)[0]  # `NAME: still building after `


def is_notice(line: str) -> bool:
    """Whether an output line is a `watch` notice (passed on by callers that capture a build's output)."""
    return _NOTICE in line


def libc_pending(toolchain: Toolchain | None) -> bool:
    """True when the toolchain is zig and its global cache in the store holds no built libc yet (other
    entries, such as objects compiled with `-c`, do not count: they need no libc)."""
    if toolchain is None:
        return False
    for tool in toolchain.tools.values():
        cache = tool.env.get(_ZIG_CACHE)
        if cache:
            return next((Path(cache) / "o").glob("*/libc.a"), None) is None
    return False


def is_zig(env: Mapping[str, str]) -> bool:
    """Whether a tool with this environment is zig (whose links may build its C library)."""
    return _ZIG_CACHE in env


@contextmanager
def watch(env: Mapping[str, str], name: str = "wasitool") -> Iterator[None]:
    """Around one zig command: print `name: SLOW_MESSAGE` on stderr if it is still running after
    WATCH_SECONDS (nothing for other tools)."""
    if not is_zig(env):
        yield
        return
    timer = threading.Timer(WATCH_SECONDS, _say, (f"{name}: {SLOW_MESSAGE.format(seconds=WATCH_SECONDS)}",))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class ShWatch(NamedTuple):
    """sh lines to run before (`start`) and after (`stop`) a command, both empty for tools other than zig."""

    start: list[str]
    stop: list[str]


def sh_watch(name: str, env: Mapping[str, str]) -> ShWatch:
    """`watch` for a sh wrapper: a background subshell prints the message unless stopped in time. Its
    `sleep` writes nowhere, so a killed watcher holds no pipe a caller reads stderr from."""
    if not is_zig(env):
        return ShWatch([], [])
    message = shlex.quote(f"{name}: {SLOW_MESSAGE.format(seconds=WATCH_SECONDS)}")
    return ShWatch([f"( sleep {WATCH_SECONDS} </dev/null >/dev/null 2>&1; echo {message} >&2 ) & watch=$!"],
                   ["kill $watch 2>/dev/null"])
