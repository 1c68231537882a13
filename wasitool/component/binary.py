"""The component model binary format (WASI 0.2 components), read without an engine.

`parse_component(data)` reads every section (ids 0-12: custom, core module, core instance, core type,
component, instance, alias, type, canon, start, import, export, value) into a `Component`: the core
modules as byte ranges (`wasitool.wasmbin` reads them), the index spaces the definitions build, and the
type definitions. Nested components are read the same way, at most `MAX_DEPTH` levels deep.

Hostile input: anything malformed raises `ValueError` (one line); every vector is read element by
element, each element consuming bytes, so time and memory stay O(size). The LEB128 and name readers
are `wasitool.wasmbin`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wasitool.component import types as t
from wasitool.wasmbin import _functype, _import_desc
from wasitool.wasmread import Reader

MAGIC = b"\0asm"
LAYER_COMPONENT = b"\x01\x00"
MAX_DEPTH = 16
SECTION_NAMES = {0: "custom", 1: "core module", 2: "core instance", 3: "core type", 4: "component",
                 5: "instance", 6: "alias", 7: "type", 8: "canon", 9: "start", 10: "import", 11: "export",
                 12: "value"}
CORE_SORTS = {0x00: "func", 0x01: "table", 0x02: "memory", 0x03: "global", 0x04: "tag", 0x10: "type",
              0x11: "module", 0x12: "instance"}
SORTS = {0x01: "func", 0x02: "value", 0x03: "type", 0x04: "component", 0x05: "instance"}
_LABEL = r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z][A-Za-z0-9]*)*"
_INTERFACE_NAME = re.compile(rf"(?P<ns>{_LABEL}):(?P<pkg>{_LABEL})/(?P<iface>{_LABEL})"
                             r"(?:@(?P<version>[0-9A-Za-z.+-]+))?")


def is_component(data: bytes) -> bool:
    """True for a component binary (magic, then any version, then layer 1)."""
    return data[:4] == MAGIC and data[6:8] == LAYER_COMPONENT


@dataclass(frozen=True)
class Name:
    """An import or export name: `wasi:cli/run@0.2.12` (an interface) or `run` (a plain name)."""

    text: str

    @property
    def interface(self) -> tuple[str, str, str | None] | None:
        """(package `ns:pkg`, interface, version) for an interface name, None for a plain name."""
        match = _INTERFACE_NAME.fullmatch(self.text)
        if not match:
            return None
        return f"{match['ns']}:{match['pkg']}", match["iface"], match["version"]


@dataclass(frozen=True)
class SortIdx:
    sort: str  # func, value, type, component, instance, or core:func, core:module, ...
    index: int


@dataclass(frozen=True)
class CoreModule:
    start: int  # offset of the module's bytes in the outermost file
    size: int


@dataclass(frozen=True)
class CoreInstance:
    """`instantiate module with (name, core instance)*`, or a bag of exports (`module` is None)."""

    module: int | None
    args: tuple[tuple[str, int], ...] = ()
    exports: tuple[tuple[str, SortIdx], ...] = ()


@dataclass(frozen=True)
class Instance:
    """`instantiate component with (name, sortidx)*`, a bag of exports, an import or an alias."""

    origin: str  # instantiate, exports, import, alias, export
    component: int | None = None
    args: tuple[tuple[str, SortIdx], ...] = ()
    exports: tuple[tuple[str, SortIdx], ...] = ()
    name: str = ""  # import/export name, or the export aliased
    type_index: int | None = None  # instance type of an import
    source: int | None = None  # instance aliased from (origin `alias`) or re-exported


@dataclass(frozen=True)
class Func:
    """A component function: imported, aliased from an instance's export, lifted from core, exported."""

    origin: str  # import, alias, lift, export
    name: str = ""
    type_index: int | None = None
    instance: int | None = None
    core_func: int | None = None
    source: int | None = None


@dataclass(frozen=True)
class CoreFunc:
    """A core function: aliased from a core instance's export, or made by `canon` (lower, resource.drop, ...)."""

    origin: str  # alias, lower, resource.new, resource.drop, resource.rep, or another canon built-in
    instance: int | None = None
    name: str = ""
    func: int | None = None  # component function (lower) or type (resource.*)


