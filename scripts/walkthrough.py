#!/usr/bin/env python3
"""Write docs/walkthrough.md from real wasitool output: the notes' readdir investigation, retold.

    python scripts/walkthrough.py           # build the examples it needs, run every command, write the page
    python scripts/walkthrough.py --check   # the same, but compare with the committed page (exit 1 if stale)

Every command shown on the page is run here with `python -m wasitool` against the installed
toolchain ($WASITOOL_HOME). Three things are normalised, and said so on the page: the checkout's
path becomes `.`, inode numbers become `…` (they differ on every copy of the fixture), and the
directory listings of the 300-file run show their entry count instead of 300 names. `--check`
also ignores what depends on the host's directory order: the order of lines and of dirents.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "walkthrough.md"
COLUMNS = "100"
MANY_FILES = 300
Transform = Callable[[str], str]


def wasitool(*argv: str, cwd: Path = ROOT) -> tuple[int, str, str]:
    """Run `wasitool ARGV` as a user would; (exit status, stdout, stderr)."""
    env = {**os.environ, "COLUMNS": COLUMNS, "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run([sys.executable, "-m", "wasitool", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def normalise(text: str) -> str:
    """Output as the page shows it: paths relative, inode numbers elided, no "still building after 3 s"
    notice (whether a link takes that long depends on the machine's load, not on the command)."""
    from wasitool.toolchain.firstuse import is_notice

    text = text.replace(str(ROOT), ".")
    text = re.sub(r"d_ino=\d+", "d_ino=…", text)
    return "".join(line.rstrip() + "\n" for line in text.splitlines() if not is_notice(line))  # rich pads titles


def count_entries(text: str) -> str:
    """`buf=[{...}, {...}, ...]` -> `buf=[… N entries …]` (for listings too long to read)."""
    return re.sub(r"buf=\[(.*)\]$", lambda m: f"buf=[… {m.group(1).count('d_next=')} entries …]", text, flags=re.M)


def first_lines(n: int) -> Transform:
    def cut(text: str) -> str:
        lines = text.splitlines()
        rest = len(lines) - n
        return "\n".join(lines[:n] + ([f"… ({rest} more lines)"] if rest > 0 else [])) + "\n"
    return cut


def tables(*titles: str) -> Transform:
    """Keep the heading (the lines before the first table's title) and the tables whose title starts with one
    of `titles` (a rich table ends at its `└` line)."""
    def keep(text: str) -> str:
        lines = text.splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith("┏")), len(lines)) - 1
        kept, inside = lines[:first], False
        for line in lines[first:]:
            if not line.startswith(("┏", "┃", "┡", "│", "└", "┗")) and not inside:
                inside = line.startswith(titles)
                if inside:
                    kept.append(line)
                continue
            if inside:
                kept.append(line)
                inside = not line.startswith("└")
        return "\n".join(kept) + "\n"
    return keep


def calls_only(text: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if " call " in f" {line.split(': ', 1)[-1]}")


class Page:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def prose(self, text: str) -> None:
        self.parts.append(text.strip("\n") + "\n")

    def run(self, command: str, *, cwd: Path = ROOT, stdout: Transform | None = None, stderr: Transform | None = None,
            show_stdout: bool = True, expect_status: int = 0, label_streams: bool = False) -> tuple[str, str]:
        """Run `command` (a wasitool command line) and show it with its output."""
        argv = command.split()[1:]
        status, out, err = wasitool(*argv, cwd=cwd)
        if status != expect_status:
            raise SystemExit(f"walkthrough: `{command}` exited {status}:\n{err}")
        out, err = normalise(out), normalise(err)
        out = stdout(out) if stdout else out
        err = stderr(err) if stderr else err
        block = [f"$ {command}"]
        if label_streams:
            if err:
                block += ["# the trace (stderr):", err.rstrip("\n")]
            if show_stdout and out:
                block += ["# the program's output (stdout):", out.rstrip("\n")]
        else:
            block += [s.rstrip("\n") for s in (out if show_stdout else "", err) if s]
        self.parts.append("```console\n" + "\n".join(block) + "\n```\n")
        return out, err

    def text(self) -> str:
        return "\n".join(self.parts)


