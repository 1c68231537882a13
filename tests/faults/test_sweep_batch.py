"""The fault sweep's runs as one batch of forked children (`wasitool.batch`) give the same sweep as runs made
one after the other in this process, on every engine: the same baseline, calls and verdicts (a trapping or
hanging rerun does not change the next one's), with `-j 2` too, and no workdir left behind."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.faults.test_sweep import BUGGY
from wasitool.faultsweep import sweep
from wasitool.runspec import Preopen, RunSpec


@pytest.fixture
def make_spec(wat_file, tmp_path: Path):  # type: ignore[no-untyped-def]
    module = wat_file(BUGGY)
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.cfg").write_text("abc")
    (data / "y.cfg").write_text("xyz")

    def make(workdir: Path) -> RunSpec:
        shutil.copytree(data, workdir / "data")
        return RunSpec(module, dirs=(Preopen(workdir / "data", "."),))

    return make


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of this test's own for the sweep's workdirs (other workers sweep at the same time)."""
    own = tmp_path / "tmp"
    own.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own))
    return own


def test_batch_sweep_is_the_sweep_made_run_by_run(engine_name: str, make_spec, own_tmp: Path) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    alone = sweep(make_spec, engine_name, per_call=True, timeout=1.0, fork=False)
    batched = sweep(make_spec, engine_name, per_call=True, timeout=1.0, fork=True,
                    progress=lambda done, total: seen.append((done, total)))
    parallel = sweep(make_spec, engine_name, per_call=True, timeout=1.0, fork=True, jobs=2)
    assert alone == batched == parallel
    assert seen == [(done, 7) for done in range(7)]
    verdicts = [(o.call.name, o.exit_code, o.trap, o.timeout, o.suspect) for o in batched.outcomes]
    trap = "unreachable instruction executed"
    assert verdicts == [("path_open", 124, None, True, "hang")] + [("fd_read", 0, None, False, None)] * 3 + [
        ("fd_close", 134, trap, False, f"trap: {trap}"), ("path_open", 2, None, False, None),
        ("fd_write", 0, None, False, "exit 0, output changed")]
    assert batched.baseline.stdout == b"done\n" and batched.outcomes[-1].output_changed
    assert list(own_tmp.iterdir()) == []


def test_max_runs_limits_the_batch(engine_name: str, make_spec) -> None:  # type: ignore[no-untyped-def]
    capped = sweep(make_spec, engine_name, per_call=True, max_runs=2, timeout=1.0, jobs=2)
    assert [o.call.index for o in capped.outcomes] == [1, 2] and capped.skipped == 5
