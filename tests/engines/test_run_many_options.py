"""`wasitool run` with many --env/--dir options: taken out of argv before argparse (whose handling of
optionals is quadratic), with the same meaning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.wat_modules import strings_dump
from wasitool.cli import parse


def test_env_and_dir_forms_keep_their_order(tmp_path: Path) -> None:
    args = parse(["run", "m.wasm", "--env", "A=1", "--dir", str(tmp_path), "--env=B=2", "--timeout", "3",
                  "--env", "C", f"--dir={tmp_path}::/x", "--", "--env", "D=4"])
    assert args.env == ["A=1", "B=2", "C"]
    assert args.dir == [str(tmp_path), f"{tmp_path}::/x"]
    assert (args.target, args.timeout, args.guest_args) == ("m.wasm", "3", ["--env", "D=4"])
    assert parse(["run", "m.wasm"]).env == []


def test_a_lone_env_at_the_end_is_still_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["run", "m.wasm", "--env"])
    assert "--env: expected one argument" in capsys.readouterr().err


def test_five_hundred_env_vars_reach_the_guest(engine_name: str, wat_file) -> None:
    from wasitool.cli import main

    module = wat_file(strings_dump("environ"))
    argv = ["run", str(module), "--engine", engine_name, "--json"]
    for i in range(500):
        argv += ["--env", f"VAR_{i:04d}=value-{i}"]
    import contextlib
    import io
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    report = json.loads(out.getvalue())
    assert code == 1  # environc (500) as the exit status: above 125, so 1 (as the wasmtime CLI)
    assert report["stdout"] == "".join(f"VAR_{i:04d}=value-{i}\0" for i in range(500))
