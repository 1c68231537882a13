"""A project's table cannot reach outside the project (issue 19): fixtures, sources and [project] paths
resolve inside it, fixture copies never follow a symlink out, special files are refused.

Each case runs the real CLI (`wasitool run NAME`, `wasitool check NAME`) on every importable engine with a
guest that prints the file `s.txt` of its preopen; the host directory beside the project holds `TOPSECRET`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from tests.conftest import importable_engines
from wasitool.confined import copy_tree
from wasitool.errors import BuildError
from wasitool.project import SCONSTRUCT
from wasitool.shipped import SHIPPED_LOCK

W = "wasi_snapshot_preview1"
# Opens `s.txt` in the preopen at fd 3, copies up to 200 bytes of it to stdout; exit 100+errno if it cannot.
READ_S_TXT = f"""(module
  (import "{W}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "{W}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "{W}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "{W}" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "s.txt")
  (func (export "_start") (local $e i32)
    (local.set $e (call $open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 5) (i32.const 0)
                              (i64.const 2) (i64.const 2) (i32.const 0) (i32.const 16)))
    (if (local.get $e) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))
    (i32.store (i32.const 32) (i32.const 256)) (i32.store (i32.const 36) (i32.const 200))
    (drop (call $read (i32.load (i32.const 16)) (i32.const 32) (i32.const 1) (i32.const 40)))
    (i32.store (i32.const 48) (i32.const 256)) (i32.store (i32.const 52) (i32.load (i32.const 40)))
    (drop (call $write (i32.const 1) (i32.const 48) (i32.const 1) (i32.const 44)))))"""
ENGINES = importable_engines()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """`tmp/proj` with the guest (source and prebuilt module) and a fixture `src/fix`; `tmp/secret/s.txt`
    holds TOPSECRET."""
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "s.txt").write_text("TOPSECRET\n")
    root = tmp_path / "proj"
    (root / "src" / "fix").mkdir(parents=True)
    (root / "out").mkdir()
    (root / "src" / "fix" / "s.txt").write_text("public\n")
    (root / "src" / "leak.wat").write_text(READ_S_TXT)
    (root / "SConstruct").write_text(SCONSTRUCT)
    shutil.copyfile(SHIPPED_LOCK, root / "wasitool.lock")
    (root / "out" / "leak.wasm").write_bytes(bytes(wasmtime.wat2wasm(READ_S_TXT)))
    return root


def table(root: Path, fixture: str, source: str = "leak.wat", project: str = "") -> None:
    (root / "wasitool.toml").write_text(
        f'{project}[examples.leak]\nsource = "{source}"\nteaches = "reads s.txt"\n'
        f'[examples.leak.run]\ndirs = [{{ guest = ".", fixture = "{fixture}" }}]\n')


def wasitool(root: Path, *argv: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in `root`; with no `home` (store) an empty one: no toolchain, the prebuilt module runs."""
    env = {k: v for k, v in os.environ.items() if k != "WASITOOL_PROJECT"}
    env["WASITOOL_HOME"] = str(home or root.parent / "store")
    return subprocess.run([sys.executable, "-m", "wasitool", *argv], cwd=root, capture_output=True, text=True,
                          env=env, timeout=120)


def refused(proc: subprocess.CompletedProcess[str], field: str) -> str:
    assert "TOPSECRET" not in proc.stdout + proc.stderr
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.startswith("wasitool: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert field in proc.stderr, proc.stderr
    return proc.stderr


def run_and_check(root: Path, engine: str) -> list[subprocess.CompletedProcess[str]]:
    return [wasitool(root, "run", "leak", "--engine", engine),
            wasitool(root, "check", "leak", "--runtime", f"python-{engine}")]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_fixture_inside_the_project_is_the_guests(project: Path, engine: str) -> None:
    (project / "src" / "fix" / "real.txt").write_text("linked\n")
    table(project, "fix")
    assert wasitool(project, "run", "leak", "--engine", engine).stdout == "public\n"
    (project / "src" / "fix" / "s.txt").unlink()
    (project / "src" / "fix" / "s.txt").symlink_to("real.txt")  # a link within the tree stays usable
    proc = wasitool(project, "run", "leak", "--engine", engine)
    assert (proc.returncode, proc.stdout) == (0, "linked\n"), proc.stderr


def test_check_passes_a_fixture_inside_the_project(project: Path, use_toolchain: Path) -> None:
    table(project, "fix")
    with (project / "wasitool.toml").open("a") as toml:
        toml.write('[examples.leak.expect]\nstdout = "public\\n"\n')
    runtimes = [arg for engine in ENGINES for arg in ("--runtime", f"python-{engine}")]
    proc = wasitool(project, "check", "leak", "--json", *runtimes, home=use_toolchain)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert [cell["status"] for cell in json.loads(proc.stdout)["cells"]] == ["pass"] * len(ENGINES)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "symlinked-parent"])
