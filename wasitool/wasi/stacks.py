"""`--trace-stack`: the guest call stack of each traced call (wasmtime only), for the trace to print.

The interposer samples the stack when the call starts (`engines.wasmtime_stacks`) and leaves it in the
trace's per-call notes (`HostEnv.extra["stack"]`, innermost frame first); `attach` gives it the
compiled module, the bound memory gives it the store. A module with DWARF line tables (a `-g` build)
gets each frame's source line: `main (x.c:12)`, a file outside the build's directory (the libc's, by an
absolute path) by its base name. `where` names a call site for `wasitool faults`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .interpose import HostEnv, HostFunction
from .signatures import Signature

if TYPE_CHECKING:
    from wasitool.dwarf_lines import LineTable
    from wasitool.engines.values import CompiledModule
    from wasitool.engines.wasmtime_stacks import AddressMap, Frame

# Frames of the C runtime's start-up, left out of a call site's name, and the names the compiler gives
# the program's own `main` (`int main(void)` becomes `__original_main`).
ENTRY_FRAMES = frozenset({"_start", "__main_void", "_initialize"})
MAIN_ALIASES = {"__original_main": "main", "__main_argc_argv": "main"}


class Stacks:
    """Samples the guest stack at each wanted call."""

    def __init__(self, calls: Iterable[str]) -> None:
        self.calls = frozenset(calls)
        self._module: Any = None
        self._lines: tuple[LineTable, AddressMap] | None = None

    def attach(self, module: CompiledModule) -> None:
        """The compiled module the run instantiates (its DWARF lines read now, when it has any)."""
        self._module = module.native
        self._lines = None
        if self.calls:
            from wasitool.dwarf_lines import LineTable
            from wasitool.engines.wasmtime_stacks import AddressMap

            table = LineTable.read(module.data)
            addresses = AddressMap.of(module.native) if table is not None else None
            if table is not None and addresses is not None:
                self._lines = table, addresses

    def wants(self, name: str) -> bool:
        return name in self.calls and name != "proc_exit"  # traced before it runs: no stack to show

    def wrap(self, fn: HostFunction, sig: Signature, env: HostEnv) -> HostFunction:
        from wasitool.engines.wasmtime_stacks import guest_stack

        def sampled(*args: int) -> int | None:
            store = getattr(env.memory(), "store", None)
            if store is not None and self._module is not None:
                env.extra["stack"] = [self._describe(frame) for frame in guest_stack(store, self._module)]
            return fn(*args)

        return sampled

    def _describe(self, frame: Frame) -> str:
        """`name`, or `name (file:line)` when the module's DWARF knows the call's line."""
        if self._lines is None:
            return frame.name
        table, addresses = self._lines
        offset = addresses.file_offset(frame.address)
        found = table.at_file_offset(offset) if offset is not None else None
        if found is None:
            return frame.name
        file = posixpath.basename(found.file) if posixpath.isabs(found.file) else found.file
        return f"{frame.name} ({file}:{found.line})"


def where(stack: list[str]) -> str:
    """A call site's name: the two outermost frames below the start-up code, outermost first
    (`main>fopen`), or `-` without a stack."""
    names = (frame.split(" (", 1)[0] for frame in reversed(stack))  # without a frame's `(file:line)`
    frames = [MAIN_ALIASES.get(f, f) for f in names if f not in ENTRY_FRAMES and not f.startswith("<wasm function")]
    return ">".join(frames[:2]) or "-"
