"""`wasitool examples`: list the examples, what each teaches and what it needs."""

from __future__ import annotations

import argparse

from wasitool.examples import Example, load_examples


def describe(example: Example) -> str:
    """Kind, language and requirements in a few words (e.g. `wat command, needs exceptions`)."""
    text = f"{example.language} {example.kind}"
    if example.native:
        text += " +native"
    if example.requires:
        text += f", needs {', '.join(example.requires)}"
    return text


def main(args: argparse.Namespace) -> int:
    examples = load_examples()
    width = max(len(name) for name in examples)
    kinds = {name: describe(example) for name, example in examples.items()}
    kind_width = max(len(text) for text in kinds.values())
    for name, example in examples.items():
        print(f"{name:<{width}}  {kinds[name]:<{kind_width}}  {example.teaches}")
    return 0
