"""Interposers configured per run spec work inside a batch's forked children (both engines): each run
records its own calls (`--record`'s Recorder), a buffered JSON trace reaches its file before the child
exits, and a second batch replays every recording (`wasi.replay.Replayer`) to the recorded output."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import probe_modules as P
from wasitool.batch import run_batch
from wasitool.runspec import RunSpec
from wasitool.wasi import WasiConfig, WasiContext
from wasitool.wasi.record import Recorder, read_recording
from wasitool.wasi.replay import Replayer
from wasitool.wasi.trace import Tracer


def test_each_child_records_and_traces_its_run_and_a_batch_replays_them(engine_name: str, wat_file,
                                                                         tmp_path: Path) -> None:
    spec = RunSpec(wat_file(P.random(16), "random.wasm"))
    runs = 4
    streams = []

    def recording(spec: RunSpec, index: int, fds: tuple[int, int, int]) -> WasiContext:
        record = open(tmp_path / f"run{index}.jsonl", "w", encoding="utf-8", buffering=1)  # noqa: SIM115
        trace = open(tmp_path / f"trace{index}.jsonl", "w", encoding="utf-8")  # noqa: SIM115  (buffered)
        streams.extend([record, trace])
        config = WasiConfig(argv=spec.argv, env=[], preopens=[], stdin=fds[0], stdout=fds[1], stderr=fds[2])
        return WasiContext(config, trace=Tracer(trace, fmt="json"),
                           interpose=[Recorder(record, {"module": str(spec.module), "argv": spec.argv})])

    recorded = list(run_batch([spec] * runs, engine_name, jobs=2, context=recording))
    for stream in streams:
        stream.close()
    outputs = [item.result.stdout for item in recorded if item.result is not None]
    assert len(outputs) == runs and all(len(out) == 16 for out in outputs)
    assert len(set(outputs)) == runs  # really random: each child had its own calls
    for index in range(runs):
        header, calls = read_recording(tmp_path / f"run{index}.jsonl")
        assert header["module"] == str(spec.module)
        assert [c["call"] for c in calls] == ["random_get", "fd_write", "proc_exit"]
        traced = [json.loads(line)["call"] for line in (tmp_path / f"trace{index}.jsonl").read_text().splitlines()]
        assert traced == ["random_get", "fd_write", "proc_exit"]

    def replaying(spec: RunSpec, index: int, fds: tuple[int, int, int]) -> Replayer:
        return Replayer(read_recording(tmp_path / f"run{index}.jsonl")[1], fds[1], fds[2])

    replayed = list(run_batch([spec] * runs, engine_name, jobs=2, context=replaying))
    assert [(item.result.exit_code, item.result.stdout) for item in replayed if item.result is not None] == [
        (0, out) for out in outputs]
