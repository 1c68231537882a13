"""The one table of source suffixes: which language a source file is, for the example table, one-file
builds and the SCons tools alike (the suffixes gcc and clang take for C++, `.C` included)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Literal, get_args

Language = Literal["c", "c++", "wat"]
LANGUAGE_NAMES: tuple[Language, ...] = get_args(Language)
LANGUAGES: dict[str, Language] = {".c": "c", ".cc": "c++", ".cpp": "c++", ".cxx": "c++", ".c++": "c++", ".C": "c++",
                                  ".wat": "wat"}


def suffixes(language: Language) -> tuple[str, ...]:
    """The suffixes of `language`'s sources, in table order."""
    return tuple(suffix for suffix, name in LANGUAGES.items() if name == language)


def language_of(path: str | PurePath) -> Language | None:
    """The language of a source file by its suffix (case-sensitive: `.C` is C++), or None."""
    return LANGUAGES.get(PurePath(path).suffix)