def build_page() -> str:
    status, _, err = wasitool("build", "readdir", "compiler_rt", "args_layout", "hello_p2", "args_sizes_get")
    if status != 0:
        raise SystemExit(f"walkthrough: wasitool build failed:\n{err}")
    page = Page()
    page.prose(INTRO)
    page.run("wasitool inspect readdir")
    page.prose(CALLERS)
    page.run("wasitool inspect readdir --callers fd_readdir")
    page.prose(WRAPPER)
    page.run("wasitool inspect readdir --disasm __wasi_fd_readdir")
    page.prose(READDIR)
    page.run("wasitool inspect readdir --disasm readdir", stdout=first_lines(36))
    page.prose(READDIR_CALLS)
    page.run("wasitool inspect readdir --disasm readdir", stdout=calls_only)
    page.prose(RUN)
    page.run("wasitool run readdir --trace=path_open,fd_readdir", label_streams=True)
    page.prose(MANY)
    with tempfile.TemporaryDirectory(prefix="wasitool-walkthrough-") as tmp:
        work = Path(tmp)
        (work / "out").symlink_to(ROOT / "out")
        (work / "many").mkdir()
        for i in range(MANY_FILES):
            (work / "many" / f"file-{i:03d}").touch()
        page.run("wasitool run out/readdir.wasm --dir many::. --trace=fd_readdir", cwd=work, show_stdout=False,
                 stderr=count_entries)
    page.prose(MANY_AFTER)
    page.run("wasitool run compiler_rt")
    page.prose(COMPILER_RT)
    page.run("wasitool inspect compiler_rt --callers __divti3")
    page.prose(ARGS_LAYOUT)
    page.run("wasitool run args_layout --trace=args_*", label_streams=True)
    component_section(page)
    page.prose(OUTRO)
    return page.text()


def component_section(page: Page) -> None:
    """7. From preview1 to a component: hello_p2 built both ways, inspected, traced, and where they differ."""
    page.prose(COMPONENT)
    page.run("wasitool inspect hello_p2", stdout=tables("imports"))
    page.prose(COMPONENT_INSPECT)
    page.run("wasitool inspect out/hello_p2.p2.wasm", stdout=tables("preview1 calls"))
    page.prose(COMPONENT_TRACES)
    with tempfile.TemporaryDirectory(prefix="wasitool-walkthrough-") as tmp:
        work = Path(tmp)
        (work / "out").symlink_to(ROOT / "out")
        for name in ("p1", "p2"):
            (work / name).mkdir()
        flags = "--env GREETING=hi --trace"
        page.run(f"wasitool run out/hello_p2.wasm --dir p1::. {flags}=fd_write -- one", cwd=work,
                 label_streams=True)
        page.run(f"wasitool run out/hello_p2.p2.wasm --dir p2::. {flags}=blocking-write-and-flush -- one",
                 cwd=work, label_streams=True)
        page.prose(COMPONENT_DIVERGES)
        page.run("wasitool check args_sizes_get args_sizes_get.p2 --runtime python-wasmtime --runtime wasmtime-cli "
                 "--runtime wasmtime-py-wasip2")
        page.prose(COMPONENT_HEAP)
        page.prose(f"```c\n{HEAP_C}```")
        (work / "heap.c").write_text(HEAP_C)
        p1, _ = page.run("wasitool run heap.c", cwd=work, expect_status=3)
        p2, _ = page.run("wasitool run heap.c --wasi p2", cwd=work, expect_status=1)
    moved = int(p2.split()[-1], 16) - int(p1.split()[-1], 16)
    pages = moved // 65536
    page.prose(COMPONENT_AFTER.format(moved=f"{moved:#x} bytes ({pages} page{'s' if pages != 1 else ''} of 64 KiB)"))


def canonical(text: str) -> list[str]:
    """What --check compares: host directory order removed (lines sorted per block, dirents sorted)."""
    blocks = re.split(r"^```.*$", text, flags=re.M)
    out: list[str] = []
    for i, block in enumerate(blocks):
        lines = block.splitlines()
        if i % 2:  # inside a code block
            lines = sorted(_sort_dirents(line) for line in lines)
        out += lines
    return out


