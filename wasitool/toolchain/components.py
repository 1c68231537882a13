"""How the installed toolchain makes a WASI 0.2 component (no network, no SCons).

Two ways, chosen by the lock's data: a source whose compiler targets wasm32-wasip2 itself declares the
roles `wasip2-cc` / `wasip2-c++` (wasi-sdk's clang, which links through wasm-component-ld), and its output
is the component; otherwise the core module is built as for preview1 and `component-new` (wasm-tools)
wraps it with the preview1 adapter of its kind: `command` for a program (it exports `wasi:cli/run`),
`reactor` for a library (its exports stay callable).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wasitool.errors import ToolchainError
from wasitool.toolchain.roles import Role

if TYPE_CHECKING:
    from wasitool.toolchain.manifest import Toolchain

# adapter kind -> role
ADAPTERS: dict[str, Role] = {"command": "wasi-adapter-command", "reactor": "wasi-adapter-reactor"}
# language -> role of a wasm32-wasip2 compiler
NATIVE_COMPILERS: dict[str, Role] = {"c": "wasip2-cc", "c++": "wasip2-c++"}
ADAPTED_IMPORT = "wasi_snapshot_preview1"  # the core module's import the adapter satisfies
# Which tool of the default lock offers each role (for the message when a lock lacks it).
TOOL_OF: dict[Role, str] = {"component-new": "wasm-tools", "wasm-tools": "wasm-tools",
           "wasi-adapter-command": "wasi-adapters", "wasi-adapter-reactor": "wasi-adapters"}


def adapter_kind(library: bool) -> str:
    """`reactor` for a library module (no `_start`), `command` for a program."""
    return "reactor" if library else "command"


def native_compiler(toolchain: Toolchain, language: str) -> list[str] | None:
    """The argv prefix of a compiler that writes a component itself (wasm32-wasip2), or None."""
    role = NATIVE_COMPILERS.get(language)
    return list(toolchain.command(role)) if role and toolchain.has(role) else None


def component_new(toolchain: Toolchain, adapter: str, lock: Path) -> list[str]:
    """The argv prefix that turns a core module into a component with the `adapter` (`command` or
    `reactor`) preview1 adapter; append `CORE.wasm -o COMPONENT.wasm`. `lock` (the toolchain's)
    only serves the message when the toolchain lacks wasm-tools or the adapters."""
    role = ADAPTERS[adapter]
    for needed in ("component-new", role):
        if not toolchain.has(needed):
            raise missing_for_components(toolchain, needed, lock)
    return [*toolchain.command("component-new"), "--adapt", f"{ADAPTED_IMPORT}={toolchain.file(role)}"]


def missing_for_components(toolchain: Toolchain, role: Role, lock: Path) -> ToolchainError:
    """Why `role` is missing: the lock predates the component tools, setup skipped them, or a source lacks it."""
    from wasitool.toolchain.lock import load_lock

    if any(role in tool.unavailable for tool in toolchain.tools.values()):
        return toolchain.missing(role)
    parsed = load_lock(lock)
    tool = next((name for name, spec in parsed.tools.items() if role in spec.provides), None)
    if tool is None:
        wanted = TOOL_OF.get(role, role)
        return ToolchainError(
            f"this lock pins no {wanted} ({parsed.path}), which WASI 0.2 components need",
            "copy the [tools.wasm-tools] and [tools.wasi-adapters] tables of wasitool's own lock "
            "(`wasitool init` writes it in a new project) into it, then run `wasitool setup`")
    return ToolchainError(f"{tool} is not installed for {parsed.path} (WASI 0.2 components need it)",
                          f"run `wasitool setup --tool {tool}` (the adapters come from npm: install Node.js, "
                          "or pass --mirror DIR holding the pinned files)")
