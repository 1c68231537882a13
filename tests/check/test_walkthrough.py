"""docs/walkthrough.md is generated from real output by scripts/walkthrough.py and must not go stale."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "walkthrough.py"


def _script():  # the script as a module, for its comparison rule
    spec = importlib.util.spec_from_file_location("walkthrough", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_comparison_ignores_host_directory_order_only() -> None:
    canonical = _script().canonical
    a = ('text\n```console\n$ wasitool run readdir\nfd_readdir(...) -> 0 (ESUCCESS), bufused=60, '
         'buf=[{d_next=1, name="."}, {d_next=2, name="b"}, {d_next=3, name="a"}]\nb\na\n```\n')
    b = a.replace('{d_next=2, name="b"}, {d_next=3, name="a"}', '{d_next=2, name="a"}, {d_next=3, name="b"}')
    b = b.replace("\nb\na\n", "\na\nb\n")
    assert canonical(a) == canonical(b)
    assert canonical(a) != canonical(a.replace('name="a"', 'name="c"'))
    assert canonical(a) != canonical(a.replace("bufused=60", "bufused=61"))
    assert canonical(a) != canonical(a.replace("text", "prose"))


@pytest.mark.slow
@pytest.mark.usefixtures("use_toolchain")
def test_walkthrough_is_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=900,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