def _sort_dirents(line: str) -> str:
    line = re.sub(r"d_next=\d+", "d_next=?", line)
    m = re.search(r"buf=\[(\{.*\})\]", line)
    if not m:
        return line
    records = sorted(re.findall(r"\{[^{}]*\}", m.group(1)))
    return line[: m.start(1)] + ", ".join(records) + line[m.end(1) :]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with docs/walkthrough.md instead of writing it")
    args = parser.parse_args()
    text = build_page()
    if not args.check:
        PAGE.write_text(text, encoding="utf-8")
        print(f"wrote {PAGE.relative_to(ROOT)}")
        return 0
    committed = PAGE.read_text(encoding="utf-8") if PAGE.is_file() else ""
    if canonical(committed) == canonical(text):
        print(f"{PAGE.relative_to(ROOT)} is up to date")
        return 0
    diff = difflib.unified_diff(committed.splitlines(), text.splitlines(), "committed", "generated", lineterm="")
    print("\n".join(diff))
    print(f"{PAGE.relative_to(ROOT)} is stale: run `python scripts/walkthrough.py` and commit it", file=sys.stderr)
    return 1


INTRO = """
<!-- Generated by scripts/walkthrough.py from real output; do not edit by hand (a test re-runs it). -->
# Walkthrough: who calls `fd_readdir`?

The learning notes this project grew from spend pages on one question, asked while fixing a
`fd_readdir` bug in uvwasi: in a C program that lists a directory with `opendir`/`readdir`, which code
calls the `fd_readdir` import, and how does wasi-libc decide whether to call it again? The notes
answered it by hand: `wasm-objdump -d`, a search for `call 6`, then for the callers of function 32,
then of function 25, reading `struct _DIR` field by field. This page retells that investigation with
wasitool commands only.

Everything below is real output: `scripts/walkthrough.py` ran each command with the pinned toolchain
and wrote this page, and a test runs it again and compares, so the page cannot go stale. Three
things are normalised: the checkout's path is shown as `.`, inode numbers as `…` (every run copies
the fixture afresh), and the listings of the 300-file run are shown as entry counts. The order of
directory entries is whatever the host's filesystem gives.

## 1. The module

`readdir.c`, one of the examples bundled with wasitool (`wasitool/bundled/src/`), is an ordinary C
program: `opendir(".")`, then `readdir` until it returns NULL. In this checkout (a wasitool project
too), `wasitool build readdir` compiles it with the pinned toolchain into `out/readdir.wasm`; the build
keeps the module's `name` section (only the debug info is stripped), so functions have names.
`wasitool inspect` reads the module itself, no wabt needed:
"""

CALLERS = """
Every import comes from `wasi_snapshot_preview1`; `fd_readdir` is one of them. Nothing called
`readdir` is visible from the outside: `_start` is the only exported function. The one global,
`__stack_pointer`, is the linker's: the C stack lives in linear memory below its initial value and
grows down; the static data (the `Data` section) starts there.

## 2. Who calls `fd_readdir`

The notes searched the disassembly for `call 6`, then for calls to each caller found, until they
reached code they recognised. `--callers` does that search for every path at once, up to the
exports:
"""

WRAPPER = """
Two chains. The second is the one the notes followed: `readdir` calls `__wasi_fd_readdir` (the
notes' "func 32"), which calls the import. The first is a surprise the notes did not mention:
`opendir` (through `fdopendir`) also calls `fd_readdir`. wasi-libc checks that the descriptor really
is a directory by loading the first buffer of entries right away.

The wrapper is the notes' function 32 exactly: pass the five arguments on, keep the low 16 bits of
the errno:
"""

