"""Whether a plug-in object satisfies its family's Protocol: every member present, methods with the
Protocol's exact signature (parameter names, kinds, defaults, annotations, return), attributes of the
declared type."""

from __future__ import annotations

import argparse
import inspect
import typing

from wasitool.cli import command_parser


def protocol_members(protocol: type) -> dict[str, object]:
    """The members `protocol` declares itself: methods and properties by value, annotated attributes as None."""
    members: dict[str, object] = {name: value for name, value in vars(protocol).items()
                                  if not name.startswith("_") and (callable(value) or isinstance(value, property))}
    for name in vars(protocol).get("__annotations__", {}):
        members.setdefault(name, None)
    return members


def mismatches(plugin: object, protocol: type) -> list[str]:
    """What keeps `plugin` from satisfying `protocol`, one line each (empty: it conforms)."""
    problems = []
    for name, declared in protocol_members(protocol).items():
        if not hasattr(plugin, name):
            problems.append(f"lacks `{name}`")
            continue
        actual = getattr(plugin, name)
        if declared is None or isinstance(declared, property):
            hints = typing.get_type_hints(protocol if declared is None else declared.fget)
            expected = hints[name if declared is None else "return"]
            if isinstance(expected, type) and not isinstance(actual, expected):
                problems.append(f"`{name}` is {actual!r}, not a {expected.__name__}")
            continue
        if not callable(actual):
            problems.append(f"`{name}` is not callable")
            continue
        wanted = inspect.signature(declared)
        wanted = wanted.replace(parameters=list(wanted.parameters.values())[1:])  # without `self`
        got = inspect.signature(actual)
        if got != wanted:
            problems.append(f"`{name}{got}` differs from the Protocol's `{name}{wanted}`")
    return problems


def cli_choices(command: str, option: str) -> tuple[str, ...]:
    """The choices `wasitool COMMAND` offers for `option` (searched in its sub-subcommands too)."""

    def search(parser: argparse.ArgumentParser) -> tuple[str, ...]:
        for action in parser._actions:
            if option in action.option_strings:
                return tuple(action.choices or ())
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    if found := search(sub):
                        return found
        return ()

    return search(command_parser(command))
