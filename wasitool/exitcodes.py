"""The one table of wasitool's own exit statuses (a guest's `proc_exit` code passes through unchanged).

| status | meaning |
|---|---|
| 0..125 | the guest's `proc_exit(code)` (1 for any other code, as the wasmtime CLI), or 0 when `_start` returns |
| 1 | something was found wrong: a difference (`--diff`, `check`, `verify`, `trace-diff`), a compiler error |
| 2 | a `WasitoolError` (the problem and its fix on one line) or an argparse usage mistake |
| 3 | a wasitool bug: one line and a log in `<store>/logs/` |
| 124 | `--timeout` expired (coreutils `timeout`) |
| 130 | interrupted (SIGINT, Ctrl-C; 128 + the signal, as a shell reports it) |
| 134 | a wasm trap, out of `--fuel` included (SIGABRT's status, as the wasmtime CLI reports it) |
| 141 | stdout closed early (SIGPIPE's status) |

`WasitoolError` shares 2 with argparse's usage errors: the README documents 2 for "the module cannot run
here", and scripts tell the two apart by the one-line message, which both print in the same form.
"""

from __future__ import annotations

OK = 0
FAILED = 1
ERROR = 2
USAGE = ERROR
BUG = 3
GUEST_MAX = 125  # the largest proc_exit code reported as itself
TIMEOUT = 124
INTERRUPTED = 130
TRAP = 134
BROKEN_PIPE = 141
