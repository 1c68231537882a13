"""`wasitool examples [--copy DIR]`: list the bundled examples, or copy them into a project to change."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasitool.errors import WasitoolError
from wasitool.example_table import load_examples
from wasitool.examples import Example


def describe(example: Example) -> str:
    """Kind, language and requirements in a few words (e.g. `wat command, needs exceptions`)."""
    text = f"{example.language} {example.kind}"
    if example.native:
        text += " +native"
    if example.requires:
        text += f", needs {', '.join(example.requires)}"
    return text


def main(args: argparse.Namespace) -> int:
    from wasitool.project import bundled_project, export_project

    project = bundled_project()
    if args.copy:
        dest = Path(args.copy)
        refuse_non_empty(dest, args.force)
        try:
            export_project(project, dest)
        except OSError as exc:
            raise unwritable(dest, exc) from None
        print(f"copied {len(load_examples(project=project))} examples into {dest}: "
              f"cd {dest} && wasitool setup && scons -Q && wasitool check")
        return 0
    examples = load_examples(project=project)
    width = max(len(name) for name in examples)
    kinds = {name: describe(example) for name, example in examples.items()}
    kind_width = max(len(text) for text in kinds.values())
    for name, example in examples.items():
        print(f"{name:<{width}}  {kinds[name]:<{kind_width}}  {example.teaches}")
    return 0


def refuse_non_empty(dest: Path, force: bool) -> None:
    """One-line error when `dest` is a file, or a non-empty directory and not `force`."""
    if dest.exists() and not dest.is_dir():
        raise WasitoolError(f"{dest} exists and is not a directory", "choose another directory")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise WasitoolError(f"{dest} is not empty", "choose an empty or new directory, or pass --force")


def unwritable(dest: Path, exc: OSError) -> WasitoolError:
    """The one-line error for a project directory that cannot be made or written."""
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(dest) else ""
    return WasitoolError(f"cannot write the project into {dest}: {exc.strerror or exc}{where}",
                         "choose a directory you can write in")
