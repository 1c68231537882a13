"""`wasitool env [--shell sh|fish|powershell|json]`: the toolchain as variables for any build system.

`eval "$(wasitool env)"` then `make`, `cmake` or `./configure` build for wasm32-wasi with the pinned
toolchain: CC, CXX, AR, RANLIB, NM, STRIP name the wrapper executables, WASI_SYSROOT the sysroot (where the
source has one), and PATH starts with the wrapper directory (`wasm32-wasi-cc`, `wat2wasm`, ...). For WASI 0.2
components: WASM_TOOLS (the wasm-tools wrapper) and WASI_ADAPTER_COMMAND / WASI_ADAPTER_REACTOR (the preview1
adapters), as in `$WASM_TOOLS component new app.wasm --adapt wasi_snapshot_preview1=$WASI_ADAPTER_COMMAND -o c.wasm`.
CONFIG_SITE names the autoconf site file beside the wrappers (`toolchain/config_site.py`), so
`./configure --host=wasm32-wasi` works with an old config.sub; a CONFIG_SITE the user set is kept, and a
comment says so.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from wasitool.project import active_lock_path
from wasitool.toolchain import config_site
from wasitool.toolchain.wrappers import ENV_FILES, ENV_ROLES, environment, installed_wrappers

SHELLS = ("sh", "fish", "powershell", "json")


def main(args: argparse.Namespace) -> int:
    toolchain, wrappers, bin_dir = installed_wrappers(Path(args.lock) if args.lock else active_lock_path())
    variables = environment(toolchain, wrappers, bin_dir, os.environ, posix_layer=args.posix)
    missing = {name: toolchain.missing(role).problem for name, role in ENV_ROLES.items() if role not in wrappers}
    missing.update({name: toolchain.missing(role).problem for name, role in ENV_FILES.items()
                    if not toolchain.has(role)})
    kept = {}
    if theirs := config_site.users_own(os.environ):
        kept[config_site.VARIABLE] = (
            f"{config_site.VARIABLE} is kept as you set it ({theirs}), so wasitool's {bin_dir / config_site.FILE_NAME} "
            "(which lets ./configure --host=wasm32-wasi pass an old config.sub) is not read: source it from yours")
    print(render(variables, bin_dir, missing, args.shell, kept), end="")
    return 0


def render(variables: dict[str, str], bin_dir: Path, missing: dict[str, str], shell: str,
           kept: dict[str, str]) -> str:
    """The variables (and the PATH prefix) as `shell` code; `missing` (name -> why it is not set) and `kept`
    (name -> what keeping the user's own value means) become comments (or JSON fields)."""
    if shell == "json":
        data = {"variables": variables, "path_prefix": str(bin_dir), "unavailable": missing, "kept": kept,
                "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    lines = [f"# {name} is not set: {why}" for name, why in sorted(missing.items())]
    lines += [f"# {why}" for _, why in sorted(kept.items())]
    for name, value in variables.items():
        lines.append(_assign(shell, name, value))
    lines.append(_prepend_path(shell, str(bin_dir)))
    return "\n".join(lines) + "\n"


def _assign(shell: str, name: str, value: str) -> str:
    if shell == "fish":
        return f"set -gx {name} {_fish_quote(value)}"
    if shell == "powershell":
        return f"$env:{name} = {_ps_quote(value)}"
    return f"export {name}={_sh_quote(value)}"


def _prepend_path(shell: str, directory: str) -> str:
    if shell == "fish":
        return f"set -gx PATH {_fish_quote(directory)} $PATH"
    if shell == "powershell":
        return f"$env:PATH = {_ps_quote(directory)} + [System.IO.Path]::PathSeparator + $env:PATH"
    return f'export PATH={_sh_quote(directory)}:"$PATH"'


def _sh_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ps_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
