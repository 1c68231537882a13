"""wasi-sdk's own wasm32-wasip2 target (the lock's `wasip2-cc` role) instead of the preview1 adapter: the real
archive cannot be fetched here, so a fake one is served over local HTTP (tests/toolchain/conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.toolchain.conftest import Scenario, make_sdk_archive

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the fake clang is a script with a #! line (POSIX hosts)")

FAKE_WASIP2_CLANG = """#!{python}
import json, sys
args = sys.argv[1:]
open({log!r}, "a").write(json.dumps(args) + "\\n")
out = args[args.index("-o") + 1]
linking = "-c" not in args
open(out, "wb").write(b"\\0asm\\x0d\\0\\x01\\0fake component" if linking else b"fake object")
if "-MF" in args:
    open(args[args.index("-MF") + 1], "w").write(out + ": " + args[-1] + "\\n")
"""


def test_the_archive_s_wasip2_target_builds_components_without_the_adapter(scenario: Scenario,
                                                                           tmp_path: Path) -> None:
    """wasi-sdk's own wasm32-wasip2 target, declared in the lock (`wasip2-cc`): a fake archive served over
    local HTTP whose clang logs its calls. One-file builds and the SCons examples use it, with no adapter."""
    log = tmp_path / "clang.log"
    top = "wasi-sdk-33.0-x86_64-linux"
    script = FAKE_WASIP2_CLANG.format(python=sys.executable, log=str(log)).encode()
    make_sdk_archive(scenario.archive, top, extra=[(f"{top}/bin/clang-p2", "file", script)])
    scenario.lock_for()
    scenario.lock.write_text(scenario.lock.read_text().replace(
        'commands.wasip2-cc = ["{root}/bin/clang{exe}"', 'commands.wasip2-cc = ["{root}/bin/clang-p2{exe}"'))
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "wasitool.lock").write_text(scenario.lock.read_text())
    (project / "SConstruct").write_text("from wasitool.scons import project_targets\nproject_targets()\n")
    (project / "wasitool.toml").write_text('[examples.hi]\nsource = "hi.c"\nteaches = "t"\nwasi = "p2"\n')
    (project / "src" / "hi.c").write_text("int main(void) { return 0; }\n")
    setup = scenario.run("setup", "--lock", str(project / "wasitool.lock"), "--mirror", str(scenario.mirror))
    assert setup.returncode == 0, setup.stderr
    assert scenario.server.count(scenario.archive.name) == 1  # fetched from the local HTTP server

    def wasitool(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "wasitool", *args], cwd=project, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "WASITOOL_HOME": str(scenario.store)})

    one = wasitool("build", "src/hi.c", "--wasi", "p2")
    assert one.returncode == 0, one.stderr
    assert (project / "hi.p2.wasm").read_bytes() == b"\0asm\x0d\0\x01\0fake component"
    (call,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert call[:2] == ["--target=wasm32-wasip2", f"--sysroot={scenario.store}/tools/{call[1].split('/tools/')[1]}"]
    examples = wasitool("build")
    assert examples.returncode == 0, examples.stderr
    compile_call, link_call = [json.loads(line) for line in log.read_text().splitlines()][1:]
    assert "-c" in compile_call and compile_call[compile_call.index("-o") + 1] == "out/obj/p2/hi.o"
    assert link_call[link_call.index("-o") + 1] == "out/hi.p2.wasm" and "out/obj/p2/hi.o" in link_call
    assert (project / "out" / "hi.p2.wasm").read_bytes() == b"\0asm\x0d\0\x01\0fake component"
    assert not (project / "out" / "hi.wasm").exists()  # no core module, no adapter
