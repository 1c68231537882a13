"""`--trace-stack`: the guest call stack of each traced call (wasmtime only), for the trace to print.

The interposer samples the stack when the call starts (`engines.wasmtime_stacks`) and leaves it in the
trace's per-call notes (`HostEnv.extra["stack"]`, innermost frame first); `attach` gives it the
compiled module, the bound memory gives it the store. `where` names a call site for `wasitool faults`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .interpose import HostEnv, HostFunction
from .signatures import Signature

# Frames of the C runtime's start-up, left out of a call site's name, and the names the compiler gives
# the program's own `main` (`int main(void)` becomes `__original_main`).
ENTRY_FRAMES = frozenset({"_start", "__main_void", "_initialize"})
MAIN_ALIASES = {"__original_main": "main", "__main_argc_argv": "main"}


class Stacks:
    """Samples the guest stack at each wanted call."""

    def __init__(self, calls: Iterable[str]) -> None:
        self.calls = frozenset(calls)
        self._module: Any = None

    def attach(self, module: Any) -> None:
        """The engine's compiled module (`CompiledModule.native`) the run instantiates."""
        self._module = module

    def wants(self, name: str) -> bool:
        return name in self.calls and name != "proc_exit"  # traced before it runs: no stack to show

    def wrap(self, fn: HostFunction, sig: Signature, env: HostEnv) -> HostFunction:
        from wasitool.engines.wasmtime_stacks import guest_stack

        def sampled(*args: int) -> int | None:
            store = getattr(env.memory(), "store", None)
            if store is not None and self._module is not None:
                env.extra["stack"] = guest_stack(store, self._module)
            return fn(*args)

        return sampled


def where(stack: list[str]) -> str:
    """A call site's name: the two outermost frames below the start-up code, outermost first
    (`main>fopen`), or `-` without a stack."""
    frames = [MAIN_ALIASES.get(f, f) for f in reversed(stack)
              if f not in ENTRY_FRAMES and not f.startswith("<wasm function")]
    return ">".join(frames[:2]) or "-"
