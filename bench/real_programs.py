"""Real programs for bench/run.py (issue 21 item 4): a database shell, a scripting interpreter and a compressor
built from pinned third-party sources as a user builds them, their workloads and what each must print.

The programs and their sources are the port tests' (`tests/support/third_party.py`: the SQLite 3.52.0 shell,
Lua 5.1 by its own makefile, zlib 1.2.13's minigzip); each is built once with `wasitool exec` into
`<work>/real/<name>.wasm` and rebuilt when its recipe or the toolchain lock changes. Every workload's
output is checked against an oracle computed here in Python (Python's sqlite3 on the same SQL, a sieve,
the gzip module), so identical outputs on every runtime are also right ones.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.third_party import (  # noqa: E402
    LUA,
    MINIGZIP,
    SQLITE,
    PinMismatch,
    Program,
    SourceUnavailable,
    exec_args,
    extract_sources,
)

Check = Callable[[bytes, bytes], "str | None"]
PROGRAMS = (SQLITE, LUA, MINIGZIP)


def build(program: Program, work: Path) -> Path:
    """`<work>/real/<name>.wasm`, built from the pinned sources unless an up-to-date build is there."""
    from wasitool.shipped import SHIPPED_LOCK

    out = work / "real" / f"{program.name}.wasm"
    stamp = out.with_name(f"{program.name}.key")
    key = hashlib.sha256(repr(program).encode() + SHIPPED_LOCK.read_bytes()).hexdigest()
    if out.is_file() and stamp.is_file() and stamp.read_text() == key:
        return out
    for needed in ("sh", *program.needs):
        if shutil.which(needed) is None:
            raise SystemExit(f"bench: building {program.name} needs {needed}, which is not installed")
    sources = work / "real" / f"{program.name}-src"
    shutil.rmtree(sources, ignore_errors=True)
    sources.mkdir(parents=True)
    try:
        tree = extract_sources(program, sources)
    except (SourceUnavailable, PinMismatch) as exc:
        raise SystemExit(f"bench: no sources for {program.name}: {exc}") from None
    print(f"bench: building {program.name} with `wasitool {' '.join(exec_args(program)[:-1])} ...`",
          file=sys.stderr)
    proc = subprocess.run([sys.executable, "-m", "wasitool", *exec_args(program)], cwd=tree, capture_output=True,
                          text=True, check=False, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"bench: cannot build {program.name}:\n{(proc.stdout + proc.stderr)[-3000:]}")
    partial = out.with_name(f"{out.name}.part")
    shutil.copyfile(tree / program.output, partial)
    partial.replace(out)
    stamp.write_text(key)
    shutil.rmtree(sources)
    return out


# --- SQLite: create, insert, index, aggregate on a database file ------------------------------------------


def sqlite_script(rows: int) -> str:
    """Create a table, insert `rows` rows, index it, then two aggregate queries."""
    return (
        "create table t(id integer primary key, grp integer, name text, amount real);"
        f" with recursive c(x) as (select 1 union all select x + 1 from c where x < {rows})"
        f" insert into t select x, x % 100, printf('name-%06d', (x * 7919) % {rows}), (x % 1000) / 10.0 from c;"
        " create index t_grp on t(grp);"
        " select count(*), sum(amount), count(distinct name) from t;"
        " select grp, count(*), round(avg(amount), 3), max(name) from t group by grp"
        " order by sum(amount) desc, grp limit 3;")


def sqlite_expected(rows: int) -> str:
    """What the shell prints for `sqlite_script(rows)` (list mode), from Python's sqlite3 on the same SQL."""
    db = sqlite3.connect(":memory:")
    lines: list[str] = []
    for statement in sqlite_script(rows).split(";"):
        if statement.strip():
            lines += ["|".join(_shell_text(v) for v in row) for row in db.execute(statement)]
    db.close()
    return "".join(line + "\n" for line in lines)


def _shell_text(value: object) -> str:
    """A value as the shell's list mode prints it: reals as "%!.15g" (15 significant digits, a decimal point
    always shown), the rest as text."""
    if not isinstance(value, float):
        return str(value)
    text = f"{value:.15g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}"
    return text if "." in text or not text.lstrip("-").isdigit() else text + ".0"


def clear_database(directory: Path) -> Callable[[], None]:
    """Before each run: no database file (nor journal) left from the last one."""
    def prepare() -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("bench.db", "bench.db-journal"):
            (directory / name).unlink(missing_ok=True)

    return prepare


# --- Lua: a sieve, string building, pattern matching, recursion --------------------------------------------

