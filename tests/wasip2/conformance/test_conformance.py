"""The conformance battery: C programs making raw preview1 calls (in the style of WebAssembly/wasi-testsuite),
built with the pinned toolchain, turned into components with the preview1 command adapter and run on
wasitool's WASI 0.2 host and on the wasmtime CLI, each in a fresh copy of the same sandbox: stdout, stderr,
exit status and the resulting directory tree must be the same, but for the lines of the differences declared
in `wasitool.legit_differences.COMPONENT_DIFFERENCES` (checked on both sides, then set aside).

The same programs as preview1 core modules on `wasitool run` (every engine importable here) give what the
component gives, but where the adapter answers a call itself (`ADAPTER_LINES`; `NOT_AS_MODULES` says which
programs that comparison leaves out, and why).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.components import P2Kit
from tests.wasip2.conftest import reference, wasitool
from wasitool.legit_differences import COMPONENT_DIFFERENCES

SOURCES = Path(__file__).parent
PROGRAMS = ("fdops", "readdir", "paths", "open", "misc", "bigio", "libc", "edge")


@dataclass(frozen=True)
class Case:
    program: str
    args: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    stdin: bytes = b""


CASES = {
    "fdops": Case("fdops"),
    "readdir": Case("readdir"),
    "paths": Case("paths"),
    "open": Case("open"),
    "misc": Case("misc", ("", "ünïcode ✓", "two words", "", "7"),
                 ("CONF_A=1", "CONF_EMPTY=", "CONF_UNI=héllo wörld ✓", "CONF_EQ=a=b"), b"line one\nline two\n"),
    "misc-many": Case("misc", tuple(f"arg-{i}" for i in range(300)), tuple(f"CONF_{i}={'v' * i}" for i in range(150))),
    "misc-no-stdin": Case("misc"),
    "bigio": Case("bigio"),
    "libc": Case("libc", stdin=b"line one\nline two\nno newline"),
    "edge": Case("edge", stdin=b"hi\n"),
}
# Not compared as preview1 modules: `open` (the adapter ignores preview1 rights, which a preview1 host enforces
# on every descriptor). `edge`'s stdio lines where the adapter answers EINVAL and a preview1 host (wasitool's, as
# the wasmtime CLI's preview1) EBADF or ESPIPE are in ADAPTER_LINES.
NOT_AS_MODULES = ("open")

# program -> {line prefix: (wasitool's line, the wasmtime CLI's line)}, each one of COMPONENT_DIFFERENCES (`calls`)
DECLARED: dict[str, dict[str, tuple[str, str, str]]] = {
    "paths": {
        "stat ld/ nofollow": ("[method]descriptor.stat-at", "filetype 3", "filetype 7"),
        "rmdir e/": ("[method]descriptor.remove-directory-at", "ok", "errno 28"),
    },
}

# program -> line prefixes the preview1 adapter answers itself, so a preview1 host answers otherwise: a
# directory descriptor is EBADF for file calls, only the realtime and monotonic clocks, rights not enforced
# and shown as all, poll_oneoff fails as a whole on a bad fd where preview1 reports it in the event, one read
# moves at most 64 KiB and only the first iovec
ADAPTER_LINES: dict[str, tuple[str, ...]] = {
    "fdops": ("advise dir", "allocate dir", "set_size dir", "set_times dir", "seek dir", "pread dir", "read dir",
              "write dir", "write on read-only", "pwrite on read-only", "set_size on read-only", "set_flags dir",
              "sync dir", "fdstat file", "fdstat dir", "fdstat stdin", "fdstat stdout", "fdstat after append",
              "fdstat after 0"),
    "misc": ("process", "thread", "clock 4", "clock 99", "poll realtime absolute", "poll process", "poll bad fd",
             "poll bad fd event"),
    "bigio": ("pread moved", "read moved", "two iovecs moved"),
    "edge": ("pread stdin", "set_times stdout", "set_size stdout", "sync stdout", "advise stdout"),
    "readdir": ("readdir file",),  # a preview1 host answers EBADF, as the wasmtime CLI; the adapter ENOTDIR
}


@pytest.fixture(scope="session")
def programs(toolchain_home: Path, p2kit: P2Kit,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """program -> (the preview1 core module, the component), built once per session."""
    out = tmp_path_factory.mktemp("conformance")
    env = dict(os.environ, WASITOOL_HOME=str(toolchain_home))
    built = {}
    for name in PROGRAMS:
        core = out / f"{name}.core.wasm"
        proc = subprocess.run([sys.executable, "-m", "wasitool", "build", str(SOURCES / f"{name}.c"), "-o", str(core)],
                              capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr
        built[name] = (core, p2kit.adapt(core, out / f"{name}.wasm"))
    return built


def _sandbox(where: Path) -> Path:
    """An empty preopen beside a directory the guest must never reach."""
    (where / "outside").mkdir(parents=True)
    (where / "outside" / "secret").write_text("s")
    (where / "box").mkdir()
    return where / "box"


def _tree(root: Path) -> list[str]:
    entries = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_symlink():
            entries.append(f"{rel} -> {os.readlink(path)}")
        elif path.is_dir():
            entries.append(f"{rel}/")
        else:
            entries.append(f"{rel} {path.read_bytes()!r}")
    return entries


def _run(where: Path, argv_of) -> tuple[int, list[str], bytes, list[str]]:
    box = _sandbox(where)
    proc = argv_of(box)
    assert sorted(p.name for p in (where / "outside").iterdir()) == ["secret"]
    return proc.returncode, proc.stdout.decode().splitlines(), proc.stderr, _tree(box)


def _set_aside(lines: list[str], prefixes) -> list[str]:
    """`lines` without those of the calls named (`NAME: ...` or `NAME ...`)."""
    return [line for line in lines if not any(line.startswith((p + ":", p + " ")) for p in prefixes)]


@pytest.mark.parametrize("case_id", list(CASES))
def test_component_as_the_cli(case_id, programs, tmp_path, wasmtime_cli):
    case = CASES[case_id]
    _, component = programs[case.program]
    env_flags = tuple(f for e in case.env for f in ("--env", e))
    ours = _run(tmp_path / "ours", lambda box: wasitool("run", *env_flags, "--dir", f"{box}::/sandbox", str(component),
                                                        "--", *case.args, stdin=case.stdin))
    theirs = _run(tmp_path / "cli", lambda box: reference(wasmtime_cli, component, *case.args, stdin=case.stdin,
                                                          flags=(*env_flags, "--dir", f"{box}::/sandbox")))
    declared = DECLARED.get(case.program, {})
    for prefix, (call, our_text, cli_text) in declared.items():
        assert any(call in d.calls for d in COMPONENT_DIFFERENCES), call
        assert [line for line in ours[1] if line.startswith(prefix + ":")] and \
            all(line.startswith(f"{prefix}: {our_text}") for line in ours[1] if line.startswith(prefix + ":"))
        assert [line for line in theirs[1] if line.startswith(prefix + ":")] and \
            all(line.startswith(f"{prefix}: {cli_text}") for line in theirs[1] if line.startswith(prefix + ":"))
    assert ours[0] == theirs[0]
    assert _set_aside(ours[1], declared) == _set_aside(theirs[1], declared)
    assert ours[2] == theirs[2]
    assert ours[3] == theirs[3]
    assert len(ours[1]) > 10  # the program ran to its end, not just started


@pytest.mark.parametrize("case_id", [c for c in CASES if CASES[c].program not in NOT_AS_MODULES])
def test_preview1_module_as_the_component(case_id, programs, tmp_path, engine_name):
    case = CASES[case_id]
    core, component = programs[case.program]
    env_flags = tuple(f for e in case.env for f in ("--env", e))
    def on_wasitool(path: Path, *flags: str):
        return lambda box: wasitool("run", *flags, *env_flags, "--dir", f"{box}::/sandbox", str(path), "--",
                                    *case.args, stdin=case.stdin)

    runs = [_run(tmp_path / "p1", on_wasitool(core, "--engine", engine_name)),
            _run(tmp_path / "p2", on_wasitool(component))]
    (p1_status, p1_out, p1_err, p1_tree), (_, p2_out, p2_err, p2_tree) = runs
    skip = (*ADAPTER_LINES.get(case.program, ()), *DECLARED.get(case.program, {}))
    assert _set_aside(p1_out, skip) == _set_aside(p2_out, skip)
    assert (p1_err, p1_tree) == (p2_err, p2_tree)
    # preview1 passes the exit status on; the 0.2 `exit` has only ok and err (status 1)
    assert p1_status == int(case.args[-1]) if case.args and case.args[-1].isdigit() else p1_status == 0
