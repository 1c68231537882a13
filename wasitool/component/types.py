"""The component model's types as `wasitool.component.binary` reads them (one dataclass per form).

Value types are `Prim` (bool, u32, string, ...) or `TypeRef` (an index into the type index space
of the scope they were read in). Everything a type definition, an alias or an import/export
declaration adds to a type index space is a `TypeEntry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRIMITIVES = {0x7F: "bool", 0x7E: "s8", 0x7D: "u8", 0x7C: "s16", 0x7B: "u16", 0x7A: "s32", 0x79: "u32",
              0x78: "s64", 0x77: "u64", 0x76: "f32", 0x75: "f64", 0x74: "char", 0x73: "string",
              0x64: "error-context"}


@dataclass(frozen=True)
class Prim:
    name: str


@dataclass(frozen=True)
class TypeRef:
    index: int


ValType = Prim | TypeRef


@dataclass(frozen=True)
class Record:
    fields: tuple[tuple[str, ValType], ...]


@dataclass(frozen=True)
class Variant:
    cases: tuple[tuple[str, ValType | None], ...]


@dataclass(frozen=True)
class ListOf:
    element: ValType
    length: int | None = None  # fixed-length lists


@dataclass(frozen=True)
class Tuple:
    items: tuple[ValType, ...]


@dataclass(frozen=True)
class Flags:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Enum:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Option:
    inner: ValType


@dataclass(frozen=True)
class Result:
    ok: ValType | None
    err: ValType | None


@dataclass(frozen=True)
class Handle:
    kind: str  # own, borrow
    resource: int  # type index


@dataclass(frozen=True)
class AsyncValue:
    kind: str  # stream, future
    element: ValType | None


@dataclass(frozen=True)
class FuncType:
    params: tuple[tuple[str, ValType], ...]
    result: ValType | None
    is_async: bool = False


@dataclass(frozen=True)
class ResourceType:
    destructor: int | None  # core function index


@dataclass(frozen=True)
class CoreType:
    text: str  # `(i32, i32) -> i32` or `module (3 imports, 2 exports)`


@dataclass(frozen=True)
class ExternDesc:
    """What an import or export declares: `sort` (func, instance, type, ...) and a type index or bound."""

    sort: str
    index: int | None  # type index (func/instance/component/module), or the `eq` bound of a type
    resource: bool = False  # type (sub resource): a fresh abstract resource


@dataclass
class Decl:
    """One import or export declaration of a component or instance type."""

    kind: str  # import, export
    name: str
    desc: ExternDesc


@dataclass
class TypeScope:
    """An instance or component type: its own type index space and its declarations, in order."""

    types: list[TypeEntry] = field(default_factory=list)
    decls: list[Decl] = field(default_factory=list)


@dataclass(frozen=True)
class Declared:
    """A type index made by an import/export declaration: `name`, equal to `target` or a fresh resource."""

    name: str
    target: int | None


@dataclass(frozen=True)
class AliasExport:
    """A type index aliased from an instance's export (`alias export $inst "name" (type)`)."""

    instance: int
    name: str


@dataclass(frozen=True)
class AliasOuter:
    """A type index aliased from an enclosing scope (`alias outer count index (type)`)."""

    count: int
    index: int


@dataclass(frozen=True)
class InstanceType:
    scope: TypeScope


@dataclass(frozen=True)
class ComponentType:
    scope: TypeScope


DefType = Prim | Record | Variant | ListOf | Tuple | Flags | Enum | Option | Result | Handle | AsyncValue
TypeEntry = (DefType | FuncType | ResourceType | InstanceType | ComponentType | Declared | AliasExport
             | AliasOuter | CoreType)
