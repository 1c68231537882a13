"""Components on every runtime: the ones with a WASI 0.2 host run them with the RunSpec's argv, env, preopens
and stdin; the core-only runtimes say `unsupported` and why; the component-only ones refuse core modules."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.check.conftest import ECHO_OUT, TRAP_LINE, wat2wasm
from tests.conftest import shared_store_path
from wasitool.runspec import Invoke, Preopen, RunSpec
from wasitool.runtimes import get_runtime
from wasitool.runtimes.base import NOT_FOUND, is_component

# The runtimes with a 0.2 host; jco installs its npm packages into the shared test store on first use.
COMPONENT_RUNTIMES = ["python-wasmtime", "wasmtime-cli", "wasmtime-py-wasip2", "jco"]
CORE_ONLY = {"python-wasmer": "runs core modules only: the wasmer engine has no component model",
             "node": "runs core modules only: node:wasi is preview1",
             "wasmer-cli": "runs core modules only: the wasmer CLI has no component model"}

# _start writes "before\n" then traps.
TRAP_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "before\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
    unreachable))
"""

# _start copies what one read of stdin gives to stdout.
STDIN_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 1024))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""


@pytest.fixture(scope="module")
def components(p2kit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Core modules and their components (the pinned preview1 command adapter): echo, trap, cat."""
    kit = p2kit
    out = tmp_path_factory.mktemp("components")
    made: dict[str, Path] = {}
    sources = {"echo": (Path(__file__).with_name("echo.wat")).read_text(), "trap": TRAP_WAT, "cat": STDIN_WAT}
    for name, wat in sources.items():
        core = out / f"{name}.wasm"
        core.write_bytes(wat2wasm(wat))
        made[name] = core
        made[f"{name}.p2"] = kit.adapt(core, out / f"{name}.p2.wasm")
    return made


def usable(name: str, monkeypatch: pytest.MonkeyPatch):
    """The runtime, asserted available (jco: with its packages in the shared test store)."""
    if name == "jco":
        monkeypatch.setenv("WASITOOL_HOME", str(shared_store_path()))
    runtime = get_runtime(name)
    reason = runtime.available()
    assert reason is None, f"{name}: {reason}"
    return runtime


def echo_spec(module: Path) -> RunSpec:
    return RunSpec(module, args=("a b", "c"), env=(("GREETING", "hi"), ("EMPTY", "")), argv0="echo", timeout=60)


def test_the_fixtures_are_components(components: dict[str, Path]) -> None:
    assert is_component(components["echo.p2"]) and not is_component(components["echo"])
    assert not is_component(components["echo"].with_name("missing.wasm"))


@pytest.mark.parametrize("name", COMPONENT_RUNTIMES)
def test_argv_env_and_exit_status(name: str, components: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_LEAK_CHECK", "host value")
    result = usable(name, monkeypatch).run(echo_spec(components["echo.p2"]))
    assert result.unsupported is None
    # proc_exit(3) reaches wasi:cli/exit, which is ok/err only: status 1
    assert (result.exit_code, result.stdout.decode(), result.stderr) == (1, ECHO_OUT, b"")


@pytest.mark.parametrize("name", COMPONENT_RUNTIMES)
def test_trap_is_exit_134_and_one_line(name: str, components: dict[str, Path],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = usable(name, monkeypatch).run(RunSpec(components["trap.p2"], timeout=60))
    assert (result.exit_code, result.stdout, result.stderr.decode()) == (134, b"before\n", TRAP_LINE)
    assert result.trap == "unreachable instruction executed"


@pytest.mark.parametrize("name", COMPONENT_RUNTIMES)
def test_stdin_reaches_the_component(name: str, components: dict[str, Path],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    result = usable(name, monkeypatch).run(RunSpec(components["cat.p2"], stdin=b"from stdin\n", timeout=60))
    assert (result.exit_code, result.stdout) == (0, b"from stdin\n")


@pytest.mark.parametrize("name", ["wasmtime-cli", "wasmtime-py-wasip2", "jco"])
def test_component_only_runtimes_refuse_what_they_cannot_run(name: str, components: dict[str, Path]) -> None:
    runtime = get_runtime(name)
    invoked = RunSpec(components["echo.p2"], invoke=Invoke("add", (1, 2)))
    if name == "wasmtime-cli":
        assert runtime.run(invoked).unsupported == "wasitool invokes exports of core modules only"
        return
    assert runtime.run(RunSpec(components["echo"])).unsupported == "runs WASI 0.2 components only"
    assert runtime.run(invoked).unsupported == "runs a component's wasi:cli/run only (no --invoke)"


@pytest.mark.parametrize("name", sorted(CORE_ONLY))
def test_core_only_runtimes_say_why(name: str, components: dict[str, Path]) -> None:
    result = get_runtime(name).run(echo_spec(components["echo.p2"]))
    assert result.unsupported == CORE_ONLY[name]


def test_native_leaves_components_to_the_preview1_row(components: dict[str, Path], tmp_path: Path) -> None:
    binary = tmp_path / "native"
    binary.write_text("#!/bin/sh\necho native\n")
    binary.chmod(0o755)
    spec = echo_spec(components["echo.p2"])._replace(native_binary=binary)
    assert get_runtime("native").run(spec).unsupported == "the native build is judged once, on the preview1 row"


def test_wasmtime_cli_runs_components_with_the_same_flags(components: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "seen.txt").write_text("x")
    spec = RunSpec(components["echo.p2"], args=("a",), env=(("K", "V"),), dirs=(Preopen(tmp_path, "."),),
                   argv0="x", requires=("exceptions",), timeout=60)
    result = get_runtime("wasmtime-cli").run(spec)  # -W exceptions=y is accepted for a component too
    assert (result.exit_code, result.stdout.decode()) == (1, "x\na\nK=V\n")


# -- jco --------------------------------------------------------------------------------------------------

def fake_tool(path: Path, script: str) -> Path:
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.skipif(os.name != "posix", reason="fake node/npm are shell scripts")
def test_jco_not_found_reasons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASITOOL_HOME", str(tmp_path / "store"))
    monkeypatch.setenv("WASITOOL_NODE", "/nonexistent/node")
    assert get_runtime("jco").available() == NOT_FOUND
    monkeypatch.setenv("WASITOOL_NODE", str(fake_tool(tmp_path / "old-node", "echo v18.19.0")))
    assert get_runtime("jco").available() == "node v18.19.0 is too old (jco's preview2-shim needs 20+)"
    monkeypatch.setenv("WASITOOL_NODE", str(fake_tool(tmp_path / "node", "echo v20.1.0")))
    monkeypatch.setenv("WASITOOL_NPM", "/nonexistent/npm")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert get_runtime("jco").available() == (
        "npm not found (needed once, to install jco's pinned packages into the store)")


@pytest.mark.skipif(os.name != "posix", reason="a fake npm is a shell script")
def test_jco_failed_install_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wasitool.runtimes.jco_install import install_dir

    store = tmp_path / "store"
    monkeypatch.setenv("WASITOOL_HOME", str(store))
    monkeypatch.setenv("WASITOOL_NODE", str(fake_tool(tmp_path / "node", "echo v20.1.0")))
    npm = fake_tool(tmp_path / "npm", "test -f package-lock.json || exit 9\nmkdir -p node_modules/x\n"
                                      "echo 'npm error code E404' >&2\nexit 1")
    monkeypatch.setenv("WASITOOL_NPM", str(npm))
    reason = get_runtime("jco").available()
    assert reason == ("npm ci of jco's packages failed: npm error code E404 (fix: check that npm can reach its "
                      "registry (or its configured mirror), then run `wasitool check` again)")
    assert not install_dir(store).exists()
    assert list((store / "tmp").iterdir()) == []


def test_jco_pin_digest_names_the_install(tmp_path: Path) -> None:
    from wasitool.runtimes.jco_install import RUNNER_DIR, install_dir, pin_digest

    lock = (RUNNER_DIR / "package-lock.json").read_text()
    assert '"@bytecodealliance/jco-transpile"' in lock and '"integrity": "sha512-' in lock
    assert install_dir(tmp_path) == tmp_path / "tools" / f"jco-{pin_digest()}"