READDIR = """
## 3. Inside `readdir`

The notes annotated the start of function 25 against wasi-libc's `readdir.c`. The same lines,
with the offsets into `struct _DIR` the notes worked out: `+28` is `buffer_used`, `+20`
`buffer_processed`, `+24` `buffer_size` (and `+16` is `buffer`: the 8-byte `cookie` is aligned to
offset 8, so the pointer after it sits at 16). `i32.const 23` / `i32.gt_u` is
`buffer_left < sizeof(__wasi_dirent_t)` turned around: a dirent header is 24 bytes (8 + 8 + 4 + 1,
padded to 8), which is why the notes found 23 where they expected 21:
"""

READDIR_CALLS = """
Its calls, with their targets' names: `realloc` to grow the `struct dirent` it returns, `memchr`
to refuse names containing a NUL, `fstatat` and `__wasilibc_iftodt` when the host did not say
what type an entry is, and `__wasi_fd_readdir` when the buffer is used up:
"""

RUN = """
So `readdir` calls `fd_readdir` again only when the buffer is exhausted and the last call filled
it completely: `if (dirp->buffer_used < dirp->buffer_size) return NULL;` is the end-of-directory
test. The uvwasi bug the notes were chasing was a wrong return value from `fd_readdir`: a runtime
that reports a full buffer (`bufused` equal to the buffer size) when it is not makes wasi-libc ask
again; one that reports less than a full buffer before the end makes it stop early and lose entries.

## 4. Watch it run

`--trace` prints every WASI call with what its pointers point at. Filtered to the two calls of
interest:
"""

MANY = """
`opendir` is `path_open` with `O_DIRECTORY` on the preopened directory `.`; the one `fd_readdir`
call (from `fdopendir`, as `--callers` showed) returns 146 bytes: five dirents, `.` and `..`
included. 146 is less than the 4096 asked for, so `readdir` hands out the five entries (the
program skips `.` and `..`) and then reports the end of the directory without calling
`fd_readdir` again.

## 5. A directory that does not fit in one buffer

With 300 files, 32 bytes each (a 24-byte header and an 8-byte name), the entries need more than
one 4096-byte buffer:
"""

MANY_AFTER = """
Each call but the last fills the buffer completely (`bufused=4096`; an entry that does not fit
whole is cut off and comes again in the next buffer), so `readdir` calls again, passing as `cookie`
the `d_next` of the last entry it returned. The final call returns less than 4096 bytes: the end.

## 6. The notes' missing examples

The notes' section on compiler-rt ends with "TODO: Add an example of this". wasm32 has 64-bit
integers and doubles, but no 128-bit integers and no quad-precision floats; `__int128` arithmetic
and `long double` (IEEE quad on wasm32) become calls to compiler-rt builtins that the linker copies
into the module. The `compiler_rt` example multiplies and divides 128-bit numbers and converts a
`long double`, with operands from its arguments so that nothing is computed at compile time:
"""

COMPILER_RT = """
`__multi3`, `__udivti3`, `__divti3`, `__floatunditf`, `__divtf3`, `__multf3` and `__fixunstfdi`
are functions of the module. `__divti3`, signed 128-bit division, is called from `main`:
"""

ARGS_LAYOUT = """
The notes also drew how `args_get` lays out the arguments: an array of pointers, one per
argument, pointing into one buffer of NUL-terminated strings. The `args_layout` example calls
`args_sizes_get` and `args_get` itself and prints the layout; the trace shows the same from the
host's side, each pointer with the string it points at:
"""

COMPONENT = """
## 7. From preview1 to a component

Everything above is preview1: a core module importing `wasi_snapshot_preview1` functions that pass
pointers into its memory. WASI 0.2 is built on the component model instead: a component imports typed
interfaces (`wasi:cli/environment`, `wasi:io/streams`, `wasi:filesystem/types`, …) whose strings, lists
and handles cross by value. A preview1 program does not need rewriting to become one: the preview1
adapter, a core module that exports the `wasi_snapshot_preview1` functions and implements each with 0.2
calls, is linked in by `wasm-tools component new`. The `hello_p2` example is one C program built both
ways (`wasi = ["p1", "p2"]` in its table entry): `out/hello_p2.wasm` and `out/hello_p2.p2.wasm`. It prints
its arguments and `$GREETING`, then writes a file in its preopened directory and reads it back.

The core module imports preview1 functions, as every module above:
"""

