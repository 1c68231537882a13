"""The regular wheel, installed into a fresh venv and used outside any checkout (slow: builds a wheel).

Most tests install wasitool from the wheel alone (`--no-deps`) and borrow its dependencies from the test
interpreter's site-packages through a path file. `test_a_plain_install_runs_the_init_line` installs it as a
user does, dependencies and all (pip's cache and configured indexes), on Python 3.11 and 3.10.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout."""
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (path,) = dist.glob("wasitool-*.whl")
    return path


@pytest.fixture(scope="module")
def wheel_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv's python with only the wheel installed (plus the test interpreter's dependencies)."""
    base = tmp_path_factory.mktemp("wheel")
    venv.EnvBuilder(with_pip=False).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                              str(wheel)], capture_output=True, text=True, env=clean_env())
    assert install.returncode == 0, install.stderr
    return python


def interpreter(version: str) -> Path:
    """CPython `version` from pyenv (as scripts/test finds it), else `pythonX.Y` on PATH."""
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = Path(subprocess.run([pyenv, "root"], capture_output=True, text=True, check=True).stdout.strip())
        found = sorted(root.glob(f"versions/{version}.*/bin/python"))
        if found:
            return found[-1]
    on_path = shutil.which(f"python{version}")
    if on_path is None:
        pytest.fail(f"Python {version} is needed for this test (pyenv install {version}, or python{version} on PATH)")
    return Path(on_path)


@pytest.mark.parametrize("version", ["3.11", "3.10"])
def test_a_plain_install_runs_the_init_line(wheel: Path, tmp_path: Path, toolchain_home: Path,
                                            version: str) -> None:
    """`pip install wasitool` alone brings an engine: the line `init` prints (setup, scons, run --diff, check)
    passes in a fresh venv outside any checkout, and `check` runs the Python runtime on every engine that
    version gets (wasmtime; wasmer too on 3.10)."""
    venv_dir = tmp_path / "venv"
    env = clean_env()
    env.update(PATH=f"{venv_dir / 'bin'}{os.pathsep}{env['PATH']}", WASITOOL_HOME=str(toolchain_home))
    subprocess.run([str(interpreter(version)), "-m", "venv", str(venv_dir)], env=env, check=True)
    install = subprocess.run([str(venv_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                             env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    init = subprocess.run(["wasitool", "init", "x"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    line = init.stdout.splitlines()[-1].removeprefix("next: ")
    assert line == "cd x && wasitool setup && scons -Q && wasitool run hello --diff && wasitool check"
    proc = subprocess.run(["sh", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    check = subprocess.run(["wasitool", "check", "--json"], cwd=tmp_path / "x", env=env, capture_output=True,
                           text=True)
    engines = ["python-wasmer", "python-wasmtime"] if version == "3.10" else ["python-wasmtime"]
    cells = json.loads(check.stdout)["cells"]
    assert {(c["runtime"], c["status"]) for c in cells if c["runtime"] in engines} == {
        (runtime, "pass") for runtime in engines}, check.stdout


def clean_env() -> dict[str, str]:
    """This environment without what would point a process back at the checkout (a PYTHONPATH to it would
    also make pip take its egg-info for an installed wasitool)."""
    return {k: v for k, v in os.environ.items() if k not in ("WASITOOL_PROJECT", "PYTHONPATH", "VIRTUAL_ENV")}


def run(python: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *argv], cwd=cwd, capture_output=True, text=True, env=clean_env())


def test_the_wheel_carries_what_the_commands_need(wheel_python: Path, tmp_path: Path) -> None:
    where = run(wheel_python, "-c", "import wasitool, wasitool.scons; print(wasitool.__file__)", cwd=tmp_path)
    assert "site-packages" in where.stdout and str(REPO) not in where.stdout
    examples = run(wheel_python, "-m", "wasitool", "examples", cwd=tmp_path)
    assert examples.returncode == 0 and "readdir" in examples.stdout


def test_from_the_wheel_outside_any_checkout(wheel_python: Path, tmp_path: Path, use_toolchain: Path) -> None:
    assert run(wheel_python, "-m", "wasitool", "init", "proj", cwd=tmp_path).returncode == 0
    root = tmp_path / "proj"
    for argv in (["-m", "wasitool", "setup", "--offline"], ["-m", "SCons", "-Q"], ["-m", "wasitool", "check"]):
        proc = run(wheel_python, *argv, cwd=root)
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    readdir = run(wheel_python, "-m", "wasitool", "run", "readdir", cwd=tmp_path)  # the bundled example
    assert readdir.returncode == 0 and "alpha.txt" in readdir.stdout, readdir.stderr
    check = run(wheel_python, "-m", "wasitool", "check", "fd_write", "--json", "--runtime", "python-wasmtime",
                cwd=tmp_path)
    cells = json.loads(check.stdout)["cells"]
    assert [(c["example"], c["status"]) for c in cells] == [("fd_write", "pass"), ("fd_write.p2", "pass")], cells


def test_one_file_from_the_wheel(wheel_python: Path, tmp_path: Path, use_toolchain: Path) -> None:
    """`wasitool run own.c -- x` and `wasitool run own.wat` outside any project (the default lock's toolchain)."""
    (tmp_path / "own.c").write_text('#include <stdio.h>\nint main(int c, char **v) { printf("own %s\\n", v[1]); }\n')
    (tmp_path / "own.wat").write_text('(module (func (export "_start")))\n')
    own_c = run(wheel_python, "-m", "wasitool", "run", "own.c", "--", "x", cwd=tmp_path)
    assert (own_c.returncode, own_c.stdout) == (0, "own x\n"), own_c.stderr
    own_wat = run(wheel_python, "-m", "wasitool", "run", "own.wat", cwd=tmp_path)
    assert (own_wat.returncode, own_wat.stdout, own_wat.stderr) == (0, "", "")


def test_exec_build_script_from_the_wheel(wheel_python: Path, tmp_path: Path, use_toolchain: Path) -> None:
    """In a fresh project, `wasitool exec -- sh build.sh` builds with $CC, $CXX, $AR, $RANLIB a C program linked
    against a static library and a C++ program, and both run."""
    from tests.toolchain.test_build_systems_real import BUILD_SH, MAIN_C, MAX_C, SUM_C, VEC_H, WORDS_CC

    assert run(wheel_python, "-m", "wasitool", "init", "proj", cwd=tmp_path).returncode == 0
    root = tmp_path / "proj"
    for name, text in {"vec.h": VEC_H, "vec_sum.c": SUM_C, "vec_max.c": MAX_C, "main.c": MAIN_C,
                       "words.cc": WORDS_CC, "build.sh": BUILD_SH}.items():
        (root / name).write_text(text)
    for argv in (["setup", "--offline"], ["exec", "--", "sh", "build.sh"]):
        proc = run(wheel_python, "-m", "wasitool", *argv, cwd=root)
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    total = run(wheel_python, "-m", "wasitool", "run", "sum.wasm", "--", "4", "11", "7", cwd=root)
    assert (total.returncode, total.stdout) == (0, "sum=22 max=11\n"), total.stderr
    words = run(wheel_python, "-m", "wasitool", "run", "words.wasm", "--", "b", "a", "b", cwd=root)
    assert (words.returncode, words.stdout) == (0, "a 1\nb 2\n"), words.stderr