@dataclass(frozen=True)
class Import:
    name: Name
    desc: t.ExternDesc
    index: int  # what it is in its sort's index space (type imports: the type index)


@dataclass(frozen=True)
class Export:
    name: Name
    item: SortIdx
    desc: t.ExternDesc | None


@dataclass(frozen=True)
class CustomSection:
    name: str
    start: int
    size: int


@dataclass
class Component:
    """Everything `parse_component` read; `start`/`size` place it in the outermost file."""

    start: int
    size: int
    version: int
    sections: list[tuple[str, int, int, int | None]] = field(default_factory=list)  # (kind, start, size, count)
    custom: list[CustomSection] = field(default_factory=list)
    modules: list[CoreModule] = field(default_factory=list)
    core_instances: list[CoreInstance] = field(default_factory=list)
    core_types: list[t.CoreType] = field(default_factory=list)
    core_funcs: list[CoreFunc] = field(default_factory=list)
    core_other: dict[str, int] = field(default_factory=dict)  # count of core tables, memories, globals
    components: list[Component | None] = field(default_factory=list)  # None: imported or aliased
    instances: list[Instance] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)
    types: list[t.TypeEntry] = field(default_factory=list)
    values: int = 0
    imports: list[Import] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    names: dict[str, dict[int, str]] = field(default_factory=dict)  # sort -> index -> name (name section)
    name: str | None = None
    partial: list[str] = field(default_factory=list)  # what was not decoded, and why


def parse_component(data: bytes) -> Component:
    """Read the component in `data`; ValueError naming the problem if it is not a well-formed one."""
    try:
        return _component(data, 0, len(data), 0)
    except IndexError:
        raise ValueError("truncated component") from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps the nesting well below Python's limit
        raise ValueError("component nested too deeply") from None


def _component(data: bytes, start: int, end: int, depth: int) -> Component:
    if depth > MAX_DEPTH:
        raise ValueError(f"components nested more than {MAX_DEPTH} deep")
    if data[start:start + 4] != MAGIC or end - start < 8:
        raise ValueError("not a wasm binary (no \\0asm magic)")
    if data[start + 6:start + 8] != LAYER_COMPONENT:
        raise ValueError("not a component (the layer field says core module)")
    comp = Component(start, end - start, int.from_bytes(data[start + 4:start + 6], "little"))
    r = _Reader(data, start + 8, end)
    while r.pos < end:
        section_id, size = r.byte(), r.uleb()
        body_start, body_end = r.pos, r.pos + size
        if body_end > end:
            raise ValueError(f"{SECTION_NAMES.get(section_id, 'unknown')} section at {body_start:#x} runs past "
                             "the end of its component")
        section = _Reader(data, body_start, body_end)
        count = _read_section(comp, section_id, section, depth)
        comp.sections.append((SECTION_NAMES.get(section_id, "?"), body_start, size, count))
        if section_id not in (0, 1, 4) and section.pos != body_end:
            raise ValueError(f"{SECTION_NAMES[section_id]} section at {body_start:#x} has {body_end - section.pos} "
                             "bytes left over")
        r.pos = body_end
    return comp


class _Reader(Reader):
    """`wasitool.wasmread.Reader` that stops at `end` (a section's end) without copying the bytes."""

    def __init__(self, data: bytes, pos: int, end: int) -> None:
        super().__init__(data, pos)
        self.end = end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise IndexError("read past the end")
        return super().byte()

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise IndexError("read past the end")
        return super().take(n)

    def peek(self) -> int:
        if self.pos >= self.end:
            raise IndexError("read past the end")
        return self.data[self.pos]


def _read_section(comp: Component, section_id: int, r: _Reader, depth: int) -> int | None:
    if section_id == 0:
        name = r.name()
        comp.custom.append(CustomSection(name, r.pos, r.end - r.pos))
        if name == "component-name":
            _read_names(comp, r)
        return None
    if section_id == 1:
        comp.modules.append(CoreModule(r.pos, r.end - r.pos))
        return None
    if section_id == 4:
        comp.components.append(_component(r.data, r.pos, r.end, depth + 1))
        return None
    if section_id == 9:
        r.uleb()  # the function
        for _ in range(r.uleb()):
            r.uleb()  # its arguments
        comp.values += r.uleb()  # its results join the value index space
        return None
    if section_id not in _READERS:
        raise ValueError(f"unknown component section id {section_id}")
    count = r.uleb()
    read_one = _READERS[section_id]
    try:
        for _ in range(count):
            read_one(comp, r, depth)
    except _SectionLeftOut:
        r.pos = r.end
    return count