def test_a_fixture_outside_the_project_is_refused(project: Path, engine: str, kind: str) -> None:
    secret = project.parent / "secret"
    if kind == "symlink":
        (project / "src" / "data").symlink_to(secret)
    elif kind == "symlinked-parent":
        (project / "src" / "up").symlink_to(project.parent)
    fixture = {"dotdot": "../../secret", "absolute": str(secret), "symlink": "data",
               "symlinked-parent": "up/secret"}[kind]
    table(project, fixture)
    for proc in run_and_check(project, engine):
        message = refused(proc, "examples.leak.run.dirs[0].fixture")
        assert ("absolute path" if kind == "absolute" else "leads outside the project") in message


def test_a_system_directory_is_refused_before_any_copy(project: Path) -> None:
    """`fixture = "/etc"` used to copy most of /etc, then end in an internal error on a dangling symlink."""
    table(project, "/etc")
    refused(wasitool(project, "run", "leak"), "examples.leak.run.dirs[0].fixture = '/etc' is an absolute path")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_symlink_out_of_the_fixture_is_never_followed(project: Path, engine: str) -> None:
    (project / "src" / "fix" / "s.txt").unlink()
    (project / "src" / "fix" / "s.txt").symlink_to(project.parent / "secret" / "s.txt")
    table(project, "fix")
    proc = wasitool(project, "run", "leak", "--engine", engine)
    assert "the symlink" in refused(proc, "examples.leak.run.dirs[0].fixture") and "leads out of" in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_special_file_in_a_fixture_is_refused(project: Path) -> None:
    os.mkfifo(project / "src" / "fix" / "pipe")
    table(project, "fix")
    assert "is a special file" in refused(wasitool(project, "run", "leak"), "examples.leak.run.dirs[0].fixture")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_a_source_outside_the_project_is_refused(project: Path, engine: str, kind: str) -> None:
    outside = project.parent / "secret" / "leak.wat"
    outside.write_text(READ_S_TXT)
    if kind == "symlink":
        (project / "src" / "leak.wat").unlink()
        (project / "src" / "leak.wat").symlink_to(outside)
    table(project, "fix", source={"dotdot": "../../secret/leak.wat", "absolute": str(outside),
                                  "symlink": "leak.wat"}[kind])
    for proc in run_and_check(project, engine):
        refused(proc, "examples.leak.source")


@pytest.mark.parametrize("key", ["examples", "lock", "out"])
@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_project_paths_outside_the_project_are_refused(project: Path, key: str, kind: str) -> None:
    secret = project.parent / "secret"
    (secret / "wasitool.toml").write_text('[examples.x]\nsource = "x.wat"\nteaches = "t"\n')
    (secret / "wasitool.lock").write_text("")
    name = {"examples": "wasitool.toml", "lock": "wasitool.lock", "out": ""}[key]
    if kind == "symlink":
        (project / "elsewhere").symlink_to(secret)
    value = {"dotdot": f"../secret/{name}", "absolute": str(secret / name), "symlink": f"elsewhere/{name}"}[kind]
    table(project, "fix", project=f'[project]\n{key} = "{value.rstrip("/")}"\n')
    for argv in (["run", "leak"], ["check", "leak"], ["build"]):
        refused(wasitool(project, *argv), f"[project] {key} = ")


def test_an_out_dir_symlinked_out_of_the_project_is_refused(project: Path) -> None:
    """The default `out` too: a project shipping `out -> elsewhere` would make the build write there."""
    shutil.rmtree(project / "out")
    (project / "out").symlink_to(project.parent / "secret")
    table(project, "fix")
    refused(wasitool(project, "build"), "[project] out = 'out' leads outside the project")
    assert sorted(p.name for p in (project.parent / "secret").iterdir()) == ["s.txt"]


def test_a_lock_symlinked_out_of_the_project_is_refused(project: Path) -> None:
    (project.parent / "secret" / "wasitool.lock").write_text("")
    (project / "wasitool.lock").unlink()
    (project / "wasitool.lock").symlink_to(project.parent / "secret" / "wasitool.lock")
    table(project, "fix")
    refused(wasitool(project, "run", "leak"), "[project] lock = 'wasitool.lock' leads outside the project")


def test_copy_tree_refuses_links_out_even_dangling_ones(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "back").symlink_to("../a.txt")
    (tree / "a.txt").write_text("a")
    copy_tree(tree, tmp_path / "copy", "f")
    assert os.readlink(tmp_path / "copy" / "sub" / "back") == os.path.join("..", "a.txt")
    assert (tmp_path / "copy" / "sub" / "back").read_text() == "a"
    (tree / "gone").symlink_to(tmp_path / "nowhere" / "x")
    with pytest.raises(BuildError, match=r"^f: the symlink .*gone leads out of"):
        copy_tree(tree, tmp_path / "copy2", "f")


def test_export_refuses_a_src_symlinked_out_of_the_project(project: Path) -> None:
    """The reproducibility check copies the project first: a copy must not bring the secret inside."""
    from wasitool.project import export_project, load_project

    (project / "src" / "fix" / "s.txt").unlink()
    (project / "src" / "fix" / "s.txt").symlink_to(project.parent / "secret" / "s.txt")
    table(project, "fix")
    with pytest.raises(BuildError, match="leads out of"):
        export_project(load_project(project), project.parent / "export")
