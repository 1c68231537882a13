"""strace-like tracing of host calls (`wasitool run --trace`), reading guest memory for you.

Host functions are wrapped only when a tracer is given, and only the calls it selects, so an
untraced run pays nothing (this module is not even imported). One line per call, written and
flushed after the call returns:

    NAME(P1=V1, P2=V2, ...) -> ERRNO (ENAME)[, OUT1=W1, ...]

- parameters in witx order with their witx names, decoded before the call (`trace_decode`):
  pointers in hex, strings and paths as escaped text (`path="subdir"`), the bytes an fd_write
  sends (`iovs=[{buf="Hello\\n", buf_len=6}]`, cut after `max_bytes` with `"..."...`), flags,
  rights, whence, clock ids and event types by name (`oflags=O_DIRECTORY`, `fdflags=APPEND|NONBLOCK`),
  other numbers in decimal;
- ERRNO is the returned number and ENAME its name;
- only on success, what the call wrote: each out-pointer (`opened_fd=4`, structs as
  `{filetype=DIRECTORY, ...}`), then the buffers it filled: `buf=[{d_next=1, d_ino=..., d_namlen=1,
  d_type=DIRECTORY, name="."}, ...]` for fd_readdir, `data="..."` for fd_read, `argv=[0x...->"prog"],
  argv_buf="prog\\0"` for args_get, `out=[{userdata=1, error=ESUCCESS, type=CLOCK}]` for poll_oneoff;
- memory the decoder cannot read shows as `<fault>`; the guest sees exactly what it would untraced.

`proc_exit` never returns; it is printed before it runs as `proc_exit(rval=N)`.
With `fmt="json"` each call is one JSON object per line (`call`, `args`, `result`, `errno`, `out`,
`time_ns`). With `summary=True`, `write_summary()` prints a table per call (count, errors, time),
like `strace -c`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from typing import TextIO

from .errno import errno_name
from .signatures import SIGNATURES, Signature
from .trace_decode import TraceEnv, decode_outputs, decode_params
from .trace_values import Value

HostFunction = Callable[..., "int | None"]
FORMATS = ("text", "json")
DEFAULT_MAX_BYTES = 32


def select_calls(spec: str) -> frozenset[str]:
    """The call names `spec` selects: `all`, or comma-separated names and globs (`fd_*`); `!x` drops x.

    ValueError naming the first item that matches no preview1 function.
    """
    items = [s.strip() for s in spec.split(",") if s.strip()]
    chosen: set[str] = set()
    if not items or all(item.startswith("!") for item in items):
        chosen = set(SIGNATURES)
    for item in items:
        negate = item.startswith("!")
        pattern = item[1:] if negate else item
        matched = set(SIGNATURES) if pattern == "all" else {n for n in SIGNATURES if fnmatchcase(n, pattern)}
        if not matched:
            raise ValueError(f"`{pattern}` matches no wasi_snapshot_preview1 function")
        chosen = chosen - matched if negate else chosen | matched
    return frozenset(chosen)


class CallStats:
    __slots__ = ("calls", "errors", "ns")

    def __init__(self) -> None:
        self.calls = self.errors = self.ns = 0


class Tracer:
    """Wraps host functions to report each call to `out` (lines and/or a summary at the end)."""

    def __init__(self, out: TextIO, calls: Iterable[str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 fmt: str = "text", lines: bool = True, summary: bool = False) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown trace format {fmt!r}")
        self.out = out
        self.calls = frozenset(SIGNATURES) if calls is None else frozenset(calls)
        self.max_bytes = max_bytes
        self.fmt = fmt
        self.lines = lines
        self.summary = summary
        self.stats: dict[str, CallStats] = {}
        self.marks: list[str] = []  # what interposers did to the current call (`wasi.interpose`)
        self.extra: dict[str, list[str]] = {}  # what they learnt about it: `stack` (`wasi.stacks`)

    def wants(self, name: str) -> bool:
        return name in self.calls and (self.lines or self.summary)

    def flush(self) -> None:
        """Write out the buffered trace lines."""
        self.out.flush()

    def wrap(self, fn: HostFunction, sig: Signature, env: TraceEnv) -> HostFunction:
        """`fn` (already guarded), reporting every call."""
        stats = self.stats.setdefault(sig.name, CallStats())
        lines = self.lines
        marks = self.marks
        extra = self.extra
        if not sig.results:  # proc_exit: report first, it raises

            def traced_exit(*args: int) -> int | None:
                stats.calls += 1
                marks.clear()
                extra.clear()
                if lines:
                    self._emit(sig, decode_params(sig, args, env), None, [], None)
                return fn(*args)

            return traced_exit

        def traced_call(*args: int) -> int | None:
            params = decode_params(sig, args, env) if lines else []
            marks.clear()
            extra.clear()
            start = time.perf_counter_ns()
            result = fn(*args)
            elapsed = time.perf_counter_ns() - start
            code = int(result or 0)
            stats.calls += 1
            stats.ns += elapsed
            if code:
                stats.errors += 1
            if lines:
                outputs = decode_outputs(sig, args, env) if code == 0 else []
                self._emit(sig, params, code, outputs, elapsed)
            return result

        return traced_call

    def _emit(self, sig: Signature, params: list[tuple[str, Value]], code: int | None,
              outputs: list[tuple[str, Value]], elapsed: int | None) -> None:
        if self.fmt == "json":
            record: dict[str, object] = {"call": sig.name, "args": {k: v.json() for k, v in params}}
            if code is not None:
                record.update(result=code, errno=errno_name(code), out={k: v.json() for k, v in outputs},
                              time_ns=elapsed)
            if code is not None and self.marks:
                record["injected"] = list(self.marks)
            if "stack" in self.extra:
                record["stack"] = self.extra["stack"]
            line = json.dumps(record, ensure_ascii=False)
        else:
            line = f"{sig.name}({', '.join(f'{k}={v.text()}' for k, v in params)})"
            if code is not None:
                line += f" -> {code} ({errno_name(code)})" + "".join(f", {k}={v.text()}" for k, v in outputs)
                if self.marks:
                    line += " [injected]"
            if "stack" in self.extra:
                line += "\n    stack: " + " <- ".join(self.extra["stack"])
        self.out.write(line + "\n")
        self.out.flush()

    def write_summary(self) -> None:
        """The per-call table (`strace -c`), most time first; nothing unless `summary` was asked for."""
        if not self.summary:
            return
        rows = sorted(((name, s) for name, s in self.stats.items() if s.calls), key=lambda r: (-r[1].ns, r[0]))
        total_ns = sum(s.ns for _, s in rows)
        total_calls = sum(s.calls for _, s in rows)
        total_errors = sum(s.errors for _, s in rows)
        if self.fmt == "json":
            summary = [{"call": name, "calls": s.calls, "errors": s.errors, "seconds": s.ns / 1e9}
                       for name, s in rows]
            self.out.write(json.dumps({"summary": summary, "total": {
                "calls": total_calls, "errors": total_errors, "seconds": total_ns / 1e9}}) + "\n")
        else:
            rule = "------ ----------- ----------- --------- --------- ----------------"
            out = ["% time     seconds  usecs/call     calls    errors call", rule]
            for name, s in rows:
                share = 100.0 * s.ns / total_ns if total_ns else 0.0
                errors = str(s.errors) if s.errors else ""
                out.append(f"{share:6.2f} {s.ns / 1e9:11.6f} {s.ns // 1000 // s.calls:11d} {s.calls:9d} "
                           f"{errors:>9} {name}")
            out.append(rule)
            out.append(f"{100.0 if total_ns else 0.0:6.2f} {total_ns / 1e9:11.6f} {'':>11} {total_calls:9d} "
                       f"{total_errors or '':>9} total")
            self.out.write("\n".join(out) + "\n")
        self.out.flush()


def as_tracer(trace: Tracer | TextIO) -> Tracer:
    """A stream alone means: every call, text lines, default byte limit."""
    return trace if isinstance(trace, Tracer) else Tracer(trace)
