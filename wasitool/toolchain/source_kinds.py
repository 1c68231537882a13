"""The kinds of toolchain source a lock may name, in preference order (plain data: the lock parser and
the CLI read it without loading any source; `sources.SOURCES` registers one module per kind)."""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

SourceKind = Literal["archive", "pip", "npm", "system"]
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
UNPINNED: frozenset[SourceKind] = frozenset({"system"})  # detected on the machine: no pinned URL or wheel, no sha256
PINNED: tuple[SourceKind, ...] = tuple(kind for kind in SOURCE_KINDS if kind not in UNPINNED)


def is_source_kind(text: str) -> TypeGuard[SourceKind]:
    """Whether `text` names a source kind (a lock's `kind = ...`)."""
    return text in SOURCE_KINDS
