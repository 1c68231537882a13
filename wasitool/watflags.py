"""Which `wat2wasm` options turn wasm proposals on, read from that wat2wasm's own `--help` text.

wabt versions disagree on which proposals are on by default (1.0.42 enables exceptions and rejects
`--enable-exceptions`; 1.0.32 needs the flag), so the flags are decided from the help text: `--enable-<f>`
where wat2wasm offers that option, nothing where it only offers `--disable-<f>` (already on). Pure
functions: running wat2wasm is the caller's business (the SCons `wat` tool, `wasitool build x.wat`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# wasitool's proposal names (those of `wasitool.engines.features`) where wabt spells them differently.
WABT_NAMES = {"sign-ext": "sign-extension", "nontrapping-float-to-int": "saturating-float-to-int"}


class UnknownFeature(ValueError):
    """wat2wasm offers neither `--enable-<f>` nor `--disable-<f>` for a requested proposal."""

    def __init__(self, feature: str) -> None:
        super().__init__(feature)
        self.feature = feature


def offers(help_text: str, option: str) -> bool:
    """Whether `help_text` lists `option` (exactly: `--enable-gc` is not `--enable-gc-foo`)."""
    return re.search(rf"{re.escape(option)}(?![\w-])", help_text) is not None


def knows(help_text: str, feature: str) -> bool:
    """Whether this wat2wasm can switch `feature` on or off at all."""
    name = WABT_NAMES.get(feature, feature)
    return offers(help_text, f"--enable-{name}") or offers(help_text, f"--disable-{name}")


def feature_flags(help_text: str, features: Iterable[str]) -> list[str]:
    """The options that turn `features` on; UnknownFeature for one this wat2wasm does not know."""
    flags = []
    for feature in features:
        name = WABT_NAMES.get(feature, feature)
        if offers(help_text, f"--enable-{name}"):
            flags.append(f"--enable-{name}")
        elif not offers(help_text, f"--disable-{name}"):
            raise UnknownFeature(feature)
    return flags
