"""The SQLite shell (shell.c + the sqlite3.c amalgamation) built as a user would, through `wasitool exec --posix`
with $CC, $AR and $RANLIB, and run on a database file in a preopened directory (issue 18).

The npm package sqlite3 6.0.1 carries SQLite 3.52.0's autoconf tarball (deps/sqlite-autoconf-3520000.tar.gz:
shell.c, sqlite3.c, sqlite3.h); the test fetches it with `npm pack` into build/third-party, pinned by sha256
(tests/support/third_party.py, which bench/ shares).
The two defines are SQLite's own for a platform without dlopen and threads; the porting layer gives the rest.
Compiling sqlite3.c takes about 40 s with zig, so the module builds it once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.third_party import SQLITE
from tests.toolchain.real_sources import built_port, guest_runners, run_guest

pytestmark = pytest.mark.slow

PIPED = "insert into t values (39);\nselect sum(x) from t;\n"
CREATE = "create table t(x); insert into t values (1),(2); select sum(x) from t;"


@pytest.fixture(scope="module")
def sqlite_shell(toolchain_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sqlite3.wasm, built from the amalgamation with the wrappers the porting layer sets."""
    return built_port(SQLITE, toolchain_home, tmp_path_factory)


def test_sqlite_shell_builds_and_keeps_a_database(sqlite_shell: Path, toolchain_home: Path, tmp_path: Path) -> None:
    assert sqlite_shell.read_bytes()[:4] == b"\0asm"
    for name, command in guest_runners(sqlite_shell).items():
        data = tmp_path / name
        data.mkdir()
        made = run_guest(toolchain_home, command, data, "db.sqlite", CREATE)
        assert (made.returncode, made.stdout) == (0, "3\n"), f"{name}: {made.stderr}"
        assert (data / "db.sqlite").read_bytes()[:16] == b"SQLite format 3\0"
        again = run_guest(toolchain_home, command, data, "db.sqlite", "select count(*), sum(x) from t;")
        assert (again.returncode, again.stdout) == (0, "2|3\n"), f"{name}: {again.stderr}"
        piped = run_guest(toolchain_home, command, data, "db.sqlite", stdin=PIPED)
        assert (piped.returncode, piped.stdout) == (0, "42\n"), f"{name}: {piped.stderr}"
        missing = run_guest(toolchain_home, command, data, "db.sqlite", "select * from nope;")
        assert missing.returncode == 1 and "no such table: nope" in missing.stderr, f"{name}: {missing.stderr}"
