"""Fault injection (`wasitool run --inject SPEC`): make chosen host calls fail or misbehave legally.

    SPEC    = CALL [":" FILTER] "=" ACTION ["@" N]
    FILTER  = PARAM "~=" GLOB        the call's decoded string parameter matches (`path~=*.cfg`)
            | PARAM "=" NUMBER       an integer parameter equals (`fd=1`, `id=0`)
    ACTION  = ERRNO                  return it without running the call (`ENOENT`)
            | "short" [":" N]        fd_read/fd_write/fd_pread/fd_pwrite move at most N bytes (default 1);
                                     fd_readdir returns one whole entry per call (the buffer ends in a
                                     truncated entry, so the guest asks again from the next cookie)
            | ("+"|"-") NUMBER UNIT  clock_time_get is skewed (UNIT: ns, us, ms, s, m, h, d)
            | "zero"                 random_get fills the buffer with zeros
    @N      only the N-th call that matches (1-based); without it every matching call

An injected errno must be one the call may return (`inject_errnos.LEGAL_ERRNOS`); anything else is a
`WasiError` listing what is allowed. The guest cannot tell an injected result from a real one: a short
write really writes N bytes (the guest's iovecs are shortened for the call and restored after it).
Each rule counts the calls it matched and the times it fired (`Rule.seen`, `Rule.fired`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase

from wasitool.errors import WasiError

from .constants import M32, M64
from .inject_errnos import LEGAL_ERRNOS, errno_code
from .interpose import HostEnv, HostFunction
from .layouts import DIRENT, IOVEC, U32, U64
from .signatures import SIGNATURES, Signature

SHORT_IO = frozenset({"fd_read", "fd_write", "fd_pread", "fd_pwrite"})
_UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9,
          "d": 86400 * 10**9}
_SKEW = re.compile(r"([+-])(\d+)(ns|us|ms|s|m|h|d)")
_FIX = "write CALL[:PARAM~=GLOB]=ACTION[@N], e.g. path_open=ENOENT, path_open:path~=*.cfg=EACCES@2, fd_write=short:1"


class Rule:
    """One parsed SPEC; `fires(args, env)` counts a matching call and says whether to act on it."""

    __slots__ = ("action", "at", "call", "errno", "fired", "glob", "limit", "match_mask", "match_param",
                 "match_value", "seen", "skew_ns", "text")

    def __init__(self, text: str, call: str, action: str) -> None:
        self.text = text
        self.call = call
        self.action = action  # "errno", "short", "skew" or "zero"
        self.errno = 0
        self.limit = 1
        self.skew_ns = 0
        self.at: int | None = None
        self.match_param: int | None = None  # argument position the filter reads
        self.glob: str | None = None
        self.match_value: int | None = None
        self.match_mask = M32  # engines may pass an i32 as a signed value
        self.seen = self.fired = 0

    def fires(self, args: Sequence[int], env: HostEnv) -> bool:
        if self.match_param is not None and not self._matches(args, env):
            return False
        self.seen += 1
        if self.at is not None and self.seen != self.at:
            return False
        self.fired += 1
        return True

    def mark(self, env: HostEnv) -> None:
        """Note for the trace that this call was changed."""
        env.marks.append(self.text)

    def _matches(self, args: Sequence[int], env: HostEnv) -> bool:
        assert self.match_param is not None
        value = args[self.match_param]
        if self.glob is None:
            return value & self.match_mask == self.match_value
        ptr, length = value & M32, args[self.match_param + 1] & M32
        mem = env.view()
        if ptr + length > len(mem):
            return False
        return fnmatchcase(bytes(mem[ptr:ptr + length]).decode("utf-8", "replace"), self.glob)


def parse_rule(text: str) -> Rule:
    """The Rule a SPEC describes; a `WasiError` naming what is wrong (and what is allowed) otherwise."""
    head, eq, action = text.rpartition("=")
    if not eq or not head or not action:
        raise WasiError(f"--inject {text!r} is not CALL=ACTION", _FIX)
    call, _, condition = head.partition(":")
    if call not in SIGNATURES:
        raise WasiError(f"--inject {text!r}: `{call}` is no wasi_snapshot_preview1 function",
                        "name one call exactly, e.g. path_open, fd_write, clock_time_get")
    sig = SIGNATURES[call]
    action, at_sign, at = action.partition("@")
    rule = _action(text, sig, action)
    if at_sign:
        if not at.isdigit() or int(at) < 1:
            raise WasiError(f"--inject {text!r}: @{at} is not a call number", "write @N with N >= 1 (@1: the first)")
        rule.at = int(at)
    if condition:
        _condition(rule, sig, condition)
    return rule


def _action(text: str, sig: Signature, action: str) -> Rule:
    call = sig.name
    legal = LEGAL_ERRNOS[call]
    if action.startswith("E") and action.isupper():
        if action not in legal:
            allowed = ", ".join(legal) if legal else "no errno (it cannot fail for valid arguments)"
            raise WasiError(f"--inject {text!r}: {call} cannot return {action}", f"{call} may return {allowed}")
        rule = Rule(text, call, "errno")
        rule.errno = errno_code(action)
        return rule
    kind, _, amount = action.partition(":")
    if kind == "short" and (call in SHORT_IO or (call == "fd_readdir" and not amount)):
        rule = Rule(text, call, "short")
        if amount:
            if not amount.isdigit() or int(amount) < 1:
                raise WasiError(f"--inject {text!r}: short:{amount} is not a byte count", "write short:N with N >= 1")
            rule.limit = int(amount)
        return rule
    skew = _SKEW.fullmatch(action)
    if skew and call == "clock_time_get":
        rule = Rule(text, call, "skew")
        rule.skew_ns = (1 if skew[1] == "+" else -1) * int(skew[2]) * _UNITS[skew[3]]
        return rule
    if action == "zero" and call == "random_get":
        return Rule(text, call, "zero")
    raise WasiError(f"--inject {text!r}: `{action}` is no fault {call} can have", f"{call} takes {_allowed(call)}")


def _allowed(call: str) -> str:
    """Every ACTION `call` accepts, for the one-line error."""
    actions = list(LEGAL_ERRNOS[call])
    if call in SHORT_IO:
        actions.append("short[:N]")
    actions += {"fd_readdir": ["short"], "clock_time_get": ["+Ns/-Ns (ns us ms s m h d)"],
                "random_get": ["zero"]}.get(call, [])
    return ", ".join(actions) if actions else "nothing (it cannot fail for valid arguments)"


def _condition(rule: Rule, sig: Signature, condition: str) -> None:
    names = [p for p, _ in sig.params]
    param, glob, pattern = condition.partition("~=")
    if glob:
        strings = [p for p in names if p.endswith("path") and f"{p}_len" in names]  # path, old_path, new_path
        if param not in strings:
            raise WasiError(f"--inject {rule.text!r}: {sig.name} has no string parameter `{param}`",
                            f"match one of: {', '.join(strings) or 'none'}")
        rule.match_param, rule.glob = sig.index(param), pattern
        return
    param, eq, value = condition.partition("=")
    inputs = [p for p in names if p not in sig.pointers]
    if not eq or param not in inputs or not re.fullmatch(r"-?\d+", value):
        raise WasiError(f"--inject {rule.text!r}: `{condition}` is no filter {sig.name} has",
                        f"write PARAM~=GLOB for a string or PARAM=NUMBER for one of: {', '.join(inputs) or 'none'}")
    rule.match_mask = M64 if dict(sig.params)[param] == "i64" else M32
    rule.match_param, rule.match_value = sig.index(param), int(value) & rule.match_mask


class Injector:
    """The interposer for a list of rules (each call wraps its rules, the first given outermost)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)

    def wants(self, name: str) -> bool:
        return any(rule.call == name for rule in self.rules)

    def wrap(self, fn: HostFunction, sig: Signature, env: HostEnv) -> HostFunction:
        for rule in reversed(self.rules):
            if rule.call == sig.name:
                fn = _WRAPPERS[rule.action](fn, rule, env)
        return fn