LUA_SCRIPT = """\
-- CPU and string work: a prime sieve, string.format + table.concat, gmatch/gsub, recursion
local n = tonumber(arg[1])
local sieve, primes = {}, 0
for i = 2, n do
  if not sieve[i] then
    primes = primes + 1
    for j = i * i, n, i do sieve[j] = true end
  end
end
local parts = {}
for i = 1, n / 20 do parts[#parts + 1] = string.format("w%d:%x", i % 997, i * 7919 % 65521) end
local text = table.concat(parts, " ")
local counts, words, distinct = {}, 0, 0
for w in text:gmatch("w(%d+):") do
  if not counts[w] then distinct = distinct + 1 end
  counts[w] = (counts[w] or 0) + 1
  words = words + 1
end
local subs = select(2, text:gsub("%x+", string.upper))
local function fib(k) if k < 2 then return k end return fib(k - 1) + fib(k - 2) end
print(string.format("primes=%d words=%d distinct=%d subs=%d fib=%d len=%d", primes, words, distinct, subs,
  fib(24), #text))
"""


def lua_expected(n: int) -> str:
    """What LUA_SCRIPT prints for `n` (n a multiple of 20), computed in Python."""
    sieve = bytearray([1]) * (n + 1)
    sieve[:2] = b"\0\0"
    for i in range(2, int(n**0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytes(len(range(i * i, n + 1, i)))
    count = n // 20
    text = " ".join(f"w{i % 997}:{i * 7919 % 65521:x}" for i in range(1, count + 1))
    distinct = len({i % 997 for i in range(1, count + 1)})
    a, b = 0, 1
    for _ in range(24):
        a, b = b, a + b
    return f"primes={sum(sieve)} words={count} distinct={distinct} subs={2 * count} fib={a} len={len(text)}\n"


# --- minigzip: compress a text file, decompress it again ----------------------------------------------------


def text_file(path: Path, mib: int) -> Path:
    """`mib` MiB of text-like lines (words drawn with skewed letter frequencies, counters): made once."""
    size = mib << 20
    if path.is_file() and path.stat().st_size == size:
        return path
    rng = random.Random(21)
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    words = ["".join(rng.choices(letters, weights=range(26, 0, -1), k=rng.randint(2, 9))) for _ in range(4000)]
    out = bytearray()
    line = 0
    while len(out) < size:
        out += f"{' '.join(rng.choices(words, k=12))} {line} {rng.getrandbits(20)}\n".encode()
        line += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(bytes(out[:size]))
    partial.replace(path)
    return path


def gzip_file(source: Path) -> Path:
    """`source`.gz made by Python's gzip module (level 6, as minigzip), for the decompression workload."""
    target = source.with_name(source.name + ".gz")
    if not target.is_file() or target.stat().st_mtime < source.stat().st_mtime:
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(gzip.compress(source.read_bytes(), compresslevel=6, mtime=0))
        partial.replace(target)
    return target


def place(source: Path, directory: Path, name: str) -> Callable[[], None]:
    """Before each run: `directory` holds only `name`, a hard link to (or a copy of) `source`."""
    def prepare() -> None:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        try:
            os.link(source, directory / name)
        except OSError:
            shutil.copyfile(source, directory / name)

    return prepare


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compressed_check(directory: Path, name: str, original: Path) -> Check:
    """After a run: `name`.gz alone is left, it decompresses to `original`, and every runtime's is the same
    file, byte for byte."""
    want = _digest(original)
    digests: list[str] = []  # of the .gz files seen, in order; each decompressed once to check it

    def check(out: bytes, err: bytes) -> str | None:
        left = sorted(p.name for p in directory.iterdir())
        if left != [f"{name}.gz"]:
            return f"left {left}, expected [{name}.gz]"
        gz = directory / f"{name}.gz"
        digest = _digest(gz)
        if digests and digest != digests[0]:
            return f"{gz.name} differs from the first runtime's (sha256 {digest[:12]}, not {digests[0][:12]})"
        if not digests:
            if hashlib.sha256(gzip.decompress(gz.read_bytes())).hexdigest() != want:
                return f"{gz.name} does not decompress to {original.name}"
            digests.append(digest)
        return None

    return check


def decompressed_check(directory: Path, name: str, original: Path) -> Check:
    """After a run: `name` alone is left (the .gz is gone) and it is `original`."""
    want = _digest(original)

    def check(out: bytes, err: bytes) -> str | None:
        left = sorted(p.name for p in directory.iterdir())
        if left != [name]:
            return f"left {left}, expected [{name}]"
        return None if _digest(directory / name) == want else f"{name} differs from {original.name}"

    return check
