"""Recordings (`wasitool run --record FILE`): every host call with what it was given and what it gave.

A recording is JSON lines. The first is a header (`{"recording": "wasitool", "version": 1, "module",
"sha256", "argv"}`); then one object per call, in order, with the fields of a JSON trace line (`call`,
`args` and `out` decoded as `--trace-format json` shows them, `result`, `errno`) plus what replaying
needs: `raw` (the arguments as the guest passed them) and `writes` (`[address, base64 bytes]` of every
byte the call wrote to guest memory: out-pointers, the data fd_read and fd_pread filled in, directory
entries, random bytes, argv and environ, prestat names, poll events). So a recording holds everything
the run took from outside: clocks, randomness, stdin, listings and file contents read. `proc_exit` is
recorded before it runs (`result` null). Lines are written as the calls happen (a trap keeps them).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from wasitool.errors import WasiError, reading_json_lines

from .constants import M32
from .errno import errno_name
from .interpose import HostEnv, HostFunction
from .layouts import IOVEC, U32
from .signatures import OUT_KINDS, SIGNATURES, Signature
from .trace_decode import TraceEnv, decode_outputs, decode_params

FORMAT = "wasitool"
VERSION = 1
DECODED_BYTES = 64  # data shown in `args`/`out` (the `writes` hold all of it)
EVENT_SIZE = 32


class Recorder:
    """The interposer writing a recording to `out` (line-buffered: a forked run's lines reach the file)."""

    def __init__(self, out: TextIO, header: dict[str, Any]) -> None:
        self.out = out
        out.write(json.dumps({"recording": FORMAT, "version": VERSION, **header}) + "\n")

    def wants(self, name: str) -> bool:
        return True

    def wrap(self, fn: HostFunction, sig: Signature, env: HostEnv) -> HostFunction:
        decode_env = TraceEnv(env.view, DECODED_BYTES, env.args_sizes[0], env.environ_sizes[0])

        def recorded(*args: int) -> int | None:
            line: dict[str, Any] = {"call": sig.name, "args": _decoded(decode_params(sig, args, decode_env)),
                                    "raw": list(args)}
            if not sig.results:  # proc_exit: it raises
                self._write(line)
                return fn(*args)
            result = int(fn(*args) or 0)
            line.update(result=result, errno=errno_name(result), out={}, writes=[])
            if result == 0:
                line["out"] = _decoded(decode_outputs(sig, args, decode_env))
                line["writes"] = [[ptr, base64.b64encode(data).decode()] for ptr, data in _written(sig, args, env)]
            self._write(line)
            return result

        return recorded

    def _write(self, line: dict[str, Any]) -> None:
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")


def _decoded(values: list[tuple[str, Any]]) -> dict[str, Any]:
    return {name: value.json() for name, value in values}


def _written(sig: Signature, args: tuple[int, ...], env: HostEnv) -> list[tuple[int, bytes]]:
    """Every stretch of guest memory the successful call `sig(*args)` wrote."""
    mem = env.view()
    a = {name: value & M32 for (name, _), value in zip(sig.params, args, strict=True)}
    regions = [(a[name], OUT_KINDS[kind][0]) for name, kind in sig.outputs]
    name = sig.name
    if name in ("fd_read", "fd_pread"):
        left = U32.unpack_from(mem, a["nread"])[0]
        for i in range(a["iovs_len"]):
            buf, length = IOVEC.unpack_from(mem, a["iovs"] + IOVEC.size * i)
            regions.append((buf, min(length, left)))
            left -= min(length, left)
    elif name in ("fd_readdir", "path_readlink"):
        regions.append((a["buf"], U32.unpack_from(mem, a["bufused"])[0]))
    elif name == "random_get":
        regions.append((a["buf"], a["buf_len"]))
    elif name == "fd_prestat_dir_name":
        regions.append((a["path"], a["path_len"]))
    elif name in ("args_get", "environ_get"):
        count, size = env.args_sizes if name == "args_get" else env.environ_sizes
        ptrs, buf = (a["argv"], a["argv_buf"]) if name == "args_get" else (a["environ"], a["environ_buf"])
        regions += [(ptrs, 4 * count), (buf, size)]
    elif name == "poll_oneoff":
        regions.append((a["out"], EVENT_SIZE * U32.unpack_from(mem, a["nevents"])[0]))
    return [(ptr, bytes(mem[ptr:ptr + size])) for ptr, size in regions if size]


def read_recording(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(header, calls) of a recording; a `WasiError` naming the file when it is not one."""
    fix = "pass a file written by `wasitool run --record FILE`"
    with reading_json_lines(f"the recording {path}", fix):
        lines = list(_json_lines(path))
    if not lines or lines[0].get("recording") != FORMAT:
        raise WasiError(f"{path} is not a wasitool recording", fix)
    if lines[0].get("version") != VERSION:
        raise WasiError(f"{path} is a version {json.dumps(lines[0].get('version'))} recording; this wasitool reads "
                        f"{VERSION}", "record it again with this wasitool")
    if not isinstance(lines[0].get("module", ""), str):
        raise WasiError(f"{path}: the header's `module` is not a file name", fix)
    for number, line in enumerate(lines[1:], 2):
        problem = _malformed(line)
        if problem is not None:
            raise WasiError(f"{path}: line {number} is not a recorded call: {problem}",
                            "record it again with `wasitool run --record FILE`")
    return lines[0], lines[1:]


def _malformed(line: dict[str, Any]) -> str | None:
    """What makes `line` unusable as a recorded call for `wasitool.wasi.replay` (None: it is usable)."""
    sig = SIGNATURES.get(line.get("call"))  # type: ignore[arg-type]
    if sig is None:
        return f"`call` {json.dumps(line.get('call'))} is no wasi_snapshot_preview1 function"
    if not isinstance(line.get("args"), dict) or not isinstance(line.get("out", {}), dict):
        return "`args` and `out` are objects"
    result = line.get("result")
    if sig.results and not (type(result) is int and 0 <= result <= 0xFFFF):
        return "`result` is an errno (0 to 65535)"
    writes = line.get("writes", [])
    if not isinstance(writes, list) or not all(_is_write(w) for w in writes):
        return "`writes` is a list of [address, base64 bytes]"
    nwritten = line.get("out", {}).get("nwritten", 0)
    if type(nwritten) is not int or not 0 <= nwritten <= M32:
        return "`out.nwritten` is a byte count"
    return None


def _is_write(item: object) -> bool:
    if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is int and 0 <= item[0] <= M32
            and isinstance(item[1], str)):
        return False
    try:
        base64.b64decode(item[1], validate=True)
    except ValueError:
        return False
    return True


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                value = json.loads(line)
                if not isinstance(value, dict):
                    raise ValueError(f"a line is not a JSON object: {line[:60]!r}")
                yield value
