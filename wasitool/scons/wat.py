"""SCons tool `wat`: WebAssembly text to `.wasm` with the `wat2wasm` wasitool.lock pins.

`env.Wat(name, source, features=[...])` builds `<outdir>/<name>.wasm`; the command line is `$WATCOM`
(`$WAT2WASM $WAT2WASM_FLAGS $WAT_FEATURE_FLAGS -o $TARGET $SOURCE`), printed as `$WATCOMSTR`. Features are wasm proposal
names (`exceptions`, `reference-types`, `multi-value`, ...). wabt versions disagree on which are on
by default (1.0.42 enables exceptions and rejects `--enable-exceptions`; 1.0.32 needs the flag), so
the flags come from the installed `wat2wasm --help`: `--enable-<f>` where it offers that option,
nothing where it only offers `--disable-<f>` (already on), an error where it knows neither.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import SCons.Builder
from SCons.Errors import UserError
from SCons.Script import Action

from wasitool.scons.wasi_c import load_project_toolchain, role_command, use_toolchain


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
    text = _HELP_CACHE[command]
    flags = []
    for feature in features:
        if _offers(text, f"--enable-{feature}"):
            flags.append(f"--enable-{feature}")
        elif not _offers(text, f"--disable-{feature}"):
            raise UserError(f"wat2wasm ({command[0]}) does not know the wasm feature {feature!r}")
    return flags


def _offers(help_text: str, option: str) -> bool:
    return re.search(rf"{re.escape(option)}(?![\w-])", help_text) is not None


def exists(env: Any) -> bool:
    """True when the toolchain wasitool.lock selects is installed."""
    return load_project_toolchain(None, required=False) is not None
