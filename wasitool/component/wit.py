"""WIT text from a component's own types: the world it imports and exports, and each interface's types
and functions, laid out as `wasm-tools component wit` prints them (package blocks, resources with their
methods, `use` for types taken from another interface).

Rendering is bounded: a type reference is followed at most `MAX_NESTING` levels deep and one type's
text at most `MAX_TYPE_TEXT` characters, so a hostile binary cannot make the output explode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wasitool.component import types as t
from wasitool.component.binary import Component, Export, Instance, Name

MAX_NESTING = 32
MAX_TYPE_TEXT = 4000
MAX_STEPS = 10_000  # type references followed for one rendering (shared subtypes are rendered each time)
MAX_TOTAL_STEPS = 500_000  # and for everything one Renderer renders
_KEYWORDS = frozenset({"use", "type", "func", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64",
                       "char", "bool", "string", "option", "result", "list", "tuple", "record", "variant", "enum",
                       "flags", "resource", "own", "borrow", "interface", "world", "import", "export", "package",
                       "include", "with", "as", "from", "static", "constructor", "stream", "future", "async",
                       "error-context", "_"})


def ident(name: str) -> str:
    """`type` -> `%type`: WIT escapes identifiers that are keywords."""
    return f"%{name}" if name in _KEYWORDS else name


@dataclass
class Scope:
    """A type index space to render in, its enclosing scope (for outer aliases) and its component."""

    types: list[t.TypeEntry]
    parent: Scope | None = None
    component: Component | None = None


@dataclass
class InterfaceText:
    """What one interface declares: `use` lines, type definitions, functions (methods inside resources)."""

    uses: dict[str, list[str]] = field(default_factory=dict)  # interface -> the names it gives
    items: list[str] = field(default_factory=list)


class Renderer:
    """Value types and declarations as WIT, resolved through a chain of scopes."""

    def __init__(self) -> None:
        self._steps = self._total = 0

    def valtype(self, scope: Scope, vt: t.ValType | None, depth: int = 0) -> str:
        if depth == 0:
            self._steps = 0
        return _cut(self._valtype(scope, vt, depth))

    def _valtype(self, scope: Scope, vt: t.ValType | None, depth: int) -> str:
        if vt is None:
            return "_"
        if isinstance(vt, t.Prim):
            return vt.name
        self._steps += 1
        self._total += 1
        if depth > MAX_NESTING or self._steps > MAX_STEPS or self._total > MAX_TOTAL_STEPS:
            return "..."
        entry, where = self.entry(scope, vt.index)
        if entry is None or where is None:
            return f"type{vt.index}"
        return self._entry(where, entry, vt.index, depth + 1)

    def entry(self, scope: Scope, index: int, depth: int = 0) -> tuple[t.TypeEntry | None, Scope | None]:
        """Type `index` of `scope`, outer aliases followed to the scope that defines it."""
        if not 0 <= index < len(scope.types):
            return None, None
        entry = scope.types[index]
        if isinstance(entry, t.AliasOuter) and depth < MAX_NESTING:
            outer: Scope | None = scope
            for _ in range(entry.count):
                outer = outer.parent if outer else None
            if outer is None:
                return None, None
            return self.entry(outer, entry.index, depth + 1)
        return entry, scope

    def _entry(self, scope: Scope, entry: t.TypeEntry, index: int, depth: int) -> str:
        def v(x: t.ValType | None) -> str:
            return self._valtype(scope, x, depth)

        if isinstance(entry, t.Declared | t.AliasExport):
            return ident(entry.name)
        if isinstance(entry, t.Prim):
            return entry.name
        if isinstance(entry, t.ListOf):
            return f"list<{v(entry.element)}" + (f", {entry.length}>" if entry.length is not None else ">")
        if isinstance(entry, t.Option):
            return f"option<{v(entry.inner)}>"
        if isinstance(entry, t.Result):
            if entry.ok is None and entry.err is None:
                return "result"
            if entry.err is None:
                return f"result<{v(entry.ok)}>"
            return f"result<{v(entry.ok)}, {v(entry.err)}>"
        if isinstance(entry, t.Tuple):
            return f"tuple<{', '.join(v(x) for x in entry.items)}>"
        if isinstance(entry, t.Handle):
            target = v(t.TypeRef(entry.resource))
            return target if entry.kind == "own" else f"borrow<{target}>"
        if isinstance(entry, t.AsyncValue):
            return entry.kind if entry.element is None else f"{entry.kind}<{v(entry.element)}>"
        if isinstance(entry, t.FuncType):
            return self.functype(scope, entry, depth=depth)
        names = scope.component.names.get("type", {}) if scope.component else {}
        return ident(names.get(index, f"type{index}"))

    def params(self, scope: Scope, params: tuple[tuple[str, t.ValType], ...], depth: int = 0) -> str:
        if depth == 0:
            self._steps = 0
        return _cut(", ".join(f"{ident(name)}: {self._valtype(scope, vt, depth)}" for name, vt in params))

    def functype(self, scope: Scope, func: t.FuncType, skip_self: bool = False, depth: int = 0) -> str:
        text = self.params(scope, func.params[1:] if skip_self and func.params else func.params, depth)
        result = f" -> {_cut(self._valtype(scope, func.result, depth))}" if func.result is not None else ""
        return f"{'async ' if func.is_async else ''}func({text}){result}"

    def is_resource(self, scope: Scope, index: int | None, depth: int = 0) -> bool:
        if index is None or depth > MAX_NESTING:
            return index is None
        entry, where = self.entry(scope, index)
        if isinstance(entry, t.ResourceType):
            return True
        if isinstance(entry, t.Declared) and where is not None:
            return self.is_resource(where, entry.target, depth + 1)
        return False

    def func_of(self, scope: Scope, desc: t.ExternDesc) -> t.FuncType | None:
        entry, _ = self.entry(scope, desc.index if desc.index is not None else -1)
        return entry if isinstance(entry, t.FuncType) else None

    def interface(self, scope: Scope, decls: list[t.Decl], local_package: str | None) -> InterfaceText:
        """The `use` lines and items of an instance whose exports are `decls` (types in `scope`)."""
        out = InterfaceText()
        resources: dict[str, list[str]] = {}
        order: list[tuple[str, str]] = []  # ("resource", name) or ("item", text)
        for decl in decls:
            if decl.kind != "export":
                continue
            if decl.desc.sort == "type":
                self._type_decl(scope, decl, out, resources, order, local_package)
            elif decl.desc.sort == "func":
                func = self.func_of(scope, decl.desc)
                if func is None:
                    continue
                method = _method(decl.name)
                if method is not None:
                    resource, member, kind = method
                    line = (f"constructor({self.params(scope, func.params)});" if kind == "constructor" else
                            f"{ident(member)}: {'static ' if kind == 'static' else ''}"
                            f"{self.functype(scope, func, skip_self=kind == 'method')};")
                    if resource not in resources:
                        resources[resource] = []
                        order.append(("resource", resource))
                    resources[resource].append(line)
                else:
                    order.append(("item", f"{ident(decl.name)}: {self.functype(scope, func)};"))
        for kind, text in order:
            if kind == "item":
                out.items.append(text)
            elif resources[text]:
                body = "\n".join(f"  {line}" for line in resources[text])
                out.items.append(f"resource {ident(text)} {{\n{body}\n}}")
            else:
                out.items.append(f"resource {ident(text)};")
        return out

    def _type_decl(self, scope: Scope, decl: t.Decl, out: InterfaceText, resources: dict[str, list[str]],
                   order: list[tuple[str, str]], local_package: str | None) -> None:
        name = decl.name
        index = decl.desc.index if decl.desc.index is not None else -1
        used = None if decl.desc.resource else self._use(scope, index, local_package)
        if used is not None:
            source, original = used
            alias = original if original == name else f"{ident(original)} as {ident(name)}"
            out.uses.setdefault(source, []).append(alias)
            return
        if decl.desc.resource or self.is_resource(scope, decl.desc.index):
            if name not in resources:
                resources[name] = []
                order.append(("resource", name))
            return
        entry, where = self.entry(scope, index)
        home = where or scope

        def v(x: t.ValType | None) -> str:
            return self.valtype(home, x)

        if isinstance(entry, t.Record):
            body = "".join(f"  {ident(f)}: {v(ft)},\n" for f, ft in entry.fields)
            order.append(("item", f"record {ident(name)} {{\n{body}}}"))
        elif isinstance(entry, t.Variant):
            body = "".join(f"  {ident(c)}" + (f"({v(ct)})" if ct is not None else "") + ",\n"
                           for c, ct in entry.cases)
            order.append(("item", f"variant {ident(name)} {{\n{body}}}"))
        elif isinstance(entry, t.Enum):
            body = "".join(f"  {ident(c)},\n" for c in entry.names)
            order.append(("item", f"enum {ident(name)} {{\n{body}}}"))
        elif isinstance(entry, t.Flags):
            body = "".join(f"  {ident(c)},\n" for c in entry.names)
            order.append(("item", f"flags {ident(name)} {{\n{body}}}"))
        else:
            order.append(("item", f"type {ident(name)} = {self.valtype(scope, t.TypeRef(index))};"))

    def _use(self, scope: Scope, index: int, local_package: str | None) -> tuple[str, str] | None:
        """(interface, type name) when type `index` is another interface's type (`use iface.{name}`)."""
        if not 0 <= index < len(scope.types) or not isinstance(scope.types[index], t.AliasOuter | t.AliasExport):
            return None
        entry, where = self.entry(scope, index)
        if not isinstance(entry, t.AliasExport) or where is None or where.component is None:
            return None
        instances = where.component.instances
        if not 0 <= entry.instance < len(instances):
            return None
        source = instances[entry.instance].name
        parsed = Name(source).interface
        if parsed is None:
            return ident(source), entry.name
        package, iface, version = parsed
        if local_package == (f"{package}@{version}" if version else package):
            return ident(iface), entry.name
        return source, entry.name


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TYPE_TEXT else text[:MAX_TYPE_TEXT] + "..."


