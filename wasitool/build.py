"""Running SCons for the CLI: build examples, `ensure_built(names)` for runners, reproducibility check.

SCons runs as a subprocess of the current interpreter (`python -m SCons`), from the project's root.
`ensure_built` first compares content hashes of every build input with a stamp written after the
last successful build (`out/.wasitool-stamp.json`), so an up-to-date run costs milliseconds instead of
a SCons start-up; anything else falls through to SCons, which stays the judge of what to rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasitool.digest import sha256_file
from wasitool.errors import BuildError
from wasitool.example_table import load_examples, select_examples
from wasitool.examples import Example
from wasitool.project import Project, current_or_bundled, export_project, load_project
from wasitool.shipped import PACKAGE, SCONS_TOOLS
from wasitool.store.atomic import write_json_atomic
from wasitool.store.filelock import exclusive_lock
from wasitool.toolchain.manifest import Toolchain
from wasitool.toolchain.select import load_toolchain, record_of

# The stamp: a second up-to-date record beside SCons's `.sconsign`, kept for `wasitool run NAME`, which asks
# `ensure_built` on every run. Checking it (one sha256 over the inputs, the outputs' sha256) took 60 ms for
# `fd_write` where a no-op `scons -Q out/fd_write.wasm` took 1.7 s (best of 5 and of 3, 2 shared cores,
# Python 3.11); SCons still decides what to rebuild whenever the stamp does not match. It also notices an
# edited output, which SCons (judging by the sources) would keep.
STAMP = ".wasitool-stamp.json"
ALIASES = ("examples", "wasm", "native")
_SKIP_DIRS = {"__pycache__", ".git"}


def scons_argv(*args: str) -> list[str]:
    """argv running the SCons that belongs to this interpreter."""
    return [sys.executable, "-m", "SCons", *args]


def run_scons(targets: Sequence[str], root: Path, *, jobs: int | None = None, capture: bool = False) -> str:
    """Run SCons on `targets` in `root`; BuildError (with the last output lines) if it fails."""
    argv = scons_argv("-Q", *(["-j", str(jobs)] if jobs else []), *targets)
    if capture:
        returncode, output = _run_captured(argv, root)
    else:
        returncode, output = subprocess.run(argv, cwd=root, stdin=subprocess.DEVNULL, check=False).returncode, ""
    if returncode != 0:
        errors = [line for line in output.splitlines() if line.startswith("scons: ***")]
        tail = errors[-1] if errors else (output.strip().splitlines() or [""])[-1]
        detail = f": {tail}" if tail else ""
        raise BuildError(
            f"scons {' '.join(targets) or '(default)'} failed (exit {returncode}){detail}",
            "fix the error above, then run `wasitool build` again",
        )
    return output


def _run_captured(argv: list[str], root: Path) -> tuple[int, str]:
    """Run `argv` in `root` with its output captured (stdout, then stderr), except zig's notices of a slow
    link (`firstuse.is_notice`), passed on to stderr as they come: nothing waits in silence."""
    import threading

    from wasitool.toolchain.firstuse import is_notice

    proc = subprocess.Popen(argv, cwd=root, text=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    errors: list[str] = []

    def pump(stream: Any) -> None:
        for line in stream:
            errors.append(line)
            if is_notice(line):
                print(line, end="", file=sys.stderr, flush=True)

    reader = threading.Thread(target=pump, args=(proc.stderr,), daemon=True)
    reader.start()
    output = proc.stdout.read()
    proc.wait()
    reader.join()
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, output + "".join(errors)


def resolve_targets(names: Iterable[str], examples: dict[str, Example]) -> list[str]:
    """SCons targets for CLI arguments: example names and aliases as they are, paths relative to root."""
    targets = []
    for name in names:
        if name in examples or name in ALIASES or "/" in name or os.sep in name or "." in name:
            targets.append(name)
        else:
            raise BuildError(f"no example or target named {name!r}", f"use one of: {', '.join(examples)}")
    return targets


def build(names: Sequence[str] = (), *, jobs: int | None = None, root: Path | None = None) -> None:
    """Build the given programs or SCons targets (default: all) of the project at `root` (default: the
    current one, or the bundled examples outside any), showing SCons' output."""
    project = load_project(root) if root is not None else current_or_bundled()
    load_toolchain(lock=project.lock)  # the one-line "run `wasitool setup`" error, before SCons starts
    examples = load_examples(project=project)
    targets = resolve_targets(names, examples)
    digest = inputs_digest(project)
    with _build_lock(project):
        run_scons(targets, project.root, jobs=jobs)
        _record(project, digest, _outputs_of_targets(targets, examples, project.root))


