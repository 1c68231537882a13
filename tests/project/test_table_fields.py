"""Every field of an example's table is validated (issue 22): a wrong type, value or key is one line naming
the field as a path (`examples.x.expect.exit_code`) and a fix; never an internal error or a silent coercion."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wasitool.errors import BuildError
from wasitool.example_table import load_examples
from wasitool.shipped import SHIPPED_LOCK

HEAD = '[examples.x]\nsource = "x.wat"\nteaches = "t"\n'

# (what follows HEAD, the field the error names, words of the problem)
BAD = [
    ("kind = 3\n", "examples.x.kind", "must be a string"),
    ('kind = "lib"\n', "examples.x.kind", "must be one of command, library"),
    ('kind = "library"\n', "examples.x.kind", "needs run.invoke"),
    ('features = "exceptions"\n', "examples.x.features", "must be a list of strings"),
    ('requires = "exceptions"\n', "examples.x.requires", "must be a list of strings"),
    ('requires = ["exceptionz"]\n', "examples.x.requires", "unknown value 'exceptionz'"),
    ('native = "yes"\n', "examples.x.native", "must be true or false"),
    ("calls = [1]\n", "examples.x.calls", "must be a list of strings"),
    ("colour = 1\n", "examples.x.colour", "is not a known field"),
    ("[examples.x.run]\nargs = [1, 2]\n", "examples.x.run.args", "must be a list of strings"),
    ('[examples.x.run]\nargs = "a b"\n', "examples.x.run.args", "must be a list of strings"),
    ("[examples.x.run]\nenv = { K = 1 }\n", "examples.x.run.env.K", "must be a string"),
    ('[examples.x.run]\nenv = ["K=V"]\n', "examples.x.run.env", "must be a table"),
    ("[examples.x.run]\nstdin = 1\n", "examples.x.run.stdin", "must be a string"),
    ("[examples.x.run]\nargv0 = []\n", "examples.x.run.argv0", "must be a string"),
    ('[examples.x.run]\ntimeout = "10"\n', "examples.x.run.timeout", "positive number of seconds"),
    ("[examples.x.run]\ntimeout = 0\n", "examples.x.run.timeout", "positive number of seconds"),
    ("[examples.x.run]\nshell = true\n", "examples.x.run.shell", "is not a known field"),
    ('[examples.x.run]\ndirs = "data"\n', "examples.x.run.dirs", "must be a list of tables"),
    ('[examples.x.run]\ndirs = ["data"]\n', "examples.x.run.dirs[0]", "must be a table"),
    ('[examples.x.run]\ndirs = [{ fresh = true }]\n', "examples.x.run.dirs[0].guest", "is required"),
    ('[examples.x.run]\ndirs = [{ guest = "", fresh = true }]\n', "examples.x.run.dirs[0].guest", "is empty"),
    ('[examples.x.run]\ndirs = [{ guest = "." }]\n', "examples.x.run.dirs[0]", "fixture"),
    ('[examples.x.run]\ndirs = [{ guest = ".", fresh = 1 }]\n', "examples.x.run.dirs[0].fresh", "true or false"),
    ('[examples.x.run]\ndirs = [{ guest = ".", fresh = true, mode = "ro" }]\n', "examples.x.run.dirs[0].mode",
     "is not a known field"),
    ('[examples.x.run]\ninvoke = "add"\n', "examples.x.run.invoke", "must be a table"),
    ("[examples.x.run]\ninvoke = { args = [1] }\n", "examples.x.run.invoke.export", "is required"),
    ('[examples.x.run]\ninvoke = { export = "f", args = ["1"] }\n', "examples.x.run.invoke.args",
     "must be a list of numbers"),
    ('[examples.x.expect]\nexit_code = "zero"\n', "examples.x.expect.exit_code", "whole number from 0 to 255"),
    ("[examples.x.expect]\nexit_code = 256\n", "examples.x.expect.exit_code", "whole number from 0 to 255"),
    ("[examples.x.expect]\nexit_code = true\n", "examples.x.expect.exit_code", "whole number from 0 to 255"),
    ("[examples.x.expect]\nstdout = 1\n", "examples.x.expect.stdout", "must be a table"),
    ('[examples.x.expect]\nstdout = { glob = "*" }\n', "examples.x.expect.stdout.glob", "is not a known field"),
    ('[examples.x.expect]\nstdout = { regex = "a", sorted = "b" }\n', "examples.x.expect.stdout",
     "needs exactly one of"),
    ("[examples.x.expect]\nstderr = { regex = 1 }\n", "examples.x.expect.stderr.regex", "must be a string"),
    ('[examples.x.expect]\nstdout = { regex = "(" }\n', "examples.x.expect.stdout.regex", "bad regex"),
    ('[examples.x.expect]\nresults = "42"\n', "examples.x.expect.results", "must be a list of numbers"),
    ("[examples.x.expect]\nexitcode = 1\n", "examples.x.expect.exitcode", "is not a known field"),
]


@pytest.mark.parametrize(("text", "field", "words"), BAD, ids=[f for _, f, _ in BAD])
def test_each_bad_field_is_named(tmp_path: Path, text: str, field: str, words: str) -> None:
    (tmp_path / "wasitool.toml").write_text(HEAD + text)
    with pytest.raises(BuildError) as info:
        load_examples(tmp_path)
    line = info.value.one_line()
    assert line.startswith(f"{tmp_path / 'wasitool.toml'}: {field} ") and words in line, line
    assert "\n" not in line and info.value.fix


@pytest.mark.parametrize(("text", "words"), [
    ('[examples."../x"]\nsource = "x.wat"\nteaches = "t"\n', "[examples.../x]: an example name is letters"),
    ('[examples."x.wasm"]\nsource = "x.wat"\nteaches = "t"\n', "an example name is letters"),
    (HEAD + "[tools]\ncc = 1\n", "tools is not a known table"),
    ('[examples.x]\nsource = "x.wat"\nteaches = 5\n', "examples.x.teaches must be a string"),
    ('[examples.x]\nsource = "x.wat"\n', "examples.x.teaches is required"),
    ('[examples.x]\nsource = "x.rs"\nteaches = "t"\n', "examples.x.source = 'x.rs' is not one of"),
])
def test_names_and_tables(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / "wasitool.toml").write_text(text)
    with pytest.raises(BuildError, match=words.replace(".", r"\.").replace("[", r"\[")):
        load_examples(tmp_path)


def test_a_good_entry_reads_every_field(tmp_path: Path) -> None:
    (tmp_path / "src" / "fx").mkdir(parents=True)
    (tmp_path / "wasitool.toml").write_text(
        HEAD + 'kind = "library"\nfeatures = ["exceptions"]\nrequires = ["exceptions"]\ncalls = ["fd_write"]\n'
        '[examples.x.run]\nargs = ["a"]\nenv = { K = "V" }\nstdin = "in"\nargv0 = "x"\ntimeout = 2.5\n'
        'dirs = [{ guest = ".", fixture = "fx", ro = true }, { guest = "/t", fresh = true }]\n'
        'invoke = { export = "f", args = [1, 2.5] }\n'
        '[examples.x.expect]\nexit_code = 3\nstdout = { sorted = "b\\na\\n" }\nresults = [1.5]\n')
    x = load_examples(tmp_path)["x"]
    assert (x.kind, x.features, x.requires, x.calls, x.args, x.env) == (
        "library", ("exceptions",), ("exceptions",), ("fd_write",), ("a",), (("K", "V"),))
    assert (x.stdin, x.argv0, x.timeout, x.invoke, x.expect.exit_code, x.expect.results) == (
        b"in", "x", 2.5, ("f", (1, 2.5)), 3, (1.5,))
    assert [(d.guest, d.fixture, d.ro) for d in x.dirs] == [(".", "fx", True), ("/t", None, False)]
    assert (x.expect.stdout.mode, x.expect.stderr.mode) == ("sorted", "exact")


@pytest.mark.parametrize(("text", "field"), [
    ('[examples.x.expect]\nexit_code = "zero"\n', "examples.x.expect.exit_code"),
    ('requires = "exceptions"\n', "examples.x.requires"),
])
@pytest.mark.parametrize("command", ["run", "check"])
def test_the_cli_says_it_in_one_line(tmp_path: Path, text: str, field: str, command: str) -> None:
    """The issue's cases, through the CLI: exit 2 and one line, not `internal error (a bug)`, exit 3."""
    (tmp_path / "wasitool.toml").write_text(HEAD + text)
    shutil.copyfile(SHIPPED_LOCK, tmp_path / "wasitool.lock")
    env = {k: v for k, v in os.environ.items() if k != "WASITOOL_PROJECT"}
    proc = subprocess.run([sys.executable, "-m", "wasitool", command, "x"], cwd=tmp_path, capture_output=True,
                          text=True, env={**env, "WASITOOL_HOME": str(tmp_path / "store")}, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"wasitool: error: {tmp_path / 'wasitool.toml'}: {field} "), proc.stderr


@pytest.mark.parametrize(("suffix", "language"), [(".c", "c"), (".cc", "c++"), (".cpp", "c++"), (".cxx", "c++"),
                                                  (".c++", "c++"), (".C", "c++"), (".wat", "wat")])
def test_every_source_suffix_of_the_one_table_is_accepted(tmp_path: Path, suffix: str, language: str) -> None:
    from wasitool.languages import language_of
    from wasitool.scons.wasi_c import C_SUFFIXES, CXX_SUFFIXES

    (tmp_path / "wasitool.toml").write_text(f'[examples.x]\nsource = "x{suffix}"\nteaches = "t"\n')
    assert load_examples(tmp_path)["x"].language == language == language_of(f"dir/x{suffix}")
    assert (suffix in C_SUFFIXES, suffix in CXX_SUFFIXES) == (language == "c", language == "c++")
