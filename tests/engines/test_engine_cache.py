"""The compiled-module cache: reuse, recovery from damaged entries, switching it off."""

from __future__ import annotations

from tests.support import wat_modules as M
from wasitool.engines import compile_cache, load_engine
from wasitool.pyruntime import run
from wasitool.runspec import RunSpec


def _entries(root):
    return sorted(p for p in root.iterdir() if p.suffix == ".bin")


def test_second_compile_uses_the_cache(engine_name, wat_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(tmp_path / "c"))
    path = wat_file(M.HELLO)
    engine = load_engine(engine_name)
    engine.compile(path)
    (entry,) = _entries(tmp_path / "c")
    compiled = engine.compile(path)  # from the cache
    assert "fd_write" in {i.name for i in compiled.imports}
    assert run(RunSpec(path), engine_name, capture=True).stdout == b"Hello, WASI!\n"
    assert _entries(tmp_path / "c") == [entry]


def test_damaged_entry_is_recompiled(engine_name, wat_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(tmp_path / "c"))
    path = wat_file(M.HELLO)
    load_engine(engine_name).compile(path)
    (entry,) = _entries(tmp_path / "c")
    entry.write_bytes(b"garbage")
    assert run(RunSpec(path), engine_name, capture=True).stdout == b"Hello, WASI!\n"
    assert entry.read_bytes() != b"garbage"


def test_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", "off")
    assert compile_cache.cache_dir() is None
    assert compile_cache.entry_path("tag", b"\0asm") is None


def test_default_location_follows_wasitool_home(monkeypatch, tmp_path):
    monkeypatch.delenv("WASITOOL_ENGINE_CACHE")
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path))
    assert compile_cache.cache_dir() == tmp_path / "engine-cache"


def test_unwritable_cache_is_ignored(engine_name, wat_file, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("WASITOOL_ENGINE_CACHE", str(blocker / "sub"))
    assert run(RunSpec(wat_file(M.HELLO)), engine_name, capture=True).exit_code == 0