def _errno(fn: HostFunction, rule: Rule, env: HostEnv) -> HostFunction:
    code = rule.errno

    def injected(*args: int) -> int | None:
        if not rule.fires(args, env):
            return fn(*args)
        rule.mark(env)
        return code

    return injected


def _short(fn: HostFunction, rule: Rule, env: HostEnv) -> HostFunction:
    if rule.call == "fd_readdir":
        return _short_readdir(fn, rule, env)
    limit = rule.limit

    def shortened(*args: int) -> int | None:
        if not rule.fires(args, env):
            return fn(*args)
        mem = env.view()
        cut = _cut_iovecs(mem, args[1] & M32, args[2] & M32, limit)
        if cut is None:  # the request already fits (or its iovecs are unreadable: the call says EFAULT)
            return fn(*args)
        count, where, original, shortened_len = cut
        rule.mark(env)
        U32.pack_into(mem, where + 4, shortened_len)
        try:
            return fn(args[0], args[1], count, *args[3:])
        finally:
            U32.pack_into(env.view(), where + 4, original)

    return shortened


def _cut_iovecs(mem: memoryview, iovs: int, count: int, limit: int) -> tuple[int, int, int, int] | None:
    """(iovecs to pass, address of the last one, its length, its length for the call) so that at most
    `limit` bytes move; None when the request already moves no more."""
    total = 0
    for i in range(count):
        where = iovs + IOVEC.size * i
        if where + IOVEC.size > len(mem):
            return None
        length = IOVEC.unpack_from(mem, where)[1]
        if total + length > limit:
            return i + 1, where, length, limit - total
        total += length
    return None