# -- names and sorts ---------------------------------------------------------------------------------

def _extern_name(r: _Reader) -> Name:
    """An import/export name. Its kind byte was 0x01 for interface names in older binaries; today the
    string's syntax says it (wasm-tools reads both the same way)."""
    kind = r.byte()
    if kind not in (0x00, 0x01):
        raise ValueError(f"unknown import/export name kind {kind:#x} at {r.pos - 1:#x}")
    return Name(_utf8(r))


def _utf8(r: _Reader) -> str:
    raw = r.take(r.uleb())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"name at {r.pos - len(raw):#x} is not UTF-8") from None


def _sort(r: _Reader) -> str:
    code = r.byte()
    if code == 0x00:
        core = r.byte()
        if core not in CORE_SORTS:
            raise ValueError(f"unknown core sort {core:#x} at {r.pos - 1:#x}")
        return f"core:{CORE_SORTS[core]}"
    if code not in SORTS:
        raise ValueError(f"unknown sort {code:#x} at {r.pos - 1:#x}")
    return SORTS[code]


def _sortidx(r: _Reader) -> SortIdx:
    sort = _sort(r)
    return SortIdx(sort, r.uleb())


def _add_to_space(comp: Component, sort: str, entry: object) -> None:
    """Append what a definition, alias, import or export makes to its sort's index space (a placeholder
    when the binary puts something unexpected there, e.g. an export of a core function)."""
    if sort == "func":
        comp.funcs.append(entry if isinstance(entry, Func) else Func("other"))
    elif sort == "instance":
        comp.instances.append(entry if isinstance(entry, Instance) else Instance("other"))
    elif sort == "type":
        comp.types.append(entry if isinstance(entry, t.Declared | t.AliasExport | t.AliasOuter)
                          else t.AliasOuter(0, -1))
    elif sort == "component":
        comp.components.append(None)
    elif sort == "value":
        comp.values += 1
    elif sort == "core:func":
        comp.core_funcs.append(entry if isinstance(entry, CoreFunc) else CoreFunc("other"))
    elif sort == "core:module":
        comp.modules.append(CoreModule(-1, 0))
    elif sort == "core:instance":
        comp.core_instances.append(entry if isinstance(entry, CoreInstance) else CoreInstance(None))
    elif sort == "core:type":
        comp.core_types.append(t.CoreType("aliased"))
    else:
        comp.core_other[sort] = comp.core_other.get(sort, 0) + 1


# -- section readers -----------------------------------------------------------------------------------

def _core_instance(comp: Component, r: _Reader, _depth: int) -> None:
    kind = r.byte()
    if kind == 0x00:
        module = r.uleb()
        args = []
        for _ in range(r.uleb()):
            name = _utf8(r)
            if r.byte() != 0x12:
                raise ValueError(f"core instantiate argument {name!r} is not an instance")
            args.append((name, r.uleb()))
        comp.core_instances.append(CoreInstance(module, tuple(args)))
    elif kind == 0x01:
        exports = []
        for _ in range(r.uleb()):
            name = _utf8(r)
            core = r.byte()
            if core not in CORE_SORTS:
                raise ValueError(f"unknown core sort {core:#x} at {r.pos - 1:#x}")
            exports.append((name, SortIdx(f"core:{CORE_SORTS[core]}", r.uleb())))
        comp.core_instances.append(CoreInstance(None, exports=tuple(exports)))
    else:
        raise ValueError(f"unknown core instance form {kind:#x} at {r.pos - 1:#x}")


def _core_type(comp: Component, r: _Reader, _depth: int) -> None:
    comp.core_types.append(_read_core_type(r))