def ensure_built(names: Iterable[str], *, native: bool = False, root: Path | None = None) -> list[Path]:
    """Make sure the modules of programs `names` (and their native builds if `native`) are current.

    Returns the module paths in order. Quiet and fast when nothing changed since the last build;
    otherwise runs SCons for just those targets (BuildError with SCons' last error line on failure).
    """
    project = load_project(root) if root is not None else current_or_bundled()
    wanted = select_examples(names, load_examples(project=project))
    outputs = _outputs(wanted, native=native)
    digest = inputs_digest(project)
    if not _up_to_date(project, digest, outputs):
        toolchain = load_toolchain(lock=project.lock)
        _announce_libc_build(toolchain, wanted)
        with _build_lock(project):
            for path in _altered(project, digest, outputs):
                path.unlink()  # SCons judges by the sources only: it would keep an edited output
            run_scons([os.path.relpath(p, project.root).replace(os.sep, "/") for p in outputs], project.root,
                      capture=True)
            _record(project, digest, outputs)
    return [e.module for e in wanted]


def inputs_digest(project: Project) -> str:
    """sha256 over everything a build reads: sources, table, SConstruct, lock, the SCons tools and the
    toolchain record the lock selects."""
    h = hashlib.sha256()
    for label, path in _input_files(project):
        h.update(label.encode() + b"\0" + sha256_file(path).encode() + b"\n")
    record = record_of(project.lock)
    h.update(b"toolchain\0" + (sha256_file(record).encode() if record.is_file() else b"-") + b"\n")
    h.update(b"examples.py\0" + sha256_file(PACKAGE / "examples.py").encode() + b"\n")
    for var in ("CC", "SOURCE_DATE_EPOCH"):
        h.update(f"{var}={os.environ.get(var, '')}\n".encode())
    return h.hexdigest()


def _input_files(project: Project) -> Iterator[tuple[str, Path]]:
    """(label, path) of every file a build reads, in a stable order."""
    for label, path in (("SConstruct", project.root / "SConstruct"), ("table", project.table),
                        ("project", project.root / "wasitool.toml"), ("lock", project.lock)):
        if path.is_file():
            yield label, path
    for label, top in (("src", project.src), ("scons", SCONS_TOOLS)):
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                if path.is_file():  # never a FIFO or device: reading it could block forever
                    yield f"{label}/{path.relative_to(top).as_posix()}", path


def _outputs(examples: Iterable[Example], *, native: bool) -> list[Path]:
    paths: list[Path] = []
    for example in examples:
        paths += example.modules.values()  # the core module and/or the component
        if native and example.native_binary is not None and _host_cc_available():
            paths.append(example.native_binary)
    return paths


def _outputs_of_targets(targets: list[str], examples: dict[str, Example], root: Path) -> list[Path]:
    """The example outputs a successful SCons run on `targets` has brought up to date."""
    every = list(examples.values())
    if not targets or "examples" in targets:
        return _outputs(every, native=True)
    paths = []
    for target in targets:
        if target == "wasm":
            paths += _outputs(every, native=False)
        elif target == "native":
            paths += [p for p in _outputs(every, native=True) if p.parent.name == "native"]
        elif target in examples:
            paths += _outputs([examples[target]], native=True)
        else:
            known = {p.resolve() for p in _outputs(every, native=True)}
            if (root / target).resolve() in known:
                paths.append((root / target).resolve())
    return paths


def _host_cc_available() -> bool:
    return bool(shutil.which(os.environ.get("CC") or "cc") or shutil.which("gcc") or shutil.which("clang"))


