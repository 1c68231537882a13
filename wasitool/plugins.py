"""One lazy registry mechanism for wasitool's plug-in families: toolchain sources, engines, runtimes.

A registry is plain data, name -> "package.module:attribute", where the attribute is a zero-argument
factory (usually a class) of an object satisfying the family's Protocol. Nothing is imported until
an entry is used, so a registry costs nothing on `wasitool run`'s start-up path and the CLI can take
its choices from it. Each family's conformance test loads every entry and checks it against the
Protocol, signatures included.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from wasitool.typed import Generic, TypeVar, cast

T = TypeVar("T")


class Registry(Generic[T]):
    """Names of one plug-in family, in preference order, each bound to where its factory lives."""

    __slots__ = ("_entries", "_factories", "family")

    def __init__(self, family: str, entries: Mapping[str, str]) -> None:
        for name, target in entries.items():
            module, sep, attribute = target.partition(":")
            if not (module and sep and attribute):
                raise ValueError(f"{family} {name!r}: {target!r} is not 'package.module:attribute'")
        self.family = family  # e.g. "engine", for messages
        self._entries = dict(entries)
        self._factories: dict[str, Callable[[], T]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order (the order choices and listings use)."""
        return tuple(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def factory(self, name: str) -> Callable[[], T]:
        """`name`'s factory, importing its module on first use; KeyError for an unknown name."""
        found = self._factories.get(name)
        if found is None:
            module, _, attribute = self._entries[name].partition(":")
            found = cast("Callable[[], T]", getattr(importlib.import_module(module), attribute))
            self._factories[name] = found
        return found

    def create(self, name: str) -> T:
        """A new plug-in object for `name`."""
        return self.factory(name)()
