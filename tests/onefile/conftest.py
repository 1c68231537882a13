"""Fixtures for the one-file tests: a fake toolchain (tests/onefile/fakecc.py) for the fast tier.

The fake "compiles" WebAssembly text with `#include` lines, writes a real depfile and logs every call,
so the cache can be tested end to end, on both engines, without zig or clang.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from wasitool.platforms import host_platform
from wasitool.project import default_lock_path
from wasitool.toolchain.lock import load_lock
from wasitool.toolchain.manifest import InstalledTool, Toolchain
from wasitool.toolchain.records import write_record

FAKECC = Path(__file__).with_name("fakecc.py")

HELLO = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
#include "greeting.h"
  (data (i32.const 0) "\\10\\00\\00\\00")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""
# greeting.h supplies the iovec's length and the bytes it points at (offset 16).
GREETING = '  (data (i32.const 4) "\\06\\00\\00\\00") (data (i32.const 16) "hello\\n")\n'


class FakeToolchain:
    """A toolchain record whose `cc` and `wasm-ld` are fakecc.py; `calls()` lists what ran."""

    def __init__(self, root: Path, *, pinned: bool = True) -> None:
        self.root = root
        self.log = root / "calls.jsonl"
        root.mkdir(parents=True, exist_ok=True)
        fake = [sys.executable, str(FAKECC), str(self.log)]
        tool = InstalledTool(name="wasi-sdk", source="pip", version="1.0", root=str(root),
                             commands={"cc": [*fake, "cc"], "c++": [*fake, "cc"], "wasm-ld": [*fake, "ld"]},
                             pinned=pinned)
        self.toolchain = Toolchain(platform=host_platform(), tools={"wasi-sdk": tool})

    def calls(self) -> list[list[str]]:
        if not self.log.is_file():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def fake(tmp_path: Path) -> FakeToolchain:
    return FakeToolchain(tmp_path / "toolchain")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding hello.c (WebAssembly text including greeting.h) and greeting.h."""
    directory = tmp_path / "work"
    directory.mkdir()
    (directory / "hello.c").write_text(HELLO)
    (directory / "greeting.h").write_text(GREETING)
    monkeypatch.chdir(directory)
    return directory


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store as WASITOOL_HOME (subprocesses inherit it): no toolchain installed."""
    path = tmp_path / "store"
    path.mkdir()
    monkeypatch.setenv("WASITOOL_HOME", str(path))
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(tmp_path / "engine-cache"))
    return path


@pytest.fixture
def fake_store(store: Path, fake: FakeToolchain) -> FakeToolchain:
    """The store records the fake toolchain for the default lock (the one used outside any project), as
    `wasitool setup` would record a real one."""
    write_record(store, load_lock(default_lock_path()), fake.toolchain)
    return fake
