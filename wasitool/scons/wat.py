"""SCons tool `wat`: WebAssembly text to `.wasm` with the `wat2wasm` wasitool.lock pins.

`env.Wat(name, source, features=[...])` builds `<outdir>/<name>.wasm`; the command line is `$WATCOM`
(`$WAT2WASM $WAT2WASM_FLAGS $WAT_FEATURE_FLAGS -o $TARGET $SOURCE`), printed as `$WATCOMSTR`. Features are wasm
proposal names (`exceptions`, `reference-types`, `multi-value`, ...); the flags that turn them on come from
the installed `wat2wasm --help` (`wasitool.watflags`), an error where it knows neither way.
"""

from __future__ import annotations

import subprocess
from typing import Any

import SCons.Builder
from SCons.Errors import UserError
from SCons.Script import Action

from wasitool.scons.wasi_c import load_project_toolchain, role_command, use_toolchain
from wasitool.watflags import UnknownFeature
from wasitool.watflags import feature_flags as flags_for


def generate(env: Any) -> None:
    env["WAT2WASM"] = role_command(use_toolchain(env), "wat2wasm")
    env.SetDefault(WAT2WASM_FLAGS=[], WAT_FEATURE_FLAGS=[], WASITOOL_TOOLCHAIN_ID="",
                   WATCOM="$( $WAT2WASM $) $WAT2WASM_FLAGS $WAT_FEATURE_FLAGS -o $TARGET $SOURCE",
                   WATCOMSTR="wat2wasm $SOURCE -> $TARGET")
    env["BUILDERS"]["WatProgram"] = SCons.Builder.Builder(
        action=Action("$WATCOM", "$WATCOMSTR", varlist=["WASITOOL_TOOLCHAIN_ID"]),
        suffix=".wasm",
        src_suffix=".wat",
    )
    env.AddMethod(wat, "Wat")


def wat(env: Any, name: str, source: Any, features: Any = (), outdir: str = "#out") -> Any:
    """Assemble `source` into `<outdir>/<name>.wasm` with the flags `features` need."""
    flags = feature_flags(env, tuple(features)) if env.get("WASITOOL_TOOLCHAIN") else []
    return env.WatProgram(f"{outdir}/{name}.wasm", source, WAT_FEATURE_FLAGS=flags)


_HELP_CACHE: dict[tuple[str, ...], str] = {}


def feature_flags(env: Any, features: tuple[str, ...]) -> list[str]:
    """The wat2wasm options that turn `features` on for the installed wat2wasm."""
    command = tuple(env["WAT2WASM"])
    if command not in _HELP_CACHE:
        try:
            proc = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=30,
                                  env={**env["ENV"]})
        except OSError as exc:
            raise UserError(f"cannot run {command[0]} ({exc}); run `wasitool setup`") from None
        _HELP_CACHE[command] = proc.stdout + proc.stderr
    try:
        return flags_for(_HELP_CACHE[command], features)
    except UnknownFeature as exc:
        raise UserError(f"wat2wasm ({command[0]}) does not know the wasm feature {exc.feature!r}") from None


def exists(env: Any) -> bool:
    """True when the toolchain wasitool.lock selects is installed."""
    return load_project_toolchain(None, required=False) is not None