def _read_core_type(r: _Reader) -> t.CoreType:
    form = r.peek()
    if form == 0x60:
        from wasitool.wasmbin import format_functype

        return t.CoreType(format_functype(_functype(r)))
    if form != 0x50:
        raise ValueError(f"unsupported core type form {form:#x} at {r.pos:#x}")
    r.byte()
    imports = exports = 0
    for _ in range(r.uleb()):
        decl = r.byte()
        if decl == 0x00:
            r.name(), r.name()
            _import_desc(r, r.byte())
            imports += 1
        elif decl == 0x01:
            if r.peek() != 0x60:
                raise ValueError(f"unsupported core type form {r.peek():#x} in a module type")
            _functype(r)
        elif decl == 0x02:
            r.byte()
            if r.byte() != 0x01:
                raise ValueError("core alias in a module type is not an outer alias")
            r.uleb(), r.uleb()
        elif decl == 0x03:
            r.name()
            _import_desc(r, r.byte())
            exports += 1
        else:
            raise ValueError(f"unknown module type declaration {decl:#x}")
    return t.CoreType(f"module ({imports} imports, {exports} exports)")


def _instance(comp: Component, r: _Reader, _depth: int) -> None:
    kind = r.byte()
    if kind == 0x00:
        component = r.uleb()
        args = tuple((_utf8(r), _sortidx(r)) for _ in range(r.uleb()))
        comp.instances.append(Instance("instantiate", component=component, args=args))
    elif kind == 0x01:
        exports = tuple((_extern_name(r).text, _sortidx(r)) for _ in range(r.uleb()))
        comp.instances.append(Instance("exports", exports=exports))
    else:
        raise ValueError(f"unknown instance form {kind:#x} at {r.pos - 1:#x}")


def _alias(comp: Component, r: _Reader, _depth: int) -> None:
    sort = _sort(r)
    target = r.byte()
    if target == 0x00:
        instance, name = r.uleb(), _utf8(r)
        entry: object = {
            "func": Func("alias", name=name, instance=instance),
            "instance": Instance("alias", name=name, source=instance),
            "type": t.AliasExport(instance, name),
        }.get(sort)
    elif target == 0x01:
        instance, name = r.uleb(), _utf8(r)
        entry = CoreFunc("alias", instance=instance, name=name) if sort == "core:func" else \
            CoreInstance(None) if sort == "core:instance" else None
    elif target == 0x02:
        count, index = r.uleb(), r.uleb()
        entry = t.AliasOuter(count, index) if sort == "type" else None
    else:
        raise ValueError(f"unknown alias target {target:#x} at {r.pos - 1:#x}")
    _add_to_space(comp, sort, entry)


def _type(comp: Component, r: _Reader, depth: int) -> None:
    comp.types.append(read_type(r, depth))


def _canon(comp: Component, r: _Reader, _depth: int) -> None:
    op = r.byte()
    if op == 0x00:
        if r.byte() != 0x00:
            raise ValueError("canon lift of something not a function")
        core_func = r.uleb()
        _canon_options(r)
        comp.funcs.append(Func("lift", core_func=core_func, type_index=r.uleb()))
    elif op == 0x01:
        if r.byte() != 0x00:
            raise ValueError("canon lower of something not a function")
        func = r.uleb()
        _canon_options(r)
        comp.core_funcs.append(CoreFunc("lower", func=func))
    elif op in (0x02, 0x03, 0x04, 0x07):
        kind = {0x02: "resource.new", 0x03: "resource.drop", 0x04: "resource.rep", 0x07: "resource.drop async"}[op]
        comp.core_funcs.append(CoreFunc(kind, func=r.uleb()))
    elif op == 0x06:
        comp.core_funcs.append(CoreFunc("thread.available-parallelism"))
    else:
        # the async and thread built-ins (WASI 0.3) change too quickly to read: the section's remaining
        # definitions are left out (each would be one core function)
        comp.partial.append(f"canon built-in {op:#x} at {r.pos - 1:#x} and the rest of its section not decoded")
        raise _SectionLeftOut


class _SectionLeftOut(Exception):
    """Raised by a reader that cannot go on with its section; the section is skipped from there."""


def _canon_options(r: _Reader) -> None:
    for _ in range(r.uleb()):
        opt = r.byte()
        if opt in (0x03, 0x04, 0x05, 0x07):
            r.uleb()
        elif opt not in (0x00, 0x01, 0x02, 0x06):
            raise ValueError(f"unknown canonical option {opt:#x} at {r.pos - 1:#x}")


