"""The pure helpers of one-file builds: depfile prerequisites and wat2wasm feature flags."""

from __future__ import annotations

import pytest

from wasitool.depfile import prerequisites
from wasitool.watflags import UnknownFeature, feature_flags, knows


@pytest.mark.parametrize(("text", "expected"), [
    ("out.o: a.c b.h\n", ["a.c", "b.h"]),
    ("out.o: \\\n  a.c \\\n  /usr/include/stdio.h\n", ["a.c", "/usr/include/stdio.h"]),
    ("out.o: my\\ dir/a.c x\\#y.h cost$$.h\n", ["my dir/a.c", "x#y.h", "cost$.h"]),
    ("out.o : a.c\r\n", ["a.c"]),
    ("a.o: a.c common.h\nb.o: b.c common.h\n", ["a.c", "common.h", "b.c"]),
    ("C:\\tmp\\x.o: C:\\src\\x.c C:\\inc\\y.h\n", ["C:\\src\\x.c", "C:\\inc\\y.h"]),
    ("", []),
])
def test_prerequisites(text: str, expected: list[str]):
    assert prerequisites(text) == expected


def test_prerequisites_of_a_real_clang_depfile():
    text = ("/store/cache/zig/tmp/963a-hello.o: \\\n  hello.c \\\n"
            "  /store/tools/zig/lib/libc/include/wasm-wasi-musl/stdio.h \\\n  greet.h\n")
    assert prerequisites(text) == ["hello.c", "/store/tools/zig/lib/libc/include/wasm-wasi-musl/stdio.h", "greet.h"]


# Excerpts of `wat2wasm --help`: wabt 1.0.42 has exceptions on (offers only --disable-), 1.0.32 off.
HELP_1_0_42 = """
      --disable-exceptions                     Disable Experimental exception handling
      --disable-sign-extension                 Disable Sign-extension operators
      --enable-threads                         Enable Threading support
      --enable-gc                              Enable Garbage collection
      --enable-compact-imports                 Enable Compact import section
      --enable-all                             Enable all features
"""
HELP_1_0_32 = """
      --enable-exceptions                      Enable Experimental exception handling
      --disable-sign-extension                 Disable Sign-extension operators
      --enable-threads                         Enable Threading support
      --enable-gc-extra                        (not gc)
"""


def test_feature_flags_follow_the_help_text():
    assert feature_flags(HELP_1_0_42, ["exceptions", "threads", "sign-ext"]) == ["--enable-threads"]
    assert feature_flags(HELP_1_0_32, ["exceptions", "threads", "sign-ext"]) == ["--enable-exceptions",
                                                                                "--enable-threads"]


def test_unknown_feature():
    with pytest.raises(UnknownFeature) as raised:
        feature_flags(HELP_1_0_32, ["gc"])  # --enable-gc-extra is another option
    assert raised.value.feature == "gc"
    assert not knows(HELP_1_0_32, "gc") and knows(HELP_1_0_42, "gc") and knows(HELP_1_0_42, "sign-ext")