def _method(name: str) -> tuple[str, str, str] | None:
    """(resource, member, kind) for `[method]r.m`, `[static]r.m`, `[constructor]r`."""
    for kind in ("method", "static", "constructor"):
        prefix = f"[{kind}]"
        if name.startswith(prefix):
            rest = name[len(prefix):]
            if kind == "constructor":
                return rest, "", kind
            resource, _, member = rest.partition(".")
            return resource, member, kind
    return None


# -- a component's world -------------------------------------------------------------------------------

@dataclass
class WorldItem:
    """One import or export of the world: an interface (`decls` in `scope`) or a plain function."""

    kind: str  # import, export
    name: Name
    scope: Scope | None = None
    decls: list[t.Decl] = field(default_factory=list)
    func: t.FuncType | None = None


def world_items(comp: Component) -> list[WorldItem]:
    """The imports and exports of `comp` with the types to render each."""
    root = Scope(comp.types, None, comp)
    r = Renderer()
    items: list[WorldItem] = []
    for imp in comp.imports:
        if imp.desc.sort == "instance":
            entry, where = r.entry(root, imp.desc.index if imp.desc.index is not None else -1)
            if isinstance(entry, t.InstanceType) and where is not None:
                items.append(WorldItem("import", imp.name, Scope(entry.scope.types, where, comp), entry.scope.decls))
            else:
                items.append(WorldItem("import", imp.name))
        elif imp.desc.sort == "func" and (func := r.func_of(root, imp.desc)) is not None:
            items.append(WorldItem("import", imp.name, root, func=func))
        else:
            items.append(WorldItem("import", imp.name))
    for exp in comp.exports:
        items.append(_export_item(comp, root, exp, r))
    return items


