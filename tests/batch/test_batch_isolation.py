"""run_batch: each guest in its own forked child; one run's trap, time limit, leaked fds, huge output or
crash never reaches the next, and results come back in the order given (both engines)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.support.wat_modules import CAT, FD_WRITE, HELLO, PROC_EXIT, SPIN, W, exit_with, trap_start
from wasitool.batch import BatchResult, run_batch
from wasitool.engines.limits import Limits
from wasitool.runspec import Preopen, RunResult, RunSpec

PATH_OPEN = (f'(import "{W}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) '
             '(result i32)))')


def opens(count: int) -> str:
    """Opens the file `f` in the preopen (fd 3) `count` times, never closes, exits with the last fd."""
    return f"""(module {PATH_OPEN} {PROC_EXIT}
  (memory (export "memory") 1)
  (data (i32.const 16) "f")
  (func (export "_start") (local $i i32)
    (loop $again
      (drop (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 0)
                        (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const {count}))))
    (call $proc_exit (i32.load (i32.const 8)))))"""


# Writes `pages` x 64 KiB of 'x' to stdout, 64 KiB per fd_write.
def floods(pages: int) -> str:
    return f"""(module {FD_WRITE}
  (memory (export "memory") 2)
  (func (export "_start") (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 120) (i32.const 65536))
    (i32.store (i32.const 0) (i32.const 65536)) (i32.store (i32.const 4) (i32.const 65536))
    (loop $again
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const {pages}))))))"""


def results(specs: list[RunSpec], engine: str, **options: object) -> list[RunResult]:
    out: list[BatchResult] = list(run_batch(specs, engine, **options))  # type: ignore[arg-type]
    assert [item.position for item in out] == list(range(len(specs)))
    assert all(item.error is None for item in out), [item.error for item in out]
    return [item.result for item in out if item.result is not None]


@pytest.mark.parametrize("jobs", [1, 3])
def test_results_in_order(engine_name: str, wat_file, jobs: int) -> None:
    hello, cat = wat_file(HELLO, "hello.wasm"), wat_file(CAT, "cat.wasm")
    specs = [RunSpec(wat_file(exit_with(i), f"exit{i}.wasm")) if i % 3 else RunSpec(cat, stdin=f"in {i}".encode())
             for i in range(10)] + [RunSpec(hello)]
    got = results(specs, engine_name, jobs=jobs)
    for i, result in enumerate(got[:10]):
        assert (result.exit_code, result.stdout) == ((0, f"in {i}".encode()) if i % 3 == 0 else (i, b""))
    assert got[10].stdout == b"Hello, WASI!\n"


def test_trap_ends_only_its_run(engine_name: str, wat_file) -> None:
    hello = RunSpec(wat_file(HELLO))
    trap = RunSpec(wat_file(trap_start("unreachable"), "trap.wasm"))
    first, trapped, after = results([hello, trap, hello], engine_name)
    assert (trapped.exit_code, trapped.trap) == (134, "unreachable instruction executed")
    assert trapped.stderr.startswith(b"wasitool: trap: ")
    assert first == after and after.stdout == b"Hello, WASI!\n" and after.exit_code == 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_timeout_kills_only_its_child(engine_name: str, wat_file, jobs: int) -> None:
    spin = RunSpec(wat_file(SPIN, "spin.wasm"), timeout=0.5)
    hello = RunSpec(wat_file(HELLO))
    spun, *rest = results([spin, hello, hello], engine_name, jobs=jobs)
    assert (spun.exit_code, spun.timeout) == (124, 0.5)
    assert spun.stderr == b"wasitool: timed out after 0.5s\n"
    assert [r.stdout for r in rest] == [b"Hello, WASI!\n"] * 2


def test_batch_limits_apply_to_every_run(engine_name: str, wat_file) -> None:
    spin = wat_file(SPIN, "spin.wasm")
    got = results([RunSpec(spin), RunSpec(spin, timeout=0.3)], engine_name, limits=Limits(timeout=0.2))
    assert [r.timeout for r in got] == [0.2, 0.3]


def test_leaked_fds_stay_in_their_child(engine_name: str, wat_file, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "f").write_text("x")
    dirs = (Preopen(data, "."),)
    many, one = wat_file(opens(100), "many.wasm"), wat_file(opens(1), "one.wasm")
    got = results([RunSpec(many, dirs=dirs), RunSpec(one, dirs=dirs), RunSpec(many, dirs=dirs)], engine_name)
    assert [r.exit_code for r in got] == [103, 4, 103]  # fd 3 is the preopen: the first open is fd 4


def test_huge_output_is_kept_whole_and_ends_with_its_run(engine_name: str, wat_file) -> None:
    flood = RunSpec(wat_file(floods(256), "flood.wasm"))  # 16 MiB
    big, hello = results([flood, RunSpec(wat_file(HELLO))], engine_name, jobs=2)
    assert len(big.stdout) == 16 << 20 and big.stdout.count(b"x") == 16 << 20
    assert hello.stdout == b"Hello, WASI!\n"


def test_a_dead_child_is_an_error_for_its_run_only(engine_name: str, wat_file) -> None:
    from wasitool.wasi import WasiConfig, WasiContext

    class Crashing(WasiContext):
        """Its fd_write kills the process it runs in, as a crashing engine would."""

        def host_functions(self):  # type: ignore[no-untyped-def]
            return {**super().host_functions(), "fd_write": lambda *_: os.kill(os.getpid(), signal.SIGKILL)}

    def context(spec: RunSpec, index: int, fds: tuple[int, int, int]) -> WasiContext:
        kind = Crashing if index == 1 else WasiContext
        return kind(WasiConfig(argv=[*spec.argv, f"run{index}"], env=[], preopens=[], stdin=fds[0],
                               stdout=fds[1], stderr=fds[2]))

    from tests.support.wat_modules import strings_dump

    argv = RunSpec(wat_file(strings_dump("args"), "argv.wasm"), argv0="p")
    out = list(run_batch([argv, argv, argv], engine_name, context=context))
    assert out[1].result is None and out[1].error is not None
    assert "killed by signal 9" in out[1].error.problem
    for index in (0, 2):
        result = out[index].result
        assert result is not None and result.stdout == f"p\0run{index}\0".encode()


def test_a_module_that_cannot_load_is_an_error_for_its_runs(engine_name: str, wat_file, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"not wasm")
    out = list(run_batch([RunSpec(bad), RunSpec(wat_file(HELLO)), RunSpec(tmp_path / "missing.wasm")], engine_name))
    assert out[0].error is not None and "not a WebAssembly binary" in out[0].error.problem
    assert out[1].result is not None and out[1].result.stdout == b"Hello, WASI!\n"
    assert out[2].error is not None and "cannot read" in out[2].error.problem


def test_without_fork_each_run_is_a_process(engine_name: str, wat_file) -> None:
    specs = [RunSpec(wat_file(CAT, "cat.wasm"), stdin=b"\xff\x00bytes"), RunSpec(wat_file(exit_with(7))),
             RunSpec(wat_file(trap_start("unreachable"), "trap.wasm")), RunSpec(wat_file(HELLO, "h.wasm"))]
    forked = results(specs, engine_name)
    alone = results(specs, engine_name, fork=False)
    assert forked == alone
    assert [r.exit_code for r in alone] == [0, 7, 134, 0] and alone[0].stdout == b"\xff\x00bytes"


def test_memory_and_fuel_limits_hold_in_every_child(engine_name: str, wat_file) -> None:
    from tests.support.wat_modules import GROW_REPORTS

    grow = RunSpec(wat_file(GROW_REPORTS, "grow.wasm"))
    capped = results([grow, grow], engine_name, limits=Limits(max_memory=4 << 16))
    assert [r.exit_code for r in capped] == [9, 9]  # memory.grow(20) past 4 pages fails: -1 + 10
    assert [r.exit_code for r in results([grow], engine_name)] == [11]  # uncapped: 10 + the old size, 1 page
    if engine_name == "wasmtime":
        spin = RunSpec(wat_file(SPIN, "spin.wasm"))
        fueled = results([spin, RunSpec(wat_file(HELLO))], engine_name, limits=Limits(fuel=10_000))
        assert (fueled[0].exit_code, fueled[0].trap) == (134, "out of fuel")
        assert fueled[1].stdout == b"Hello, WASI!\n"


def test_the_parent_lets_go_of_every_instance(engine_name: str, wat_file) -> None:
    """Each run's instance is freed in this process once its child is forked: the address space does not grow
    with the batch (each instance reserves memory mappings; a leak of one per run would add ~2 mappings)."""
    hello = RunSpec(wat_file(HELLO))

    def mappings() -> int:
        with open("/proc/self/maps", encoding="utf-8") as f:
            return len(f.readlines())

    assert [r.exit_code for r in results([hello] * 5, engine_name)] == [0] * 5  # engine, caches, imports warm
    before = mappings()
    assert [r.stdout for r in results([hello] * 80, engine_name)] == [b"Hello, WASI!\n"] * 80
    assert mappings() - before < 40
