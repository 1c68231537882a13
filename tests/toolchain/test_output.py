"""Output for people and machines: JSON on failure for `--json`, the libc first-use line, download progress
of unknown length, and a second process waiting on a lock saying so."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rich.console import Console

from tests.toolchain.conftest import Scenario
from wasitool.commands._progress import RichReporter
from wasitool.shipped import SHIPPED_LOCK
from wasitool.store.filelock import exclusive_lock
from wasitool.store.records import InstalledTool
from wasitool.toolchain.firstuse import libc_pending
from wasitool.toolchain.manifest import Toolchain


def wasitool(*args: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasitool", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "WASITOOL_HOME": str(home)}, timeout=120, check=False)


def test_setup_json_failure_is_json_on_stdout(tmp_path: Path) -> None:
    proc = wasitool("setup", "--offline", "--source", "pip", "--json", "--lock", str(SHIPPED_LOCK),
                    home=tmp_path / "store")
    assert proc.returncode == 2 and proc.stderr.startswith("wasitool: error: ")
    failure = json.loads(proc.stdout)
    assert failure["ok"] is False and failure["error"].startswith("could not install wasi-sdk for ")
    assert failure["fix"] == "re-run without --offline, or pass --mirror DIR holding the pinned files"
    assert failure["details"][0].startswith("pip: offline, and neither the store nor a mirror holds ziglang-")


@pytest.mark.parametrize("argv", [["toolchain", "--json"], ["verify", "--json"], ["check", "nope", "--json"]])
def test_every_json_command_fails_in_json(argv: list[str], tmp_path: Path) -> None:
    assert wasitool("init", "proj", home=tmp_path / "store", cwd=tmp_path).returncode == 0
    proc = wasitool(*argv, home=tmp_path / "store", cwd=tmp_path / "proj")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    failure = json.loads(proc.stdout)
    assert set(failure) == {"ok", "error", "fix"} and failure["ok"] is False and failure["error"]
    assert proc.stderr.strip() == f"wasitool: error: {failure['error']} (fix: {failure['fix']})"


def _zig(cache: Path) -> Toolchain:
    zig = InstalledTool("wasi-sdk", "pip", "0.17.0.post0", "/store/tools/zig", {"cc": ["zig", "cc"]},
                        env={"ZIG_GLOBAL_CACHE_DIR": str(cache), "ZIG_LOCAL_CACHE_DIR": str(cache)})
    return Toolchain("linux-x86_64", {"wasi-sdk": zig})


def test_libc_first_use_is_detected_from_zigs_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "zig"
    assert libc_pending(_zig(cache))  # missing
    (cache / "o").mkdir(parents=True)
    assert libc_pending(_zig(cache))  # empty
    (cache / "o" / "0123abcd").mkdir()
    (cache / "o" / "0123abcd" / "c_longjmp.o").write_bytes(b"")  # an object compiled with -c needs no libc
    assert libc_pending(_zig(cache))
    (cache / "o" / "4567cdef").mkdir()
    (cache / "o" / "4567cdef" / "libc.a").write_bytes(b"!<arch>\n")
    assert not libc_pending(_zig(cache))
    clang = InstalledTool("wasi-sdk", "system", "16", "/usr", {"cc": ["clang-16"]}, pinned=False)
    assert not libc_pending(Toolchain("linux-x86_64", {"wasi-sdk": clang})) and not libc_pending(None)


def test_download_of_unknown_length_shows_bytes_and_speed() -> None:
    buffer = io.StringIO()
    reporter = RichReporter(Console(file=buffer, force_terminal=True, width=120))
    with reporter.task("download x.whl", None) as advance:
        for _ in range(3):
            advance(400_000)
    shown = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", buffer.getvalue()).split("\r")[-1]
    assert "1.2 MB" in shown and "?" not in shown
    with reporter.task("copy y.tar.gz", 1000) as advance:
        advance(500)
    assert "/1.0 kB" in re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", buffer.getvalue())


def test_a_waiting_lock_calls_on_wait_once(tmp_path: Path) -> None:
    taken, waited, release = threading.Event(), [], threading.Event()

    def holder() -> None:
        with exclusive_lock(tmp_path / ".lock"):
            taken.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    taken.wait(30)

    def on_wait() -> None:
        waited.append(True)
        release.set()  # the holder lets go only once the waiter has said it waits

    with exclusive_lock(tmp_path / ".lock", on_wait=on_wait, patience=0):
        pass
    thread.join(30)
    assert waited == [True]
    with exclusive_lock(tmp_path / ".lock", on_wait=on_wait, patience=0):
        pass  # free: nobody is told to wait
    assert waited == [True]


def test_a_second_setup_waiting_on_the_store_says_so(scenario: Scenario) -> None:
    command = [sys.executable, "-m", "wasitool", "setup", "--lock", str(scenario.lock), "--tool", "wasi-sdk"]
    with exclusive_lock(scenario.store / ".lock"):  # another setup holds the store
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "WASITOOL_HOME": str(scenario.store)})
        timer = threading.Timer(60, proc.kill)  # only a safety net: the line comes while we hold the lock
        timer.start()
        line = proc.stderr.readline() if proc.stderr else ""
    _, err = proc.communicate(timeout=60)
    timer.cancel()
    assert line.startswith("waiting for another wasitool setup to finish with the store ("), line + err
    assert proc.returncode == 0, err


def test_setup_names_what_really_provides_each_tool(tmp_path: Path) -> None:
    """zig provides the lock's `wasi-sdk` roles: the summary names the package (a system source: its compiler)
    beside the tool, not only `wasi-sdk 0.17.0.post0 (pip)`."""
    from wasitool.commands.setup import _print_summary
    from wasitool.toolchain.setup import SetupResult, ToolOutcome

    zig = InstalledTool("wasi-sdk", "pip", "0.17.0.post0", "/s/zig", {"cc": ["/s/zig/zig", "cc"]}, package="ziglang")
    clang = InstalledTool("wasi-sdk", "system", "16", "/usr", {"cc": ["/usr/bin/clang-16"]}, pinned=False)
    archive = InstalledTool("wasi-sdk", "archive", "33.0", "/s/sdk", {"cc": ["/s/sdk/bin/clang"]})
    lines = []
    for tool in (zig, clang, archive):
        buffer = io.StringIO()
        result = SetupResult(Toolchain("linux-x86_64", {"wasi-sdk": tool}), {"wasi-sdk": ToolOutcome(tool, False)},
                             tmp_path / "record.json", None, SHIPPED_LOCK, tmp_path)
        _print_summary(result, RichReporter(Console(file=buffer, width=200)))
        lines.append(buffer.getvalue().splitlines()[0])
    assert lines == ["✓ wasi-sdk 0.17.0.post0 (pip package ziglang) installed: /s/zig",
                     "✓ wasi-sdk 16 (system: clang-16) installed: /usr",
                     "✓ wasi-sdk 33.0 (archive) installed: /s/sdk"]