def _read_stamp(project: Project) -> dict[str, Any]:
    try:
        stamp = json.loads((project.out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def _key(project: Project, path: Path) -> str:
    return path.relative_to(project.out).as_posix()


def _up_to_date(project: Project, digest: str, outputs: list[Path]) -> bool:
    stamp = _read_stamp(project)
    if stamp.get("inputs") != digest:
        return False
    recorded = stamp.get("outputs", {})
    for path in outputs:
        key = _key(project, path)
        if key not in recorded or not path.is_file() or sha256_file(path) != recorded[key]:
            return False
    return True


def _altered(project: Project, digest: str, outputs: list[Path]) -> list[Path]:
    """Outputs changed since the build that made them from these very inputs."""
    stamp = _read_stamp(project)
    if stamp.get("inputs") != digest:
        return []
    recorded = stamp.get("outputs", {})
    return [
        path for path in outputs
        if path.is_file() and recorded.get(_key(project, path)) not in (None, sha256_file(path))
    ]


def _record(project: Project, digest: str, outputs: list[Path]) -> None:
    """Remember that `outputs` were built from inputs with `digest` (merging with the last stamp)."""
    stamp = _read_stamp(project)
    recorded = stamp.get("outputs", {}) if stamp.get("inputs") == digest else {}
    for path in outputs:
        if path.is_file():
            recorded[_key(project, path)] = sha256_file(path)
    if digest == inputs_digest(project):  # an input edited during the build: record nothing
        write_json_atomic(project.out / STAMP, {"schema": 1, "inputs": digest, "outputs": recorded})


def _build_lock(project: Project) -> AbstractContextManager[None]:
    """One SCons run at a time per project (SCons' own state file is not shared-safe)."""
    waiting = f"waiting for another build of {project.root} to finish"
    return exclusive_lock(project.out / ".build.lock", on_wait=lambda: print(waiting, file=sys.stderr))


def _announce_libc_build(toolchain: Toolchain, examples: Iterable[Example]) -> None:
    """For builds whose output is captured: say on stderr that zig will first build its C library."""
    from wasitool.toolchain.firstuse import MESSAGE, libc_pending

    if any(e.language != "wat" for e in examples) and libc_pending(toolchain):
        print(MESSAGE, file=sys.stderr, flush=True)


# -- reproducibility ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReproReport:
    """Two clean builds compared: `hashes` of the first, names of `differing` files (empty: identical)."""

    hashes: dict[str, str]
    differing: list[str]
    trees: tuple[Path, Path]

    @property
    def identical(self) -> bool:
        return not self.differing


def check_reproducible(
    root: Path | None = None,
    *,
    jobs: int | None = None,
    prepare: Callable[[Path, int], None] | None = None,
    keep: bool = False,
) -> ReproReport:
    """Copy the project (sources, table, lock) into two fresh directories at different paths, build
    `wasm` in each and compare every `.wasm` and `SHA256SUMS` byte for byte.

    `prepare(tree, index)` may alter a copy before its build (tests inject a difference this way).
    The trees are removed afterwards unless `keep` or the builds differ. Raises BuildError only when
    a build fails; the caller decides what a difference means.
    """
    project = load_project(root) if root is not None else current_or_bundled()
    load_toolchain(lock=project.lock)
    base = Path(tempfile.mkdtemp(prefix="wasitool-repro-"))
    trees = (base / "first" / "checkout", base / "second-build" / "tree")
    hashes: list[dict[str, str]] = []
    for index, tree in enumerate(trees):
        out = build_clean(project, tree, jobs=jobs, prepare=None if prepare is None else _with_index(prepare, index))
        hashes.append({p.name: sha256_file(p) for p in [*sorted(out.glob("*.wasm")), out / "SHA256SUMS"]})
    first, second = hashes
    differing = sorted(name for name in first.keys() | second.keys() if first.get(name) != second.get(name))
    if not differing and not keep:
        shutil.rmtree(base, ignore_errors=True)
    return ReproReport(hashes=first, differing=differing, trees=trees)


def _with_index(prepare: Callable[[Path, int], None], index: int) -> Callable[[Path], None]:
    return lambda tree: prepare(tree, index)


def build_clean(project: Project, tree: Path, *, jobs: int | None = None,
                prepare: Callable[[Path], None] | None = None) -> Path:
    """Copy `project` into the fresh directory `tree`, build its modules there (`wasm`, never from a
    build cache) and return the out dir. `prepare(tree)` may alter the copy first."""
    export_project(project, tree)
    if prepare is not None:
        prepare(tree)
    _announce_libc_build(load_toolchain(lock=project.lock), load_examples(project=project).values())
    run_scons(["--cache-disable", "wasm"], tree, jobs=jobs, capture=True)
    return tree / "out"
