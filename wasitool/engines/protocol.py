"""What an engine offers (`Engine`): the Protocol of the `wasitool.engines.ENGINES` family."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from wasitool.engines.limits import Limits
    from wasitool.engines.values import CompiledModule, Outcome, WasiHost
    from wasitool.runspec import Invoke


class Engine(Protocol):
    """What an engine offers `pyruntime` and the CLI (registered in `wasitool.engines.ENGINES`; every
    adapter gets it by deriving from `EngineAdapter`)."""

    @property
    def name(self) -> str:
        """The registry name (`wasmer`, `wasmtime`)."""
        ...

    def compile(self, source: bytes | Path | str, label: str | None = None) -> CompiledModule:
        """Load and validate a module; failures are one-line WasiErrors naming what is missing."""
        ...

    def compiles(self, data: bytes) -> bool:
        """Whether this engine compiles `data` (no diagnosis, no error)."""
        ...

    def wat2wasm(self, text: str, label: str) -> bytes:
        """WebAssembly text to binary with the engine's own parser."""
        ...

    def prepare(self, module: CompiledModule, limits: Limits) -> CompiledModule:
        """`module` compiled as `limits` need (before a fork)."""
        ...

    def needs_child(self, limits: Limits) -> bool:
        """Whether enforcing `limits` takes a supervising parent process."""
        ...

    def run(self, module: CompiledModule, host: WasiHost, invoke: Invoke | None = None,
            limits: Limits | None = None) -> Outcome:
        """Run the module's start function, then `_start` (or the invoked export), within `limits`."""
        ...

    def instantiate(self, module: CompiledModule, host: WasiHost, invoke: Invoke | None = None,
                    limits: Limits | None = None) -> Callable[[], Outcome]:
        """`run` split in two: instantiate now, run the guest when the returned callable is called."""
        ...

    def supports(self, feature: str) -> bool:
        """Whether this engine compiles modules using a post-MVP proposal."""
        ...

    def features(self) -> frozenset[str]:
        """Every known proposal this engine supports."""
        ...
