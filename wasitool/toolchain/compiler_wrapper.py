"""What a compiler wrapper (`wasm32-wasi-cc`, `-c++`, the porting layer's `-posix-cc`) does around a command,
decided once for both kinds of wrapper.

`RULES` reads a command's arguments: whether it links, its output, `-g`, the setjmp/longjmp flags. The sh
wrappers carry it as a `case` (`sh_scan`), `scan` applies it in Python, with the same patterns in the same
order (the first that matches an argument wins, as in sh). Windows has no sh: its `.cmd` wrappers run
`python -m wasitool.toolchain.compiler_wrapper SPEC.json ARGS...`, which does what the sh wrappers do from the
`Spec` that `wasitool.toolchain.wrappers` writes beside them: refuse setjmp/longjmp where the source has
none, add the setjmp/longjmp compile flags and the link inputs, say when a zig link is slow
(`firstuse.watch`) and strip the C library's DWARF from the output of a link without `-g` (the `name`
section stays). It costs one Python start-up per command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import NamedTuple

# Arguments after which the compiler driver does not link.
NO_LINK = ("-c", "-S", "-E", "-M", "-MM", "-fsyntax-only", "-###", "--help", "--version", "-dumpversion",
           "-dumpmachine", "-print-*", "--print-*")
# Links whose output keeps its DWARF besides `-g`: relocatable and shared outputs (relocations refer to it).
KEEP_DEBUG = ("-r", "-shared", "-Wl,-r", "-Wl,--relocatable", "-Wl,-shared", "-Wl,--shared")
# Arguments that are link inputs (a command without any does not link, e.g. `cc -v`).
LINK_INPUTS = ("*.c", "*.cc", "*.cpp", "*.cxx", "*.C", "*.o", "*.obj", "*.a", "*.s", "*.S", "*.so", "-l*")
# (patterns, what an argument matching one of them means); the first rule that matches wins. `output` takes
# the next argument, `output=` the rest of this one after `-o`.
RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("-o",), "output"),
    (("-o*",), "output="),
    (NO_LINK, "nolink"),
    (("-wasm-enable-sjlj",), "sjlj"),
    (("-wasm-use-legacy-eh", "-wasm-use-legacy-eh=*"), "eh"),
    (("-g0", "-gno-*"), "nodebug"),
    (("-g*", *KEEP_DEBUG), "debug"),
    (LINK_INPUTS, "link"),
)
_SH_ACTIONS = {"output": "next=1", "output=": "out=${arg#-o}", "nolink": "nolink=1", "sjlj": "sjlj=1", "eh": "eh=1",
               "nodebug": "debug=", "debug": "debug=1", "link": "link=1"}


class Scan(NamedTuple):
    """What a compiler command does, as its arguments say."""

    links: bool  # a link input and nothing that stops before linking
    sjlj: bool  # `-mllvm -wasm-enable-sjlj`
    legacy_eh: bool  # the command chooses `-wasm-use-legacy-eh` itself
    debug: bool  # `-g…` (not undone by a later `-g0`), or a relocatable/shared output
    output: str  # the `-o` file, `a.out` without one

    @property
    def strips(self) -> bool:
        """A link whose output loses the C library's DWARF afterwards (not when written to stdout)."""
        return self.links and not self.debug and self.output != "-"


def scan(args: Sequence[str]) -> Scan:
    """Apply `RULES` to `args`, as the sh wrappers' `case` does."""
    seen: set[str] = set()
    output = ""
    expect_output = False
    for arg in args:
        if expect_output:
            output, expect_output = arg, False
            continue
        action = next((a for patterns, a in RULES if any(fnmatchcase(arg, p) for p in patterns)), None)
        if action == "output":
            expect_output = True
        elif action == "output=":
            output = arg[2:]
        elif action == "nodebug":
            seen.discard("debug")
        elif action is not None:
            seen.add(action)
    return Scan("link" in seen and "nolink" not in seen, "sjlj" in seen, "eh" in seen, "debug" in seen,
                output or "a.out")


