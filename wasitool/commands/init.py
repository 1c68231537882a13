"""`wasitool init [DIR]`: a new project: lock, SConstruct, wasitool.toml, src/hello.c and src/hello.wat."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from wasitool.commands.examples import refuse_non_empty, unwritable


def main(args: argparse.Namespace) -> int:
    from wasitool.project import LOCK_NAME, SCONSTRUCT, TABLE_NAME
    from wasitool.shipped import INIT_TEMPLATE, SHIPPED_LOCK

    dest = Path(args.directory)
    refuse_non_empty(dest, args.force)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copytree(INIT_TEMPLATE / "src", dest / "src", dirs_exist_ok=True)
        shutil.copyfile(INIT_TEMPLATE / TABLE_NAME, dest / TABLE_NAME)
        shutil.copyfile(INIT_TEMPLATE / "gitignore", dest / ".gitignore")
        shutil.copyfile(SHIPPED_LOCK, dest / LOCK_NAME)
        (dest / "SConstruct").write_text(SCONSTRUCT, encoding="utf-8")
    except OSError as exc:
        raise unwritable(dest, exc) from None
    where = "" if dest.resolve() == Path.cwd().resolve() else f"cd {args.directory} && "
    print(f"created a wasitool project in {dest}\n"
          f"next: {where}wasitool setup && scons -Q && wasitool run hello --diff && wasitool check")
    return 0
