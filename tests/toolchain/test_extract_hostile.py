"""Archives built to exploit the known bypasses of tarfile's `data` filter (CVE-2025-4517, -4330, -4138,
2024-12718, empty-named links): the installer refuses each before writing anything, on every Python,
and a well-formed archive with inside links still unpacks."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from wasitool.errors import ToolchainError
from wasitool.toolchain.extract import extract_archive
from wasitool.toolchain.reporter import SilentReporter

Add = Callable[..., None]


def _archive(path: Path, build: Callable[[Add], None]) -> Path:
    with tarfile.open(path, "w") as tar:
        def add(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", content: bytes = b"") -> None:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
            info.size = len(content) if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(content) if kind == tarfile.REGTYPE else None)

        build(add)
    return path


def _path_max_chain(add: Add) -> None:
    """CVE-2025-4517: a chain of symlinks whose real path outgrows PATH_MAX, so that realpath stops
    resolving and the filter believes `escape` stays inside; then a hard link through it, and a write."""
    component = "d" * 247
    steps = "abcdefghijklmnop"
    path = ""
    for step in steps:
        add(os.path.join(path, component), tarfile.DIRTYPE)
        add(os.path.join(path, step), tarfile.SYMTYPE, component)
        path = os.path.join(path, component)
    linkpath = os.path.join(*steps, "l" * 254)
    add(linkpath, tarfile.SYMTYPE, os.path.join(*[".."] * len(steps)))
    add("escape", tarfile.SYMTYPE, os.path.join(linkpath, ".."))
    add("flaglink", tarfile.LNKTYPE, os.path.join("escape", "flag"))
    add("flaglink", content=b"overwritten")
    add("escape/newfile", content=b"new")


ATTACKS: dict[str, Callable[[Add], None]] = {
    "path-max-symlink-chain": _path_max_chain,
    "hardlink-to-symlink": lambda add: (add("up", tarfile.SYMTYPE, ".."), add("up2", tarfile.LNKTYPE, "up"),
                                        add("up2/flag", content=b"x")),
    "hardlink-to-outside": lambda add: add("h", tarfile.LNKTYPE, "../flag"),
    "hardlink-before-target": lambda add: (add("h", tarfile.LNKTYPE, "f"), add("f", content=b"x")),
    "write-through-inside-symlink": lambda add: (add("d", tarfile.DIRTYPE), add("s", tarfile.SYMTYPE, "d"),
                                                 add("s/f", content=b"x")),
    "symlink-pair-climbing": lambda add: (add("a", tarfile.SYMTYPE, "b/.."), add("b", tarfile.SYMTYPE, "a/.."),
                                          add("c", tarfile.SYMTYPE, "a/../..")),
    "symlink-absolute": lambda add: add("s", tarfile.SYMTYPE, "/etc"),
    "symlink-dotdot": lambda add: add("s", tarfile.SYMTYPE, "x/../../flag"),
    "symlink-through-inside-link": lambda add: (add("d", tarfile.DIRTYPE), add("in", tarfile.SYMTYPE, "d"),
                                                add("out", tarfile.SYMTYPE, "in/../..")),
    "symlink-loop": lambda add: (add("a", tarfile.SYMTYPE, "b"), add("b", tarfile.SYMTYPE, "a"),
                                 add("c", tarfile.SYMTYPE, "a/x")),
    "empty-named-symlink": lambda add: (add("", tarfile.SYMTYPE, ".."), add("x", tarfile.SYMTYPE, "/")),
    "symlink-replaced-by-file": lambda add: (add("f", content=b"x"), add("f", tarfile.SYMTYPE, "f")),
    "device": lambda add: add("dev", tarfile.CHRTYPE),
    "fifo": lambda add: add("fifo", tarfile.FIFOTYPE),
    "long-name": lambda add: add("x/" * 2100 + "f", content=b"x"),
    "absolute-name": lambda add: add("/tmp/abs", content=b"x"),
    "dotdot-name": lambda add: add("a/../../flag", content=b"x"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_exploit_archives_are_refused_before_anything_is_written(tmp_path: Path, attack: str) -> None:
    outside = tmp_path / "flag"
    outside.write_bytes(b"original")
    dest = tmp_path / "stage" / "dest"
    dest.mkdir(parents=True)
    archive = _archive(tmp_path / "evil.tar", ATTACKS[attack])
    with pytest.raises(ToolchainError) as info:
        extract_archive(archive, dest, SilentReporter())
    line = info.value.one_line()
    assert line.startswith("refused archive member of evil.tar: ") and "\n" not in line
    assert list(dest.iterdir()) == []
    assert outside.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.tar", "flag", "stage"]


def test_inside_links_and_hardlinks_still_unpack(tmp_path: Path) -> None:
    def build(add: Add) -> None:
        add("pkg", tarfile.DIRTYPE)
        add("pkg/lib", tarfile.DIRTYPE)
        add("pkg/lib/libz.so.1.3", content=b"ELF")
        add("pkg/lib/libz.so.1", tarfile.SYMTYPE, "libz.so.1.3")
        add("pkg/lib/libz.so", tarfile.SYMTYPE, "./libz.so.1")
        add("pkg/bin", tarfile.DIRTYPE)
        add("pkg/bin/tool", content=b"#!/bin/sh\n")
        add("pkg/bin/tool-alias", tarfile.LNKTYPE, "pkg/bin/tool")
        add("pkg/share", tarfile.SYMTYPE, "lib/../bin")

    dest = tmp_path / "dest"
    dest.mkdir()
    extract_archive(_archive(tmp_path / "good.tar", build), dest, SilentReporter())
    assert (dest / "pkg/lib/libz.so").read_bytes() == b"ELF"
    assert os.readlink(dest / "pkg/lib/libz.so") == "./libz.so.1"
    assert (dest / "pkg/bin/tool-alias").read_bytes() == b"#!/bin/sh\n"
    assert (dest / "pkg/share/tool").read_bytes() == b"#!/bin/sh\n"