def _export_item(comp: Component, root: Scope, exp: Export, r: Renderer) -> WorldItem:
    if exp.desc is not None and exp.desc.sort == "instance":
        entry, where = r.entry(root, exp.desc.index if exp.desc.index is not None else -1)
        if isinstance(entry, t.InstanceType) and where is not None:
            return WorldItem("export", exp.name, Scope(entry.scope.types, where, comp), entry.scope.decls)
    if exp.item.sort == "func":
        desc = exp.desc if exp.desc is not None else _func_desc(comp, exp.item.index)
        func = r.func_of(root, desc) if desc else None
        return WorldItem("export", exp.name, root, func=func) if func else WorldItem("export", exp.name)
    if exp.item.sort == "instance" and 0 <= exp.item.index < len(comp.instances):
        scope, decls = _instance_decls(comp, root, comp.instances[exp.item.index])
        return WorldItem("export", exp.name, scope, decls)
    return WorldItem("export", exp.name)


def _func_desc(comp: Component, index: int, depth: int = 0) -> t.ExternDesc | None:
    """The function type of component function `index` (an import, a lift or an ascribed export)."""
    if not 0 <= index < len(comp.funcs) or depth > MAX_NESTING:
        return None
    func = comp.funcs[index]
    if func.type_index is not None:
        return t.ExternDesc("func", func.type_index)
    if func.origin == "export" and func.source is not None:
        return _func_desc(comp, func.source, depth + 1)
    return None


