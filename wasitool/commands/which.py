"""`wasitool which ROLE`: the wrapper executable of one role (like `rustup which`)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.project import active_lock_path
from wasitool.toolchain.wrappers import TARGET_ROLES, installed_wrappers


def main(args: argparse.Namespace) -> int:
    toolchain, wrappers, _ = installed_wrappers(Path(args.lock) if args.lock else active_lock_path())
    role = args.role
    if role in wrappers:
        if args.argv:
            argv = toolchain.command(role) if role in toolchain.roles() else [str(wrappers[role])]  # run, strip
            print(shlex.join(argv))
        else:
            print(wrappers[role])
        return 0
    if toolchain.has(role):  # a file, not a command: the preview1 adapters
        print(toolchain.file(role))
        return 0
    if role in TARGET_ROLES or role in toolchain.roles():
        raise toolchain.missing(role)
    known = sorted({*wrappers, *TARGET_ROLES})
    raise ToolchainError(f"unknown role {role!r}", f"use one of: {', '.join(known)}")
