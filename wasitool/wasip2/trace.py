"""Tracing WASI 0.2 calls with their typed values (`wasitool run COMPONENT --trace`).

One line per call, after it returns (the types come from the component's imports):

    [method]descriptor.open-at(self=descriptor#3, path-flags={symlink-follow}, path="subdir",
        open-flags={directory}, flags={read}) -> ok(descriptor#4)
    [method]output-stream.blocking-write-and-flush(self=output-stream#2, contents=b"hello\\n") -> ok()

- parameters by their WIT names; resources as `kind#handle` (the host's handle, the same number in every
  line naming that object), strings quoted, `list<u8>` as `b"..."` cut after `max_bytes` (`b"..."...`),
  flags as `{a, b}`, enums and cases without payload by name, records as `{field=value, ...}`, tuples as
  `(a, b)`, options as `some(x)`/`none`, results and variants as `ok(x)`, `err(no-entry)`;
- a function that does not return (`exit`) is printed before it runs; one that traps ends with
  `-> trap: MESSAGE`.

`--trace=PATTERNS` selects calls as in preview1 (`all`, names, globs, `!name`), matched against the
function name (`[method]descriptor.open-at`), its short forms (`descriptor.open-at`, `open-at`) and
`INTERFACE#NAME` (`wasi:filesystem/types#*`). With `fmt="json"` each call is one JSON object
(`call`, `interface`, `args`, `result`, `time_ns`); `write_summary()` is preview1's table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from typing import Any, TextIO

from wasmtime.component import (
    U8,
    Bool,
    EnumType,
    FlagsType,
    FuncType,
    ListType,
    OwnType,
    RecordType,
    ResultType,
    String,
    TupleType,
    ValType,
)

from wasitool.wasi.trace import DEFAULT_MAX_BYTES, CallStats, Tracer
from wasitool.wasi.trace_values import Items, Num, Value, escape
from wasitool.wasip2.convert import cases
from wasitool.wasip2.resources import Resource

Render = Callable[[Any], Value]


class Word(Value):
    """A name shown bare: an enum value, a case without payload, a resource (`descriptor#4`), a bool."""

    __slots__ = ("word",)

    def __init__(self, word: str) -> None:
        self.word = word

    def text(self) -> str:
        return self.word

    def json(self) -> Any:
        return self.word


class Quoted(Value):
    """A string, or `list<u8>` as `b"..."` (cut at the byte limit: `b"abc"...`)."""

    __slots__ = ("data", "prefix", "truncated")

    def __init__(self, data: bytes, prefix: str = "", truncated: bool = False) -> None:
        self.data = data
        self.prefix = prefix
        self.truncated = truncated

    def text(self) -> str:
        return f'{self.prefix}"{escape(self.data)}"' + ("..." if self.truncated else "")

    def json(self) -> Any:
        return self.data.decode("utf-8", "backslashreplace") + ("..." if self.truncated else "")


class FlagSet(Value):
    """`{a, b}` (`{}` when empty)."""

    __slots__ = ("names",)

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def text(self) -> str:
        return "{" + ", ".join(self.names) + "}"

    def json(self) -> Any:
        return self.names


class Fields(Value):
    """A record: `{name=value, ...}`."""

    __slots__ = ("fields",)

    def __init__(self, fields: list[tuple[str, Value]]) -> None:
        self.fields = fields

    def text(self) -> str:
        return "{" + ", ".join(f"{k}={v.text()}" for k, v in self.fields) + "}"

    def json(self) -> Any:
        return {k: v.json() for k, v in self.fields}


class Group(Value):
    """A tuple: `(a, b)`."""

    __slots__ = ("items",)

    def __init__(self, items: list[Value]) -> None:
        self.items = items

    def text(self) -> str:
        return "(" + ", ".join(v.text() for v in self.items) + ")"

    def json(self) -> Any:
        return [v.json() for v in self.items]


class Case(Value):
    """A case with its payload: `ok(x)`, `some(x)`, `ok()` for a result's case without one."""

    __slots__ = ("payload", "tag")

    def __init__(self, tag: str, payload: Value | None) -> None:
        self.tag = tag
        self.payload = payload

    def text(self) -> str:
        return f"{self.tag}({self.payload.text() if self.payload is not None else ''})"

    def json(self) -> Any:
        return {self.tag: self.payload.json() if self.payload is not None else None}


def _resource(value: Any) -> Value:
    return Word(value.label() if isinstance(value, Resource) else repr(value))


def renderer(ty: ValType, max_bytes: int) -> Render:
    """Plain value (as the interface modules speak it) -> trace Value, for `ty`."""
    variant_cases = cases(ty)
    if variant_cases is not None:
        payloads = {name: renderer(t, max_bytes) if t is not None else None for name, t in variant_cases}
        is_result = isinstance(ty, ResultType)
        if not isinstance(ty, ResultType) and [n for n, _ in variant_cases] == ["none", "some"]:
            some = payloads["some"]
            assert some is not None
            return lambda v: Word("none") if v is None else Case("some", some(v))

        def render_case(value: Any) -> Value:
            payload = payloads[value.tag]
            if payload is None:
                return Case(value.tag, None) if is_result else Word(value.tag)
            return Case(value.tag, payload(value.payload))

        return render_case
    if isinstance(ty, String):
        return lambda v: Quoted(v.encode())
    if isinstance(ty, ListType):
        if isinstance(ty.element, U8):
            return lambda v: Quoted(bytes(v[:max_bytes]), "b", len(v) > max_bytes)
        element = renderer(ty.element, max_bytes)
        return lambda v: Items([element(x) for x in v])
    if isinstance(ty, FlagsType):
        order = ty.names
        return lambda v: FlagSet([n for n in order if n in v])
    if isinstance(ty, EnumType):
        return Word
    if isinstance(ty, RecordType):
        fields = [(name, renderer(t, max_bytes)) for name, t in ty.fields]
        return lambda v: Fields([(name, render(v[name])) for name, render in fields])
    if isinstance(ty, TupleType):
        elements = [renderer(t, max_bytes) for t in ty.elements]
        return lambda v: Group([render(x) for render, x in zip(elements, v, strict=True)])
    if isinstance(ty, Bool):
        return lambda v: Word("true" if v else "false")
    if isinstance(ty, OwnType) or type(ty).__name__ == "BorrowType":
        return _resource
    return lambda v: Num(v) if isinstance(v, int) else Word(repr(v))


