"""Reading the Make-syntax dependency files compilers write with `-MD -MF FILE` (clang, gcc, zig cc).

    out.o: src/a.c /usr/include/stdio.h \\
      include/my\\ header.h

Only the prerequisites matter here. The escapes are the ones clang writes: `\\ ` for a space, `\\#` for
`#`, `$$` for `$`; a backslash before anything else is part of the path (Windows separators).
"""

from __future__ import annotations


def prerequisites(text: str) -> list[str]:
    """The prerequisites of every rule in `text`, in order, each once (targets are dropped)."""
    seen: dict[str, None] = {}
    for rule in _logical_lines(text):
        words = _words(rule)
        colon = _rule_colon(words)
        if colon is None:
            continue
        for word in words[colon + 1 :]:
            seen.setdefault(word, None)
    return list(seen)


def _logical_lines(text: str) -> list[str]:
    """Lines with backslash-newline continuations joined (a continuation becomes a space)."""
    return text.replace("\r\n", "\n").replace("\\\n", " ").split("\n")


def _words(line: str) -> list[str]:
    """Split on unescaped blanks, undoing `\\ `, `\\#` and `$$`; `:` stays a word of its own."""
    words: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        pair = line[i : i + 2]
        if pair in ("\\ ", "\\#", "$$"):
            current.append(pair[1])
            i += 2
            continue
        if char in " \t":
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
        i += 1
    if current:
        words.append("".join(current))
    return words


def _rule_colon(words: list[str]) -> int | None:
    """Index of the `:` that ends the targets (`out.o:` is split in place into `out.o` and `:`)."""
    for index, word in enumerate(words):
        if word == ":":
            return index
        if word.endswith(":"):
            words[index : index + 1] = [word[:-1], ":"]
            return index + 1
    return None

