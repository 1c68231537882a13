"""Expat as a WASI 0.2 component: xmlwf and the outline example, built by Expat's own CMake build for
preview1 (tests/toolchain/test_third_party_build.py), wrapped by the pinned wasm-tools and command adapter,
give the same output as their preview1 builds on every runtime with a 0.2 host."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.toolchain.test_third_party_build import BAD, CANONICAL, GOOD, OUTLINE, expat_build, expat_source
from wasitool.examples import Expectation, OutputCheck
from wasitool.expect import differences
from wasitool.legit_differences import adjust
from wasitool.runspec import Preopen, RunResult, RunSpec
from wasitool.runtimes import get_runtime
from wasitool.runtimes.base import Runtime

pytestmark = pytest.mark.slow
__all__ = ["expat_build", "expat_source"]  # the fixtures, built once with the pip toolchain

# jco is left out: each of its runs transpiles the component again (seconds), checked by tests/check already.
COMPONENT_RUNTIMES = ["python-wasmtime", "wasmtime-py-wasip2", "wasmtime-cli"]
PREVIEW1_RUNTIME = "wasmtime-cli"


@pytest.fixture(scope="module")
def components(expat_build: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """xmlwf and outline: the preview1 modules and their components (wasm-tools and the command adapter
    of the store's toolchain)."""
    from wasitool.shipped import SHIPPED_LOCK
    from wasitool.toolchain.components import component_new
    from wasitool.toolchain.select import load_toolchain

    home, build = expat_build
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WASITOOL_HOME", str(home))
        adapt = component_new(load_toolchain(lock=SHIPPED_LOCK), "command", SHIPPED_LOCK)
    out = tmp_path_factory.mktemp("expat-p2")
    made: dict[str, Path] = {}
    for name, core in (("xmlwf", build / "xmlwf" / "xmlwf.wasm"), ("outline", build / "examples" / "outline.wasm")):
        component = out / f"{name}.p2.wasm"
        proc = subprocess.run([*adapt, str(core), "-o", str(component)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        made[name], made[f"{name}.p2"] = core, component
    return made


def judged_like_preview1(runtime: str, row: str, preview1: RunResult, component: RunResult) -> list[str]:
    """The differences between the component's run and its preview1 build's, after the declared component
    differences (`wasitool.legit_differences`) for the row `row`; returns those that applied, by reason."""
    expected = Expectation(exit_code=preview1.exit_code, stdout=OutputCheck("exact", preview1.stdout.decode()),
                           stderr=OutputCheck("exact", preview1.stderr.decode()))
    expectation, result, used = adjust(runtime, row, expected, component)
    assert differences(expectation, result) == []
    return [d.why for d in used]


@pytest.mark.parametrize("expat_build", ["pip"], indirect=True)
@pytest.mark.parametrize("runtime", COMPONENT_RUNTIMES)
def test_expat_component_matches_its_preview1_build(components: dict[str, Path], runtime: str,
                                                    tmp_path: Path) -> None:
    on_p2, on_p1 = get_runtime(runtime), get_runtime(PREVIEW1_RUNTIME)
    assert on_p2.available() is None and on_p1.available() is None

    def run(module: Path, on: Runtime, args: tuple[str, ...], stdin: bytes | None) -> tuple[RunResult, bytes]:
        work = tmp_path / f"{module.name}-{len(list(tmp_path.iterdir()))}"
        work.mkdir()
        (work / "good.xml").write_text(GOOD)
        (work / "bad.xml").write_text(BAD)
        (work / "out").mkdir()
        result = on.run(RunSpec(module, args=args, dirs=(Preopen(work, "."),), stdin=stdin, argv0="xmlwf",
                                timeout=120))
        written = work / "out" / "good.xml"
        return result, written.read_bytes() if written.exists() else b""

    def compare(name: str, *args: str, stdin: bytes | None = None) -> tuple[RunResult, bytes, list[str]]:
        preview1, wrote1 = run(components[name], on_p1, args, stdin)
        component, wrote2 = run(components[f"{name}.p2"], on_p2, args, stdin)
        assert wrote1 == wrote2
        return preview1, wrote1, judged_like_preview1(runtime, f"{name}.p2", preview1, component)

    preview1, _, allowed = compare("xmlwf", "bad.xml")
    assert preview1.stdout == b"bad.xml:2:7: mismatched tag\n"
    assert (preview1.exit_code, allowed) == (0, [])  # xmlwf reports on stdout, status 0
    preview1, written, allowed = compare("xmlwf", "-d", "out", "good.xml")
    assert (preview1.exit_code, written, allowed) == (0, CANONICAL.encode(), [])
    preview1, _, allowed = compare("xmlwf", "nope.xml")
    assert b"No such file" in preview1.stdout + preview1.stderr
    assert (preview1.exit_code, allowed) == (0, [])
    preview1, _, allowed = compare("outline", stdin=GOOD.encode())
    assert (preview1.exit_code, preview1.stdout, allowed) == (0, OUTLINE.encode(), [])
