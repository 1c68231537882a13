"""The values a trace line shows, each with a text form (strace-like) and a JSON form.

Decoders (`trace_decode`) build these from guest memory; the tracer renders them as text
(`path="subdir"`, `oflags=O_DIRECTORY`, `[{d_next=1, ...}]`) or JSON (`"subdir"`,
`["O_DIRECTORY"]`, `[{"d_next": 1, ...}]`).
"""

from __future__ import annotations

from typing import Any


class Value:
    """A decoded value: `text()` for the strace-like line, `json()` for `--trace-format json`."""

    __slots__ = ()

    def text(self) -> str:
        raise NotImplementedError

    def json(self) -> Any:
        raise NotImplementedError


class Num(Value):
    """A plain number."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def text(self) -> str:
        return str(self.value)

    def json(self) -> Any:
        return self.value


class Ptr(Value):
    """A guest address, shown in hex."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value & 0xFFFF_FFFF

    def text(self) -> str:
        return f"{self.value:#x}"

    def json(self) -> Any:
        return self.value


class Named(Value):
    """An enumeration value (`REGULAR_FILE`, `CLOCK_MONOTONIC`); the number if it has no name."""

    __slots__ = ("name", "value")

    def __init__(self, value: int, names: tuple[str, ...] | dict[int, str]) -> None:
        self.value = value
        if isinstance(names, dict):
            self.name = names.get(value)
        else:
            self.name = names[value] if 0 <= value < len(names) else None

    def text(self) -> str:
        return self.name if self.name is not None else str(self.value)

    def json(self) -> Any:
        return self.name if self.name is not None else self.value


class Flags(Value):
    """A bit set by name (`APPEND|NONBLOCK`), `0` when empty, unknown bits in hex.

    With `complement` (rights), a set holding more than half of `names` is written as what it
    lacks: `ALL&~(FD_SEEK|FD_TELL)`.
    """

    __slots__ = ("complement", "names", "value")

    def __init__(self, value: int, names: tuple[str, ...], complement: bool = False) -> None:
        self.value = value
        self.names = names
        self.complement = complement

    def _parts(self) -> tuple[list[str], int]:
        set_names = [name for bit, name in enumerate(self.names) if self.value >> bit & 1]
        unknown = self.value & ~((1 << len(self.names)) - 1)
        return set_names, unknown

    def text(self) -> str:
        if self.value == 0:
            return "0"
        set_names, unknown = self._parts()
        extra = [f"{unknown:#x}"] if unknown else []
        if self.complement and len(set_names) > len(self.names) // 2:
            missing = [name for name in self.names if name not in set_names]
            base = "ALL" if not missing else f"ALL&~({'|'.join(missing)})" if len(missing) > 1 else f"ALL&~{missing[0]}"
            return "|".join([base, *extra])
        return "|".join(set_names + extra)

    def json(self) -> Any:
        set_names, unknown = self._parts()
        return set_names + ([f"{unknown:#x}"] if unknown else [])


def escape(data: bytes) -> str:
    """Bytes as a C-like string body: printable ASCII as is, `\\n \\t \\r \\0 \\" \\\\`, else `\\xNN`."""
    out = []
    for b in data:
        if b in _ESCAPES:
            out.append(_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


_ESCAPES = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x00: "\\0", 0x22: '\\"', 0x5C: "\\\\"}


class Text(Value):
    """Bytes from guest memory, shown as an escaped string; `"abc"...` when cut at the byte limit."""

    __slots__ = ("data", "truncated")

    def __init__(self, data: bytes, truncated: bool = False) -> None:
        self.data = data
        self.truncated = truncated

    def text(self) -> str:
        return f'"{escape(self.data)}"' + ("..." if self.truncated else "")

    def json(self) -> Any:
        return self.data.decode("utf-8", "backslashreplace") + ("..." if self.truncated else "")


class Fault(Value):
    """Memory the decoder could not read (the call itself decides what the guest gets)."""

    __slots__ = ()

    def text(self) -> str:
        return "<fault>"

    def json(self) -> Any:
        return "<fault>"


class Points(Value):
    """A pointer and what it points at: `0x1020050->"readdir.wasm"`."""

    __slots__ = ("ptr", "target")

    def __init__(self, ptr: int, target: Value) -> None:
        self.ptr = ptr
        self.target = target

    def text(self) -> str:
        return f"{self.ptr:#x}->{self.target.text()}"

    def json(self) -> Any:
        return {"ptr": self.ptr, "value": self.target.json()}


class Struct(Value):
    """`{field=value, ...}`; a variant tag may prefix it (`CLOCK{id=MONOTONIC, ...}`)."""

    __slots__ = ("fields", "tag")

    def __init__(self, fields: dict[str, Value], tag: str = "") -> None:
        self.fields = fields
        self.tag = tag

    def text(self) -> str:
        return self.tag + "{" + ", ".join(f"{k}={v.text()}" for k, v in self.fields.items()) + "}"

    def json(self) -> Any:
        data = {k: v.json() for k, v in self.fields.items()}
        return {"tag": self.tag, **data} if self.tag else data


class Items(Value):
    """`[a, b, ...]`; `more` items were left out (shown as `...`)."""

    __slots__ = ("items", "more")

    def __init__(self, items: list[Value], more: int = 0) -> None:
        self.items = items
        self.more = more

    def text(self) -> str:
        parts = [v.text() for v in self.items] + (["..."] if self.more else [])
        return "[" + ", ".join(parts) + "]"

    def json(self) -> Any:
        return [v.json() for v in self.items] + (["..."] if self.more else [])