def sh_scan() -> list[str]:
    """`RULES` as sh: sets `link nolink sjlj eh debug out` from "$@" (the sh wrappers' argument scan)."""
    return ["link= nolink= sjlj= eh= debug= out= next=",
            "for arg do",
            '  if [ -n "$next" ]; then out=$arg; next=; continue; fi',
            "  case $arg in",
            *(f"    {'|'.join(patterns)}) {_SH_ACTIONS[action]} ;;" for patterns, action in RULES),
            "  esac",
            "done"]


class Spec(NamedTuple):
    """One compiler wrapper: the command, its environment and what it adds (JSON beside a `.cmd` wrapper)."""

    name: str  # `wasm32-wasi-cc`: the prefix of its messages
    argv: list[str]
    env: dict[str, str]
    link_inputs: list[str]  # added to every link
    sjlj_flags: list[str]  # added before the arguments of a compile asking for setjmp/longjmp
    legacy_eh_flags: list[str]  # the same, unless the command chooses legacy exception handling itself
    sjlj_refusal: str  # the one-line error for setjmp/longjmp where the source has none ("": it has)
    zig: bool  # say so when a link is slow (zig building its C library)

    def to_json(self) -> str:
        return json.dumps(self._asdict(), indent=1, sort_keys=True) + "\n"


def command(spec: Spec, args: Sequence[str]) -> list[str] | None:
    """The argv the wrapper runs for `args`; None when it refuses them (`spec.sjlj_refusal`)."""
    found = scan(args)
    if found.sjlj and spec.sjlj_refusal:
        return None
    prefix = [*spec.sjlj_flags, *([] if found.legacy_eh else spec.legacy_eh_flags)] if found.sjlj else []
    return [*spec.argv, *prefix, *args, *(spec.link_inputs if found.links else [])]


def run(spec: Spec, args: Sequence[str]) -> int:
    """Run the wrapped compiler on `args` as the sh wrappers do; its exit status (or the strip's)."""
    argv = command(spec, args)
    if argv is None:
        print(spec.sjlj_refusal, file=sys.stderr)
        return 1
    found = scan(args)
    env = {**os.environ, **spec.env}
    if not found.links:
        return subprocess.call(argv, env=env)
    from wasitool.toolchain.firstuse import watch

    with watch(env if spec.zig else {}, spec.name):
        status = subprocess.call(argv, env=env)
    if status != 0 or not found.strips or not os.path.isfile(found.output):  # e.g. -o NUL
        return status
    from wasitool import wasmstrip

    return wasmstrip.main(["--strip-debug", "--", found.output])


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m wasitool.toolchain.compiler_wrapper SPEC.json [ARGS...]", file=sys.stderr)
        return 2
    try:
        spec = load_spec(args[0])
    except ValueError as exc:
        print(f"wasitool: error: {args[0]} is not a compiler wrapper's spec: {exc} (fix: run `wasitool setup` "
              "again: it rewrites the wrappers)", file=sys.stderr)
        return 2
    try:
        return run(spec, args[1:])
    except OSError as exc:  # the compiler (or its directory) is gone
        print(f"{spec.name}: error: cannot run {spec.argv[0]}: {exc.strerror or exc} (fix: run `wasitool setup` "
              "again)", file=sys.stderr)
        return 127


def load_spec(path: str) -> Spec:
    """The Spec in the file `path`; ValueError naming what is wrong with it (unreadable, not JSON, a field
    missing, unknown or of the wrong type)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from None
    except RecursionError:
        raise ValueError("it nests too deep") from None
    if not isinstance(data, dict) or set(data) != set(Spec._fields):
        raise ValueError(f"it is not an object of the fields {', '.join(Spec._fields)}")
    spec = Spec(**data)
    lists = (spec.argv, spec.link_inputs, spec.sjlj_flags, spec.legacy_eh_flags)
    if not (isinstance(spec.name, str) and isinstance(spec.sjlj_refusal, str) and isinstance(spec.zig, bool)
            and all(isinstance(v, list) and all(isinstance(a, str) for a in v) for v in lists) and spec.argv
            and isinstance(spec.env, dict) and all(isinstance(v, str) for v in spec.env.values())):
        raise ValueError("a field has the wrong type")
    return spec


if __name__ == "__main__":
    sys.exit(main())