COMPONENT_INSPECT = """
The component holds four core modules (its `core modules` table, left out here): the program (the same
code, still importing preview1), the adapter, and wit-component's shim and fixup, which
break the cycle between them (the adapter needs the program's memory, the program needs the adapter's
functions). Its world imports fifteen 0.2 interfaces and exports `wasi:cli/run`. `inspect` also reads the
adapter's code: which 0.2 functions each preview1 call of the program can reach:
"""

COMPONENT_TRACES = """
The same writes seen from both hosts: wasitool's preview1 host traces `fd_write` with its iovecs;
wasitool's 0.2 host traces what the adapter turned them into, `output-stream.blocking-write-and-flush`
with the bytes as a `list<u8>` on a stream handle (`output-stream#2` is stdout, `#7` the file's stream):
"""

COMPONENT_DIVERGES = """
The output is the same, the calls are not one for one: the first `fd_write` carries two iovecs (the text
and its newline), and the adapter, like the wasmtime CLI, moves only the first non-empty one per call and
reports a short write; wasi-libc writes the rest with a second call. (wasitool's preview1 host moves all
iovecs in one call, a difference it declares in `CALL_DIFFERENCES`.)

Where a component legitimately differs, `wasitool check` says so: each example built as a component has
a second row, `NAME.p2`, judged by the same expectation on the runtimes that run components, and the
differences allowed are declared once, in `wasitool/legit_differences.py`.
`args_sizes_get` ends with `proc_exit(argc)`, status 3; a component ends through `wasi:cli/exit`, whose
status is `result<_, _>`: ok or err, nothing else, so the adapter maps every non-zero status to err, 1:
"""

COMPONENT_HEAP = """
(`pass*`: passed with a declared difference. The core-only runtimes, node's `node:wasi` and wasmer, say
`unsupported` for a component row; the component-only ones say it of the preview1 row.)

The other difference a program can see is its memory layout. The adapter keeps its own state in the
program's memory: a module that exports no `cabi_realloc` (zig's and wasi-sdk's preview1 output export
none) gives the adapter pages taken with `memory.grow` before `main` runs, so the heap starts higher and
an address the program prints moves. A program that prints where `malloc` put its block, then exits 3:
"""

COMPONENT_AFTER = """
Same code, same libc, the block {moved} higher, and status 1 for `exit(3)`. Neither is a bug of
either host: addresses are the program's business, and 0.2's `wasi:cli/exit` carries no number. Both are
entries of `wasitool/legit_differences.py` for every `*.p2` row (an address printed may be whole 64 KiB
pages higher than expected; an expected status other than 0 becomes 1), and
`tests/check/test_component_divergences.py` builds this program both ways and checks that, with those
two entries applied, the component's run equals its preview1 build's on every 0.2 host.

What wasitool supports of each WASI version, and what not yet (0.3, async), is in the README.
"""

HEAP_C = """#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *block = malloc(100);
    printf("malloc(100) = %p\\n", (void *)block);
    free(block);
    return 3;
}
"""

OUTRO = """
## The commands

| step | command |
|---|---|
| build | `wasitool build readdir` |
| imports, exports, globals | `wasitool inspect readdir` |
| call chains up to the exports | `wasitool inspect readdir --callers fd_readdir` |
| one function's code | `wasitool inspect readdir --disasm readdir` |
| the calls, decoded | `wasitool run readdir --trace` |
| only some calls | `wasitool run readdir --trace=path_open,fd_readdir` |
| one JSON object per call | `wasitool run readdir --trace-format json` |
| a table per call (count, errors, time) | `wasitool run readdir --trace-summary` |
| a component's world, core modules, preview1 mapping | `wasitool inspect out/hello_p2.p2.wasm` |
| a component's 0.2 calls | `wasitool run out/hello_p2.p2.wasm --trace` |
| preview1 and component rows side by side | `wasitool check hello_p2 hello_p2.p2` |
| one source file as a component | `wasitool run heap.c --wasi p2` |
"""


if __name__ == "__main__":
    sys.exit(main())