def select(spec: str | None, names: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """The (interface, function) pairs `spec` selects among `names` (None or `all`: every one).

    ValueError naming the first item that matches none of them.
    """
    known = list(names)
    items = [s.strip() for s in (spec or "all").split(",") if s.strip()]
    chosen: set[tuple[str, str]] = set()
    if not items or all(item.startswith("!") for item in items):
        chosen = set(known)
    for item in items:
        negate = item.startswith("!")
        pattern = item[1:] if negate else item
        matched = {k for k in known if pattern == "all" or any(fnmatchcase(form, pattern) for form in _forms(*k))}
        if not matched:
            raise ValueError(f"`{pattern}` matches no WASI 0.2 function of this host")
        chosen = chosen - matched if negate else chosen | matched
    return frozenset(chosen)


def _forms(interface: str, name: str) -> tuple[str, ...]:
    short = name.split("]", 1)[1] if name.startswith("[") else name
    return name, short, short.rpartition(".")[2], f"{interface}#{name}"


class CallTrace:
    """Reports the calls of one function: `done` after it returns, `failed` when it raises."""

    __slots__ = ("_params", "_result", "interface", "name", "stats", "tracer")

    def __init__(self, tracer: ComponentTracer, interface: str, name: str, fty: FuncType) -> None:
        self.tracer = tracer
        self.interface = interface
        self.name = name
        self.stats = tracer.stats.setdefault(name, CallStats())
        self._params = [(pname, renderer(t, tracer.max_bytes)) for pname, t in fty.params]
        result = fty.result
        self._result = renderer(result, tracer.max_bytes) if result is not None else None

    def done(self, args: list[Any], result: Any, elapsed: int) -> None:
        stats = self.stats
        stats.calls += 1
        stats.ns += elapsed
        if getattr(result, "tag", None) == "err":
            stats.errors += 1
        if self.tracer.lines:
            rendered = self._result(result) if self._result is not None else None
            self.tracer.emit(self, args, rendered, elapsed)

    def failed(self, args: list[Any], why: str | None) -> None:
        """The call did not return: `why` is the trap, or None when it ended the run (exit)."""
        self.stats.calls += 1
        if self.tracer.lines:
            self.tracer.emit(self, args, None, None, why)

    def render_args(self, args: list[Any]) -> list[tuple[str, Value]]:
        return [(pname, render(value)) for (pname, render), value in zip(self._params, args, strict=True)]


class ComponentTracer(Tracer):
    """preview1's Tracer (output, formats, summary) for WASI 0.2 calls, selected by `spec`."""

    def __init__(self, out: TextIO, spec: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 fmt: str = "text", lines: bool = True, summary: bool = False) -> None:
        super().__init__(out, (), max_bytes, fmt, lines, summary)
        self.spec = spec
        self.selected: frozenset[tuple[str, str]] = frozenset()

    def select_from(self, names: Iterable[tuple[str, str]]) -> None:
        """Resolve the selection against the host's functions (ValueError for a pattern matching none)."""
        self.selected = select(self.spec, names)

    def traces(self, interface: str, name: str) -> bool:
        return (interface, name) in self.selected and (self.lines or self.summary)

    def call(self, interface: str, name: str, fty: FuncType) -> CallTrace:
        return CallTrace(self, interface, name, fty)

    def emit(self, call: CallTrace, args: list[Any], result: Value | None, elapsed: int | None,
             trap: str | None = None) -> None:
        params = call.render_args(args)
        if self.fmt == "json":
            record: dict[str, Any] = {"call": call.name, "interface": call.interface,
                                      "args": {k: v.json() for k, v in params}}
            if result is not None:
                record["result"] = result.json()
            if trap is not None:
                record["trap"] = trap
            if elapsed is not None:
                record["time_ns"] = elapsed
            line = json.dumps(record, ensure_ascii=False)
        else:
            line = f"{call.name}({', '.join(f'{k}={v.text()}' for k, v in params)})"
            if result is not None:
                line += f" -> {result.text()}"
            if trap is not None:
                line += f" -> trap: {trap}"
        self.out.write(line + "\n")
        self.out.flush()


def as_component_tracer(trace: Tracer | TextIO) -> ComponentTracer:
    """A ComponentTracer with a preview1 Tracer's settings (every call), or over a stream."""
    if isinstance(trace, ComponentTracer):
        return trace
    if isinstance(trace, Tracer):
        return ComponentTracer(trace.out, None, trace.max_bytes, trace.fmt, trace.lines, trace.summary)
    return ComponentTracer(trace)
