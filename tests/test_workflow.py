"""The CI workflow file passes actionlint and does what docs/ci.md says (tests, caches by lock hash, verify).

scripts/test installs actionlint into the test venvs; WASITOOL_REQUIRE_ACTIONLINT=1 (CI) turns a missing
linter from a skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"


def find_actionlint() -> str | None:
    """actionlint from this interpreter's scripts directory (where pip puts it), else from PATH."""
    scripts = sysconfig.get_path("scripts")
    return shutil.which("actionlint", path=os.pathsep.join([scripts, os.environ.get("PATH", "")]))


def test_the_workflow_passes_actionlint(tmp_path: Path) -> None:
    actionlint = find_actionlint()
    if actionlint is None:
        reason = "actionlint is not installed (scripts/test installs it)"
        if os.environ.get("WASITOOL_REQUIRE_ACTIONLINT"):
            pytest.fail(reason)
        pytest.skip(reason)
    proc = subprocess.run([actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = WORKFLOW.read_text().replace("runs-on: ${{ matrix.os }}", "runs-on: ${{ matrix.system }}")
    copy = tmp_path / "ci.yml"  # and it fails on a broken copy: the check can fail
    copy.write_text(broken)
    bad = subprocess.run([actionlint, "-no-color", str(copy)], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and "matrix.system" in bad.stdout


def test_workflow_steps_match_the_docs() -> None:
    text = WORKFLOW.read_text()
    readme = (REPO / "README.md").read_text()
    assert "bash scripts/test" in readme and "run: bash scripts/test" in text
    assert "os: [ubuntu-latest, macos-latest, windows-latest]" in text
    assert "python -m wasitool lock hash" in text and text.count("steps.lock.outputs.hash") >= 3
    assert "run: python -m wasitool verify" in text
    assert "--build-cache build/build-cache" in text and "path: build/build-cache" in text
    assert "docs/ci.md" in readme
