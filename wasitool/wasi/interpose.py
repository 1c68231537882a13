"""Interposers: wrappers around host functions, installed only when a run asks for them.

An interposer (`--inject`'s `inject.Injector`, `--deterministic`'s `deterministic.Determinism`) says
which calls it `wants` and `wrap`s each of them around the guarded host function; the tracer wraps
outermost, so a trace line shows what the guest saw. An interposer that changed a call appends a note
to `HostEnv.marks` (cleared by the tracer before each call and printed after it, e.g. `[injected]`).
With no interposer nothing is wrapped and this module is not imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from .fdtable import FileDesc
    from .memory import GuestMemory
    from .signatures import Signature

HostFunction = Callable[..., "int | None"]


class HostEnv(NamedTuple):
    """What an interposer may use: the guest memory (as a view, and the bound memory object), the open fds,
    the notes for the trace, and the (count, buffer size) of argv and environ."""

    view: Callable[[], memoryview]
    fds: dict[int, FileDesc]
    marks: list[str]
    memory: Callable[[], GuestMemory]
    extra: dict[str, Any]  # other per-call notes for the trace (`stack`), cleared like `marks`
    args_sizes: tuple[int, int] = (0, 0)
    environ_sizes: tuple[int, int] = (0, 0)


class Unmarked(list[str]):
    """The notes of an untraced call: nobody reads them, so none are kept."""

    def append(self, _note: str) -> None:
        pass


class Interposer(Protocol):
    """Wraps the calls it wants; unwanted calls are left as they are."""

    def wants(self, name: str) -> bool:
        """Whether `wrap` should be given the call `name`."""
        ...

    def wrap(self, fn: HostFunction, sig: Signature, env: HostEnv) -> HostFunction:
        """`fn` (guarded: it returns an errno, never raises but ProcExit) with this interposer's behaviour."""
        ...


def interpose(fn: HostFunction, sig: Signature, env: HostEnv, interposers: Iterable[Interposer]) -> HostFunction:
    """`fn` wrapped by each interposer that wants it, the first one given outermost."""
    for interposer in reversed(list(interposers)):
        if interposer.wants(sig.name):
            fn = interposer.wrap(fn, sig, env)
    return fn
