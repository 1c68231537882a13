"""The roles a toolchain fills (docs/architecture.md, "Toolchain → build"): what `Toolchain.command(role)`,
`file(role)` and `has(role)` take, so mypy checks every role named in the code. A lock may name others;
code reaching those (`wasitool which ROLE`) goes through `as_role`."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal[
    "cc", "c++", "ar", "ranlib", "nm", "strip", "wasm-ld",  # the compilers and binutils
    "wat2wasm", "wasm2wat", "wasm-objdump", "wasm-validate", "wasm-interp", "wasm-strip",  # wabt
    "wasip2-cc", "wasip2-c++",  # compilers that write WASI 0.2 components themselves
    "wasm-tools", "component-new",  # wasm-tools, and its `component new`
    "wasi-adapter-command", "wasi-adapter-reactor",  # the preview1 adapters: files, not commands
]
ROLES: tuple[Role, ...] = get_args(Role)