def _instance_decls(comp: Component, root: Scope, inst: Instance) -> tuple[Scope | None, list[t.Decl]]:
    """What an exported instance declares: its inline exports, or the exports of the nested component
    it instantiates (with their ascribed types, in that component's scope)."""
    if inst.origin == "exports":
        decls = []
        for name, item in inst.exports:
            if item.sort == "func":
                desc = _func_desc(comp, item.index)
                if desc is not None:
                    decls.append(t.Decl("export", name, desc))
            elif item.sort == "type":
                decls.append(t.Decl("export", name, t.ExternDesc("type", item.index)))
        return root, decls
    if inst.origin == "instantiate" and inst.component is not None and 0 <= inst.component < len(comp.components):
        inner = comp.components[inst.component]
        if inner is None:
            return None, []
        # the types the instantiation supplies are the outer component's (`use` of another interface's type)
        supplied = {name: item for name, item in inst.args if item.sort == "type"}
        types = list(inner.types)
        for imp in inner.imports:
            if imp.desc.sort == "type" and imp.name.text in supplied and 0 <= imp.index < len(types):
                types[imp.index] = t.AliasOuter(1, supplied[imp.name.text].index)
        scope = Scope(types, root, inner)
        decls = []
        for exp in inner.exports:
            if exp.item.sort == "func":
                desc = exp.desc if exp.desc is not None else _func_desc(inner, exp.item.index)
                if desc is not None:
                    decls.append(t.Decl("export", exp.name.text, desc))
            elif exp.item.sort == "type":
                decls.append(t.Decl("export", exp.name.text, exp.desc if exp.desc and exp.desc.index is not None
                                    else t.ExternDesc("type", exp.item.index)))
        return scope, decls
    return None, []


def world_text(comp: Component, package: str = "root:component", world: str = "root") -> str:
    """The WIT of `comp`: `package ...; world ... { import ...; export ...; }` and one package block per
    package of the interfaces it imports or exports, like `wasm-tools component wit`."""
    r = Renderer()
    lines = [f"package {package};", "", f"world {world} {{"]
    packages: dict[str, list[str]] = {}
    printed: set[tuple[str, str]] = set()
    exports_seen = False
    for item in world_items(comp):
        if item.kind == "export" and not exports_seen:
            exports_seen = True
            if len(lines) > 3:
                lines.append("")
        parsed = item.name.interface
        if item.func is not None and item.scope is not None:
            lines.append(f"  {item.kind} {ident(item.name.text)}: {r.functype(item.scope, item.func)};")
            continue
        if parsed is None:
            body = _interface_body(r, item, None) if item.scope is not None else ""
            lines.append(f"  {item.kind} {ident(item.name.text)}: interface {{{body}}}")
            continue
        pkg, iface, version = parsed
        lines.append(f"  {item.kind} {item.name.text};")
        key = f"{pkg}@{version}" if version else pkg
        if (key, iface) in printed:  # imported and exported: one definition, as in the WIT source
            continue
        printed.add((key, iface))
        if item.scope is not None:
            packages.setdefault(key, []).append(f"  interface {iface} {{{_interface_body(r, item, key, '    ')}}}")
        else:
            packages.setdefault(key, []).append(f"  interface {iface} {{ /* type not known */ }}")
    lines.append("}")
    for key, bodies in packages.items():
        lines += [f"package {key} {{", *bodies, "}", "", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _interface_body(r: Renderer, item: WorldItem, package: str | None, indent: str = "    ") -> str:
    assert item.scope is not None
    text = r.interface(item.scope, item.decls, package)
    blocks = []
    if text.uses:
        blocks.append("\n".join(f"{indent}use {source}.{{{', '.join(names)}}};"
                                 for source, names in text.uses.items()))
    for body in text.items:
        blocks.append("\n".join(indent + line for line in body.splitlines()))
    return "\n" + "".join(block + "\n\n" for block in blocks)[:-1] + indent[:-2]