def _import(comp: Component, r: _Reader, depth: int) -> None:
    name = _extern_name(r)
    desc = _extern_desc(r)
    sizes = {"func": len(comp.funcs), "instance": len(comp.instances), "type": len(comp.types),
             "component": len(comp.components), "module": len(comp.modules)}
    comp.imports.append(Import(name, desc, sizes.get(desc.sort, comp.values)))
    entry: object = {
        "func": Func("import", name=name.text, type_index=desc.index),
        "instance": Instance("import", name=name.text, type_index=desc.index),
        "type": t.Declared(name.text, desc.index),
    }.get(desc.sort)
    _add_to_space(comp, "core:module" if desc.sort == "module" else desc.sort, entry)


def _export(comp: Component, r: _Reader, _depth: int) -> None:
    name = _extern_name(r)
    item = _sortidx(r)
    desc = _extern_desc(r) if r.byte() == 0x01 else None
    comp.exports.append(Export(name, item, desc))
    entry: object = {
        "func": Func("export", name=name.text, source=item.index,
                     type_index=desc.index if desc else None),
        "instance": Instance("export", name=name.text, source=item.index,
                             type_index=desc.index if desc else None),
        "type": t.Declared(name.text, item.index),
    }.get(item.sort)
    _add_to_space(comp, item.sort, entry)


def _value(comp: Component, r: _Reader, _depth: int) -> None:
    _valtype(r)
    r.take(r.uleb())
    comp.values += 1


_READERS = {2: _core_instance, 3: _core_type, 5: _instance, 6: _alias, 7: _type, 8: _canon, 10: _import,
            11: _export, 12: _value}


def _read_names(comp: Component, r: _Reader) -> None:
    """The `component-name` custom section; a damaged one is ignored, as engines do."""
    try:
        end = r.end
        while r.pos < end:
            sub, size = r.byte(), r.uleb()
            sub_end = r.pos + size
            if sub == 0:
                comp.name = r.name()
            elif sub == 1:
                sort = _sort(r)
                names = comp.names.setdefault(sort, {})
                for _ in range(r.uleb()):
                    index = r.uleb()
                    names[index] = r.name()
            r.pos = sub_end
    except (IndexError, ValueError):
        pass


# -- types ---------------------------------------------------------------------------------------------

def _valtype(r: _Reader) -> t.ValType:
    code = r.peek()
    if code in t.PRIMITIVES:
        r.pos += 1
        return t.Prim(t.PRIMITIVES[code])
    value = r.sleb()
    if value < 0:
        raise ValueError(f"unknown value type {code:#x} at {r.pos - 1:#x}")
    return t.TypeRef(value)


def _optional(r: _Reader) -> t.ValType | None:
    flag = r.byte()
    if flag == 0x00:
        return None
    if flag != 0x01:
        raise ValueError(f"bad optional-type flag {flag:#x} at {r.pos - 1:#x}")
    return _valtype(r)


def _labels(r: _Reader) -> tuple[str, ...]:
    return tuple(_utf8(r) for _ in range(r.uleb()))


