"""wasitool's exit statuses come from one table (`wasitool.exitcodes`), the one the README shows; an error's
`one_line()` is one line and `report()` is what the CLI prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from wasitool import exitcodes
from wasitool.engines.limits import INTERRUPT_EXIT, TIMEOUT_EXIT
from wasitool.engines.traps import TRAP_EXIT_CODE
from wasitool.errors import CompileError, WasitoolError
from wasitool.wasi.config import EXIT_CODE_MAX, exit_status

README = Path(__file__).resolve().parent.parent / "README.md"


def documented_statuses(text: str) -> set[int]:
    """The numeric statuses of the first markdown table after the heading about exit statuses."""
    section = text[text.index("exit statuses"):]
    table = re.search(r"\n\| status \| meaning \|\n\|---\|---\|\n((?:\|.*\n)+)", section)
    assert table is not None
    return {int(cell) for cell in re.findall(r"^\| (\d+) \|", table.group(1), flags=re.M)}


def test_the_readme_table_is_the_module_table() -> None:
    own = {exitcodes.ERROR, exitcodes.BUG, exitcodes.TIMEOUT, exitcodes.INTERRUPTED, exitcodes.TRAP}
    assert documented_statuses(README.read_text(encoding="utf-8")) == own
    module_table = documented_statuses("exit statuses\n" + (exitcodes.__doc__ or "").split("\n", 1)[1])
    assert module_table == {exitcodes.FAILED, exitcodes.ERROR, exitcodes.BUG, exitcodes.TIMEOUT,
                            exitcodes.INTERRUPTED, exitcodes.TRAP, exitcodes.BROKEN_PIPE}


def test_every_room_takes_its_status_from_the_table() -> None:
    assert (TIMEOUT_EXIT, INTERRUPT_EXIT, TRAP_EXIT_CODE) == (exitcodes.TIMEOUT, exitcodes.INTERRUPTED, exitcodes.TRAP)
    assert WasitoolError("x").exit_code == exitcodes.ERROR and CompileError("x").exit_code == exitcodes.FAILED
    assert EXIT_CODE_MAX == exitcodes.GUEST_MAX
    assert [exit_status(code) for code in (0, 125, 126, 256)] == [0, 125, exitcodes.FAILED, exitcodes.FAILED]


def test_usage_errors_and_wasitool_errors_exit_with_their_status(tmp_path: Path) -> None:
    usage = subprocess.run([sys.executable, "-m", "wasitool", "run", "--engine", "nope", "x.wasm"],
                           capture_output=True, text=True)
    assert usage.returncode == exitcodes.USAGE and usage.stderr.startswith("wasitool: error: ")
    missing = subprocess.run([sys.executable, "-m", "wasitool", "run", str(tmp_path / "absent.wasm")],
                             capture_output=True, text=True, cwd=tmp_path)
    assert missing.returncode == exitcodes.ERROR and missing.stderr.startswith("wasitool: error: ")
    assert len(missing.stderr.strip().splitlines()) == 1


def test_one_line_is_one_line_and_the_cli_reports_every_failed_source() -> None:
    from wasitool.toolchain.setup import SourcesExhausted

    exc = SourcesExhausted("zig", "linux-x86_64", ["pip: offline", "archive: sha256 mismatch\n  expected ab"],
                           "re-run without --offline")
    assert exc.one_line() == ("could not install zig for linux-x86_64: pip: offline; archive: sha256 mismatch "
                              "expected ab (fix: re-run without --offline)")
    assert exc.report().splitlines() == ["could not install zig for linux-x86_64:", "  pip: offline",
                                         "  archive: sha256 mismatch", "  expected ab",
                                         "  fix: re-run without --offline"]
    assert WasitoolError("a\n b", "c").report() == WasitoolError("a\n b", "c").one_line() == "a b (fix: c)"
