"""`wasitool inspect` on hostile modules (issue 19 items 2-3): every view costs O(module) time and memory
and prints a bounded answer saying what it left out. The big cases run in a subprocess under an
address-space limit (RLIMIT_AS), so a regression fails with MemoryError instead of taking the machine."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.wasm_bytes import HEADER, section, uleb
from wasitool.inspect_module import DEFAULT_INSTRUCTIONS, DEFAULT_ROWS, DEFAULT_STRINGS, MAX_INDENT

MEMORY_LIMIT = 1 << 30  # bytes of address space for one `wasitool inspect`


def one_function(code: bytes) -> bytes:
    """A module whose only function (exported as `f`) has `code` (its final `end` included)."""
    body = b"\x00" + code
    return (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00") + section(7, b"\x01\x01f\x00\x00")
            + section(10, uleb(1) + uleb(len(body)) + body))


def inspect(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    proc = subprocess.run([sys.executable, "-m", "wasitool", "inspect", str(path), *args], capture_output=True,
                          text=True, preexec_fn=limit, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return proc


@pytest.mark.parametrize("depth", [2000, 100_000])
def test_deep_nesting_is_shown_as_a_number_past_the_indent_cap(tmp_path: Path, depth: int) -> None:
    """2,000 nested blocks once printed 8 MB; 100,000 ran out of memory."""
    path = tmp_path / "nested.wasm"
    path.write_bytes(one_function(b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b"))
    lines = inspect(path, "--disasm", "f").stdout.splitlines()
    longest = max(len(line) for line in lines)
    assert longest < 20 + 2 * MAX_INDENT + 40, longest
    shown = min(2 * depth + 1, DEFAULT_INSTRUCTIONS)
    assert len(lines) == 1 + shown + (1 if 2 * depth + 1 > DEFAULT_INSTRUCTIONS else 0)
    deepest = min(depth, shown) - 1
    assert any(line.endswith(f"[depth {deepest}] block") for line in lines)
    if depth == 2000:
        assert lines[-1] == " " + f"{len(path.read_bytes()) - 1:06x}: end"


@pytest.mark.slow
def test_eight_megabytes_of_nops(tmp_path: Path) -> None:
    """An 8 MB body gave 109 MB of --disasm at 2.2 GB, and --callers took 1 GB."""
    path = tmp_path / "nops.wasm"
    path.write_bytes(one_function(b"\x01" * 8_000_000 + b"\x0b"))
    lines = inspect(path, "--disasm", "f").stdout.splitlines()
    assert len(lines) == 1 + DEFAULT_INSTRUCTIONS + 1
    assert lines[-1] == f" … {8_000_001 - DEFAULT_INSTRUCTIONS} more bytes of code (raise --limit)"
    assert inspect(path, "--callers", "f").stdout == "f (export func[0])\n"
    assert len(inspect(path, "--disasm", "f", "--limit", "5").stdout.splitlines()) == 1 + 5 + 1


@pytest.mark.slow
def test_megabytes_of_short_strings(tmp_path: Path) -> None:
    """50 MB of short strings made --data run past 30 s at 3 GB; here 10 MB, two million strings."""
    data = b"abcd\0" * 2_000_000
    segments = uleb(1) + b"\x00\x41\x00\x0b" + uleb(len(data)) + data
    path = tmp_path / "strings.wasm"
    path.write_bytes(HEADER + section(5, b"\x01\x00\x01") + section(11, segments))
    lines = inspect(path, "--data").stdout.splitlines()
    assert lines[0] == "data[0]: memory 0, 0x0-0x989680, 10000000 bytes, 1000 strings"
    assert lines[1:3] == ['  0x0  "abcd"', '  0x5  "abcd"']
    assert lines[-1] == f"  … {2_000_000 - DEFAULT_STRINGS} more strings (raise --limit)"
    report = json.loads(inspect(path, "--data", "--json", "--limit", "3").stdout)
    assert [len(s["strings"]) for s in report["segments"]] == [3]
    assert report["segments"][0]["more_strings"] == 2_000_000 - 3


def test_many_custom_sections(tmp_path: Path) -> None:
    """1,000,000 empty custom sections made plain `inspect` run past 30 s (each section copied the file)."""
    path = tmp_path / "customs.wasm"
    path.write_bytes(HEADER + b"\x00\x01\x00" * 100_000)
    out = inspect(path).stdout
    assert "sections (100000)" in out and f"… {100_000 - DEFAULT_ROWS} more (raise --limit)" in out
    assert out.count("Custom") == DEFAULT_ROWS
    info = json.loads(inspect(path, "--json", "--limit", "10").stdout)
    assert (len(info["sections"]), info["omitted"]) == (10, {"sections": 100_000 - 10})


@pytest.mark.slow
@pytest.mark.parametrize("named", [False, True])
def test_a_million_custom_sections(tmp_path: Path, named: bool) -> None:
    """1,000,000 custom sections (3-7 MB) took 10-24 s and 145-207 MB: a Python object per section.
    Sections are now offset arrays, so the walk costs a few bytecodes per section."""
    n = 1_000_000
    names = [f"s{i % 1000}".encode() if named else b"" for i in range(n)]
    path = tmp_path / "customs.wasm"
    path.write_bytes(HEADER + b"".join(section(0, uleb(len(name)) + name) for name in names))
    out = inspect(path).stdout
    assert f"sections ({n})" in out and f"… {n - DEFAULT_ROWS} more (raise --limit)" in out
    assert out.count("Custom") == DEFAULT_ROWS
    info = json.loads(inspect(path, "--json", "--limit", "3").stdout)
    assert [s["name"] for s in info["sections"]] == (["s0", "s1", "s2"] if named else ["", "", ""])
    assert info["omitted"] == {"sections": n - 3}


def test_a_hundred_thousand_tiny_functions(tmp_path: Path) -> None:
    """Each function body is three bytes; the bodies are offset arrays, not a tuple each."""
    n = 100_000
    path = tmp_path / "tiny.wasm"
    path.write_bytes(HEADER + section(1, b"\x01\x60\x00\x00") + section(3, uleb(n) + b"\x00" * n)
                     + section(10, uleb(n) + b"\x02\x00\x0b" * n))
    out = inspect(path).stdout
    assert f"{n} functions" in out and "sections (3)" in out
    assert inspect(path, "--disasm", f"func[{n - 1}]").stdout.splitlines() == [
        f"func[{n - 1}]: () -> nil", f" {len(path.read_bytes()) - 1:06x}: end"]


def test_a_long_call_chain(tmp_path: Path) -> None:
    """A 50,000-function chain took 13-20 s (`caller in path` on a list); here 20,000 functions."""
    n = 20_000
    bodies = b"".join(uleb(len(b)) + b for b in
                      (b"\x00" + (b"\x10" + uleb(i + 1) if i + 1 < n else b"") + b"\x0b" for i in range(n)))
    path = tmp_path / "chain.wasm"
    path.write_bytes(HEADER + section(1, b"\x01\x60\x00\x00") + section(3, uleb(n) + b"\x00" * n)
                     + section(7, b"\x01\x01f\x00\x00") + section(10, uleb(n) + bodies))
    (chain,) = inspect(path, "--callers", f"func[{n - 1}]").stdout.splitlines()
    links = chain.split(" <- ")
    assert len(links) == n and links[0] == f"func[{n - 1}]" and links[-1] == "f (export func[0])"