def read_type(r: _Reader, depth: int) -> t.TypeEntry:
    """One `deftype`: a value type, function, resource, instance or component type."""
    if depth > MAX_DEPTH:
        raise ValueError(f"types nested more than {MAX_DEPTH} deep")
    code = r.byte()
    if code in t.PRIMITIVES:
        return t.Prim(t.PRIMITIVES[code])
    if code == 0x72:
        return t.Record(tuple((_utf8(r), _valtype(r)) for _ in range(r.uleb())))
    if code == 0x71:
        cases = []
        for _ in range(r.uleb()):
            label, payload = _utf8(r), _optional(r)
            if r.byte() != 0x00:  # `refines` (pre-0.2 binaries)
                r.uleb()
            cases.append((label, payload))
        return t.Variant(tuple(cases))
    if code == 0x70:
        return t.ListOf(_valtype(r))
    if code == 0x67:
        return t.ListOf(_valtype(r), r.uleb())
    if code == 0x6F:
        return t.Tuple(tuple(_valtype(r) for _ in range(r.uleb())))
    if code == 0x6E:
        return t.Flags(_labels(r))
    if code == 0x6D:
        return t.Enum(_labels(r))
    if code == 0x6B:
        return t.Option(_valtype(r))
    if code == 0x6A:
        return t.Result(_optional(r), _optional(r))
    if code in (0x69, 0x68):
        return t.Handle("own" if code == 0x69 else "borrow", r.uleb())
    if code in (0x66, 0x65):
        return t.AsyncValue("stream" if code == 0x66 else "future", _optional(r))
    if code in (0x40, 0x43):
        params = tuple((_utf8(r), _valtype(r)) for _ in range(r.uleb()))
        kind = r.byte()
        if kind == 0x00:
            result: t.ValType | None = _valtype(r)
        elif kind == 0x01:
            named = [(_utf8(r), _valtype(r)) for _ in range(r.uleb())]
            result = named[0][1] if len(named) == 1 else None
        else:
            raise ValueError(f"bad function result list {kind:#x} at {r.pos - 1:#x}")
        return t.FuncType(params, result, is_async=code == 0x43)
    if code in (0x3F, 0x3E):
        if r.byte() != 0x7F:
            raise ValueError("resource representation is not i32")
        dtor = r.uleb() if r.byte() == 0x01 else None
        if code == 0x3E and r.byte() == 0x01:
            r.uleb()
        return t.ResourceType(dtor)
    if code in (0x41, 0x42):
        scope = t.TypeScope()
        for _ in range(r.uleb()):
            _declaration(scope, r, depth + 1, allow_import=code == 0x41)
        return t.ComponentType(scope) if code == 0x41 else t.InstanceType(scope)
    raise ValueError(f"unknown component type form {code:#x} at {r.pos - 1:#x}")


def _declaration(scope: t.TypeScope, r: _Reader, depth: int, allow_import: bool) -> None:
    kind = r.byte()
    if kind == 0x00:
        _read_core_type(r)
    elif kind == 0x01:
        scope.types.append(read_type(r, depth))
    elif kind == 0x02:
        sort = _sort(r)
        target = r.byte()
        if target == 0x00:
            instance, name = r.uleb(), _utf8(r)
            if sort == "type":
                scope.types.append(t.AliasExport(instance, name))
        elif target == 0x02:
            count, index = r.uleb(), r.uleb()
            if sort == "type":
                scope.types.append(t.AliasOuter(count, index))
        elif target == 0x01:
            r.uleb(), _utf8(r)
        else:
            raise ValueError(f"unknown alias target {target:#x} at {r.pos - 1:#x}")
    elif kind in (0x03, 0x04):
        if kind == 0x03 and not allow_import:
            raise ValueError("import declaration in an instance type")
        declared = _extern_name(r)
        desc = _extern_desc(r)
        scope.decls.append(t.Decl("import" if kind == 0x03 else "export", declared.text, desc))
        if desc.sort == "type":
            scope.types.append(t.Declared(declared.text, desc.index))
    else:
        raise ValueError(f"unknown declaration {kind:#x} at {r.pos - 1:#x}")


def _extern_desc(r: _Reader) -> t.ExternDesc:
    kind = r.byte()
    if kind == 0x00:
        if r.byte() != 0x11:
            raise ValueError("core extern description is not a module")
        return t.ExternDesc("module", r.uleb())
    if kind == 0x01:
        return t.ExternDesc("func", r.uleb())
    if kind == 0x02:
        bound = r.byte()
        if bound == 0x00:
            r.uleb()
        else:
            _valtype(r)
        return t.ExternDesc("value", None)
    if kind == 0x03:
        bound = r.byte()
        if bound == 0x00:
            return t.ExternDesc("type", r.uleb())
        if bound == 0x01:
            return t.ExternDesc("type", None, resource=True)
        raise ValueError(f"unknown type bound {bound:#x} at {r.pos - 1:#x}")
    if kind == 0x04:
        return t.ExternDesc("component", r.uleb())
    if kind == 0x05:
        return t.ExternDesc("instance", r.uleb())
    raise ValueError(f"unknown extern description {kind:#x} at {r.pos - 1:#x}")
