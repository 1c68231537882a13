"""WasiContext: the preview1 host functions over one fd table and one guest memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from .calls_fd import FdCalls
from .calls_misc import MiscCalls
from .calls_path import PathCalls
from .calls_poll import PollCalls
from .config import WasiConfig
from .fdtable import FdTable
from .guard import SELF_GUARDED, guard
from .outputs import with_outputs
from .signatures import SIGNATURES
from .trace import traced


class WasiContext(MiscCalls, FdCalls, PathCalls, PollCalls):
    """One guest's WASI state. Raises `WasiError` at construction if a preopen cannot be opened."""

    def __init__(self, config: WasiConfig, trace: TextIO | None = None) -> None:
        table = FdTable((config.stdin, config.stdout, config.stderr), list(config.preopens))
        self._init_base(table)
        self._init_misc(list(config.argv), list(config.env), config.stderr)
        self._trace = trace

    def host_functions(self) -> dict[str, Callable[..., int | None]]:
        """One callable per SIGNATURES entry: ints in wasm param order in, errno out.

        A call with out-pointers is its implementation (inputs in, outputs or an errno out) made whole by
        `outputs.with_outputs`, except the hand-written hot calls of `guard.SELF_GUARDED`.
        """
        funcs: dict[str, Callable[..., int | None]] = {}
        for name, sig in SIGNATURES.items():
            fn: Callable[..., int | None] = getattr(self, name)
            if name not in SELF_GUARDED:
                if sig.outputs:
                    fn = with_outputs(fn, sig, self._view)  # type: ignore[arg-type]
                fn = guard(fn)
            if self._trace is not None:
                fn = traced(fn, sig, self._view, self._trace)
            funcs[name] = fn
        return funcs

    def _view(self) -> memoryview:
        return self._memory.view()

    def close(self) -> None:
        """Close every host fd the context opened (preopens, files); stdio fds stay open."""
        self._table.close_all()

    def __enter__(self) -> WasiContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
