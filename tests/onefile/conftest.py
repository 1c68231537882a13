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
from wasitool.shipped import SHIPPED_LOCK
from wasitool.store.records import InstalledTool
from wasitool.toolchain.lock import load_lock
from wasitool.toolchain.manifest import Toolchain
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


COMMAND_ADAPTER = b"command adapter\n"
REACTOR_ADAPTER = b"reactor adapter\n"


class FakeToolchain:
    """A toolchain record whose `cc` and `wasm-ld` are fakecc.py; `calls()` lists what ran.

    `components`: also wasm-tools' `component-new` (fakecc.py's `component` mode) and the two adapters
    (small files); `wasip2`: a `wasip2-cc` role, as wasi-sdk's own wasm32-wasip2 target; `env`: the tool's
    environment (zig's cache variables make it count as zig)."""

    def __init__(self, root: Path, *, pinned: bool = True, components: bool = False, wasip2: bool = False,
                 env: dict[str, str] | None = None) -> None:
        self.root = root
        self.log = root / "calls.jsonl"
        root.mkdir(parents=True, exist_ok=True)
        fake = [sys.executable, str(FAKECC), str(self.log)]
        commands = {"cc": [*fake, "cc"], "c++": [*fake, "cc"], "wasm-ld": [*fake, "ld"]}
        if wasip2:
            commands["wasip2-cc"] = [*fake, "cc", "--target=wasm32-wasip2"]
        tools = {"wasi-sdk": InstalledTool(name="wasi-sdk", source="pip", version="1.0", root=str(root),
                                           commands=commands, pinned=pinned, env=env or {})}
        if components:
            self.adapters = {"command": root / "command.wasm", "reactor": root / "reactor.wasm"}
            self.adapters["command"].write_bytes(COMMAND_ADAPTER)
            self.adapters["reactor"].write_bytes(REACTOR_ADAPTER)
            tools["wasm-tools"] = InstalledTool(name="wasm-tools", source="pip", version="1.0", root=str(root),
                                                commands={"component-new": [*fake, "component", "new"]})
            tools["wasi-adapters"] = InstalledTool(
                name="wasi-adapters", source="npm", version="1.0", root=str(root), commands={},
                files={f"wasi-adapter-{kind}": str(path) for kind, path in self.adapters.items()})
        self.toolchain = Toolchain(platform=host_platform(), tools=tools)

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
    write_record(store, load_lock(SHIPPED_LOCK), fake.toolchain)
    return fake