def _short_readdir(fn: HostFunction, rule: Rule, env: HostEnv) -> HostFunction:
    """One whole entry per call: after the first entry the buffer is filled to `buf_len` with the next
    entry's header, its name length raised so that it reads as truncated (wasi-libc and Rust's std then
    call again from the first entry's `d_next`; a `bufused` below `buf_len` would mean the end)."""

    def one_entry(*args: int) -> int | None:
        result = fn(*args)
        if result or not rule.fires(args, env):
            return result
        mem = env.view()
        buf, buf_len, used_ptr = args[1] & M32, args[2] & M32, args[4] & M32
        used = U32.unpack_from(mem, used_ptr)[0]
        first = DIRENT.size + DIRENT.unpack_from(mem, buf)[2] if used >= DIRENT.size else used
        if used <= first:  # one entry or less: nothing to hold back
            return result
        rule.mark(env)
        rest = buf_len - first
        if rest >= DIRENT.size:
            d_next, d_ino, namlen, d_type = DIRENT.unpack_from(mem, buf + first)
            DIRENT.pack_into(mem, buf + first, d_next, d_ino, max(namlen, rest - DIRENT.size + 1), d_type)
        U32.pack_into(mem, used_ptr, buf_len)
        return result

    return one_entry


def _skew(fn: HostFunction, rule: Rule, env: HostEnv) -> HostFunction:
    skew = rule.skew_ns

    def skewed(*args: int) -> int | None:
        result = fn(*args)
        if result or not rule.fires(args, env):
            return result
        rule.mark(env)
        mem, ptr = env.view(), args[2] & M32
        U64.pack_into(mem, ptr, min(max(U64.unpack_from(mem, ptr)[0] + skew, 0), M64))
        return result

    return skewed


def _zero(fn: HostFunction, rule: Rule, env: HostEnv) -> HostFunction:
    def zeroed(*args: int) -> int | None:
        result = fn(*args)
        if result or not rule.fires(args, env):
            return result
        buf, length = args[0] & M32, args[1] & M32
        rule.mark(env)
        env.view()[buf:buf + length] = bytes(length)  # the call succeeded: the buffer is in memory
        return result

    return zeroed


_WRAPPERS = {"errno": _errno, "short": _short, "skew": _skew, "zero": _zero}
