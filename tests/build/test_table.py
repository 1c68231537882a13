"""The example table and its run specs (no toolchain needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wasitool.errors import BuildError
from wasitool.example_table import load_examples

from .conftest import ROOT

EXAMPLES = load_examples(ROOT)
REQUIRED = {
    "fd_write", "args_sizes_get", "args_get", "environ_sizes_get", "environ_get", "clock_res_get",
    "clock_time_get", "random_get", "fd_read", "files", "readdir", "first", "add", "multivalue", "anyref",
    "exception",
}


def test_every_required_example_is_listed() -> None:
    assert set(EXAMPLES) >= REQUIRED


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_source_exists_with_a_teaching_header(name: str) -> None:
    example = EXAMPLES[name]
    text = example.source_path.read_text(encoding="utf-8")
    head = "\n".join(text.splitlines()[:4])
    assert head.startswith(";;" if example.language == "wat" else "/*"), head
    assert "Teaches" in head
    assert example.teaches


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_entry_is_consistent(name: str) -> None:
    example = EXAMPLES[name]
    if example.kind == "library":
        assert example.invoke is not None and example.expect.results is not None
    if example.native:
        assert example.language == "c" and example.kind == "command"
    for spec in example.dirs:
        if spec.fixture:
            assert (ROOT / "wasitool" / "bundled" / "src" / spec.fixture).is_dir()


@pytest.mark.parametrize("name", ["clock_res_get", "clock_time_get", "random_get", "readdir"])
def test_varying_output_is_declared_not_unchecked(name: str) -> None:
    check = EXAMPLES[name].expect.stdout
    assert check.mode in ("regex", "sorted") and check.text.strip()


def test_run_spec_copies_fixtures_and_creates_fresh_dirs(tmp_path: Path) -> None:
    readdir = EXAMPLES["readdir"].run_spec(tmp_path / "a")
    (host,) = readdir.dirs
    assert host.guest == "." and sorted(p.name for p in host.host.iterdir()) == ["alpha.txt", "beta.txt", "subdir"]
    files = EXAMPLES["files"].run_spec(tmp_path / "b")
    assert list(files.dirs[0].host.iterdir()) == []
    assert files.module == ROOT / "out" / "files.wasm"


def test_run_spec_env_is_only_what_is_declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_SECRET", "x")
    spec = EXAMPLES["environ_get"].run_spec(tmp_path)
    assert dict(spec.env) == {"GREETING": "hello", "EMPTY": ""}
    assert EXAMPLES["fd_write"].run_spec(tmp_path).env == ()
    assert EXAMPLES["fd_read"].run_spec(tmp_path).stdin.startswith(b"first line\n")
    add = EXAMPLES["add"].run_spec(tmp_path).invoke
    assert (add.export, add.args) == ("add", (2, 40))


def test_bad_tables_give_one_line_errors(tmp_path: Path) -> None:
    table = tmp_path / "wasitool.toml"
    cases = {
        '[examples.x]\nsource = "x.c"\n': "teaches",
        '[examples.x]\nsource = "x.rs"\nteaches = "t"\n': "is not one of",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\nkind = "library"\n': "run.invoke",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\ncolour = 1\n': "colour",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\n[examples.x.expect]\nstdout = { regex = "(" }\n': "regex",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\n[examples.x.run]\ndirs = [{ guest = "." }]\n': "fresh",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\n[examples.x.run]\n'
        'dirs = [{ guest = ".", fresh = true, ro = "yes" }]\n': "examples.x.run.dirs[0].ro must be true or false",
        "not toml [": "cannot read",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\nwasi = "p3"\n': "wasi must be one of p1, p2",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\nwasi = ["p2", "p2"]\n': "wasi must be one of p1, p2",
        '[examples.x]\nsource = "x.c"\nteaches = "t"\nwasi = []\n': "wasi must be one of p1, p2",
    }
    for text, words in cases.items():
        table.write_text(text)
        with pytest.raises(BuildError, match=re.escape(words)) as info:
            load_examples(tmp_path)
        assert "\n" not in info.value.one_line()


def test_readonly_dir_entry(tmp_path: Path) -> None:
    (tmp_path / "wasitool.toml").write_text(
        '[examples.x]\nsource = "x.c"\nteaches = "t"\n[examples.x.run]\n'
        'dirs = [{ guest = "/ro", fresh = true, ro = true }, { guest = "/rw", fresh = true }]\n')
    spec = load_examples(tmp_path)["x"].run_spec(tmp_path / "work")
    assert [(d.guest, d.readonly) for d in spec.dirs] == [("/ro", True), ("/rw", False)]


def test_wasi_targets_name_the_modules(tmp_path: Path) -> None:
    """p1 (default) -> out/<name>.wasm; p2 -> out/<name>.p2.wasm; `module` is the first target's."""
    (tmp_path / "wasitool.toml").write_text(
        '[examples.a]\nsource = "a.c"\nteaches = "t"\n'
        '[examples.b]\nsource = "b.c"\nteaches = "t"\nwasi = "p2"\n'
        '[examples.c]\nsource = "c.wat"\nteaches = "t"\nwasi = ["p1", "p2"]\n')
    examples = load_examples(tmp_path)
    out = tmp_path / "out"
    assert [e.wasi for e in examples.values()] == [("p1",), ("p2",), ("p1", "p2")]
    assert examples["a"].modules == {"p1": out / "a.wasm"}
    assert examples["b"].modules == {"p2": out / "b.p2.wasm"} and examples["b"].module == out / "b.p2.wasm"
    assert examples["c"].modules == {"p1": out / "c.wasm", "p2": out / "c.p2.wasm"}
    assert examples["c"].module == out / "c.wasm"


def test_every_bundled_command_is_built_as_both_targets() -> None:
    """A command makes sense as a component (`check` judges its NAME.p2 row); a library has no wasi:cli/run."""
    both = [e for e in EXAMPLES.values() if e.wasi == ("p1", "p2")]
    assert {e.language for e in both} == {"c", "wat"}
    assert [e.name for e in EXAMPLES.values() if e not in both] == [
        e.name for e in EXAMPLES.values() if e.kind == "library"]
