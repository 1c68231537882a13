"""What a WASI 0.2 component contains, read by `wasitool.component.binary` (no toolchain needed).

- `inspect(path)`: the world (imports and exports with versions and the functions of each interface),
  the core modules and core instances inside (which module is instantiated with what), and for a
  program adapted from preview1, which preview1 calls became which 0.2 functions;
- `core_module(...)`: one core module inside (the program's by default) for the preview1 views;
- `render(info)`: the tables `wasitool inspect COMPONENT` prints;
- `wit_text(...)`: the WIT, from the pinned `wasm-tools component wit` when the store has it, else
  from wasitool's own printer (`wasitool.component.wit`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wasitool.component import adapter as adapt
from wasitool.component import binary as cb
from wasitool.component.wit import Renderer, WorldItem, world_items, world_text
from wasitool.errors import WasitoolError
from wasitool.toolchain.roles import Role
from wasitool.wasmbin import Module, parse_module

if TYPE_CHECKING:
    from rich.console import Console

WASM_TOOLS_ENV = "WASITOOL_WASM_TOOLS"
WASM_TOOLS_ROLE: Role = "wasm-tools"
_FIX_FILE = "give a valid .wasm component or module"


@dataclass
class WorldEntry:
    kind: str  # import, export
    name: str
    sort: str  # instance, func, type, ...
    package: str | None  # `wasi:cli` for interface names, None for plain names
    interface: str | None
    version: str | None
    functions: list[str] = field(default_factory=list)  # `get-stdout: func() -> output-stream`
    types: list[str] = field(default_factory=list)  # type names the interface exports


@dataclass
class ModuleEntry:
    index: int
    name: str  # from the component's name section ("" when it has none)
    offset: int
    size: int
    role: str  # program, adapter NAME, shim, fixup or ""
    imports: list[str] = field(default_factory=list)  # the modules it imports from, with counts
    exports: int = 0
    functions: int = 0
    error: str = ""  # why it could not be read


@dataclass
class CoreInstanceEntry:
    index: int
    module: int | None  # None for a bag of exports
    args: list[tuple[str, int]] = field(default_factory=list)  # (import module name, core instance)
    exports: list[str] = field(default_factory=list)
    text: str = ""


@dataclass
class NestedComponent:
    index: int
    name: str
    size: int
    imports: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    modules: int = 0


@dataclass
class InstanceEntry:
    index: int
    text: str  # `import wasi:cli/stdout@0.2.12`, `instantiate component[0] (...) with ...`, `exports ...`


@dataclass
class ComponentInfo:
    path: str
    size: int
    version: int
    world: list[WorldEntry] = field(default_factory=list)
    modules: list[ModuleEntry] = field(default_factory=list)
    core_instances: list[CoreInstanceEntry] = field(default_factory=list)
    nested_components: int = 0
    components: list[NestedComponent] = field(default_factory=list)
    instances: list[InstanceEntry] = field(default_factory=list)
    program_module: int | None = None
    adapter: str | None = None  # the adapted interface (`wasi_snapshot_preview1`)
    adapter_module: int | None = None
    adapted: list[adapt.AdaptedCall] = field(default_factory=list)
    custom_sections: list[str] = field(default_factory=list)
    not_decoded: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read(path: Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise WasitoolError(f"no such module: {path}", "give a .wasm file or an example name")
    return path.read_bytes()


def load(path: Path, data: bytes | None = None) -> cb.Component:
    """Read and parse the component at `path`; one-line WasitoolError if it is not one."""
    data = read(path) if data is None else data
    try:
        return cb.parse_component(data)
    except ValueError as exc:
        raise WasitoolError(f"cannot read {path}: {exc}", _FIX_FILE) from None


# -- the program, the adapter and the others ---------------------------------------------------------

@dataclass
class _Modules:
    parsed: dict[int, Module]
    errors: dict[int, str]
    roles: dict[int, str]
    program: int | None
    adapter: int | None
    adapter_name: str | None


def _module_names(comp: cb.Component) -> dict[int, str]:
    return comp.names.get("core:module", {})


def _read_modules(data: bytes, comp: cb.Component) -> _Modules:
    parsed: dict[int, Module] = {}
    errors: dict[int, str] = {}
    for index, mod in enumerate(comp.modules):
        if mod.start < 0:
            errors[index] = "imported or aliased: not inside this component"
            continue
        try:
            parsed[index] = parse_module(data[mod.start:mod.start + mod.size])
        except ValueError as exc:
            errors[index] = str(exc)
    names = _module_names(comp)
    roles: dict[int, str] = {}
    adapter = adapter_name = None
    for index, module in parsed.items():
        name = names.get(index, "")
        if name.startswith(adapt.ADAPTER_PREFIX) or any(imp.module == adapt.MAIN_MODULE for imp in module.imports):
            adapter = index
            adapter_name = name[len(adapt.ADAPTER_PREFIX):] if name.startswith(adapt.ADAPTER_PREFIX) else None
        elif name in ("wit-component-shim-module", "wit-component-fixup"):
            roles[index] = "shim" if name.endswith("shim-module") else "fixup"
    program = _program_module(comp, parsed, adapter, set(roles))
    if adapter is not None and adapter_name is None and program is not None:
        adapter_name = _adapter_import_name(parsed[program], parsed[adapter])
    if adapter is not None:
        roles[adapter] = f"adapter {adapter_name or '?'}"
    if program is not None:
        roles[program] = "program"
    return _Modules(parsed, errors, roles, program, adapter, adapter_name)


def _adapter_import_name(program: Module, adapter: Module) -> str | None:
    """The module name under which `program` imports the adapter's functions."""
    exported = {e.name for e in adapter.exports if e.kind == "func"}
    for imp in program.imports:
        if imp.kind == "func" and imp.name in exported and ":" not in imp.module:
            return imp.module
    return None


def _program_module(comp: cb.Component, parsed: dict[int, Module], adapter: int | None,
                    helpers: set[int]) -> int | None:
    """The program's core module: the one an adapter's `__main_module__` comes from, else the one importing
    the adapter's functions, else the one the component's exports are lifted from, else the largest
    (wit-component's shim and fixup modules, `helpers`, left out)."""
    if adapter is not None:
        for inst in comp.core_instances:
            if inst.module == adapter:
                for name, arg in inst.args:
                    if name == adapt.MAIN_MODULE:
                        found = _module_behind_instance(comp, arg)
                        if found in parsed:
                            return found
        importers = [i for i in parsed if i != adapter and i not in helpers
                     and _adapter_import_name(parsed[i], parsed[adapter]) is not None]
        if importers:
            return importers[0]
    for exp in comp.exports:
        found = _module_behind(comp, exp.item)
        if found in parsed and found != adapter and found not in helpers:
            return found
    candidates = [i for i in parsed if i != adapter and i not in helpers]
    return max(candidates, key=lambda i: comp.modules[i].size) if candidates else None


def _module_behind_instance(comp: cb.Component, core_instance: int, depth: int = 0) -> int | None:
    """The module a core instance was instantiated from; for a bag of exports, that of its first function."""
    if not 0 <= core_instance < len(comp.core_instances) or depth > 8:
        return None
    inst = comp.core_instances[core_instance]
    if inst.module is not None:
        return inst.module
    for _, item in inst.exports:
        if item.sort == "core:func" and 0 <= item.index < len(comp.core_funcs):
            func = comp.core_funcs[item.index]
            if func.origin == "alias" and func.instance is not None:
                return _module_behind_instance(comp, func.instance, depth + 1)
    return None


def _module_behind(comp: cb.Component, item: cb.SortIdx, seen: set[tuple[str, int]] | None = None) -> int | None:
    """The core module whose code an exported function or instance is lifted from (each function and
    instance looked at once, at most 64 steps away)."""
    seen = set() if seen is None else seen
    if (item.sort, item.index) in seen or len(seen) > 64:
        return None
    seen.add((item.sort, item.index))
    if item.sort == "func" and 0 <= item.index < len(comp.funcs):
        func = comp.funcs[item.index]
        if func.origin == "lift" and func.core_func is not None and 0 <= func.core_func < len(comp.core_funcs):
            core = comp.core_funcs[func.core_func]
            return _module_behind_instance(comp, core.instance) if core.instance is not None else None
        if func.origin == "export" and func.source is not None:
            return _module_behind(comp, cb.SortIdx("func", func.source), seen)
    if item.sort == "instance" and 0 <= item.index < len(comp.instances):
        inst = comp.instances[item.index]
        for _, arg in (*inst.exports, *inst.args):
            found = _module_behind(comp, arg, seen)
            if found is not None:
                return found
        if inst.source is not None and inst.origin == "export":
            return _module_behind(comp, cb.SortIdx("instance", inst.source), seen)
    return None


# -- the view ------------------------------------------------------------------------------------------

def inspect(path: Path) -> ComponentInfo:
    """The world, core modules and instances of the component at `path`, and its preview1 mapping."""
    data = read(path)
    comp = load(path, data)
    info = ComponentInfo(str(path), len(data), comp.version, nested_components=len(comp.components),
                         custom_sections=[c.name for c in comp.custom], not_decoded=list(comp.partial))
    renderer = Renderer()  # one budget for all the types rendered (see wasitool.component.wit)
    info.world = [_world_entry(item, renderer) for item in world_items(comp)]
    mods = _read_modules(data, comp)
    names = _module_names(comp)
    for index, mod in enumerate(comp.modules):
        entry = ModuleEntry(index, names.get(index, ""), mod.start, mod.size, mods.roles.get(index, ""),
                            error=mods.errors.get(index, ""))
        module = mods.parsed.get(index)
        if module is not None:
            counts: dict[str, int] = {}
            for imp in module.imports:
                counts[imp.module] = counts.get(imp.module, 0) + 1
            entry.imports = [f"{name} ({count})" for name, count in counts.items()]
            entry.exports, entry.functions = len(module.exports), len(module.bodies)
        info.modules.append(entry)
    for index, inst in enumerate(comp.core_instances):
        info.core_instances.append(_core_instance_entry(index, inst, info.modules))
    component_names = comp.names.get("component", {})
    for index, inner in enumerate(comp.components):
        if inner is not None:
            info.components.append(NestedComponent(index, component_names.get(index, ""), inner.size,
                                                   [i.name.text for i in inner.imports],
                                                   [e.name.text for e in inner.exports], len(inner.modules)))
    info.instances = [InstanceEntry(i, _instance_text(comp, inst)) for i, inst in enumerate(comp.instances)]
    info.program_module, info.adapter_module, info.adapter = mods.program, mods.adapter, mods.adapter_name
    if mods.program is not None and mods.adapter is not None and mods.adapter_name:
        interfaces = {adapt.unversioned(imp.name.text): imp.name.text for imp in comp.imports}
        info.adapted = adapt.adapted_calls(mods.parsed[mods.program], mods.parsed[mods.adapter],
                                           mods.adapter_name, interfaces)
    return info


def _world_entry(item: WorldItem, r: Renderer) -> WorldEntry:
    parsed = item.name.interface
    package, iface, version = parsed if parsed else (None, None, None)
    sort = "func" if item.func is not None else "instance" if item.scope is not None else "?"
    entry = WorldEntry(item.kind, item.name.text, sort, package, iface, version)
    if item.scope is not None and item.func is None:
        for decl in item.decls:
            if decl.desc.sort == "func":
                func = r.func_of(item.scope, decl.desc)
                if func is not None:
                    entry.functions.append(f"{decl.name}: {r.functype(item.scope, func)}")
            elif decl.desc.sort == "type":
                entry.types.append(decl.name)
    elif item.func is not None and item.scope is not None:
        entry.functions.append(f"{item.name.text}: {r.functype(item.scope, item.func)}")
    return entry


def _instance_text(comp: cb.Component, inst: cb.Instance) -> str:
    def items(pairs: tuple[tuple[str, cb.SortIdx], ...], joiner: str) -> str:
        shown = [f"{name}{joiner}{_item_label(comp, item)}" for name, item in pairs[:6]]
        return ", ".join(shown) + (f", ... ({len(pairs)} in all)" if len(pairs) > 6 else "")

    if inst.origin == "instantiate":
        name = comp.names.get("component", {}).get(inst.component or 0, "")
        label = f"component[{inst.component}]" + (f" ({name})" if name else "")
        return f"instantiate {label}" + (f" with {items(inst.args, '=')}" if inst.args else "")
    if inst.origin == "exports":
        return f"exports {items(inst.exports, ' = ')}" if inst.exports else "(empty)"
    if inst.origin == "alias":
        return f"alias of instance[{inst.source}]'s export {inst.name}"
    if inst.origin == "export":
        return f"export {inst.name} (instance[{inst.source}])"
    return f"{inst.origin} {inst.name}".strip()


def _item_label(comp: cb.Component, item: cb.SortIdx) -> str:
    """`func[13]`, with where a lifted function's code is: `func[13] (lifted from module[1] export run)`."""
    label = f"{item.sort}[{item.index}]"
    if item.sort != "func" or not 0 <= item.index < len(comp.funcs):
        return label
    func = comp.funcs[item.index]
    if func.origin != "lift" or func.core_func is None or not 0 <= func.core_func < len(comp.core_funcs):
        return label
    core = comp.core_funcs[func.core_func]
    module = _module_behind_instance(comp, core.instance) if core.instance is not None else None
    if core.origin != "alias" or module is None:
        return f"{label} (lifted from core func[{func.core_func}])"
    return f"{label} (lifted from module[{module}] export {core.name})"


def _core_instance_entry(index: int, inst: cb.CoreInstance, modules: list[ModuleEntry]) -> CoreInstanceEntry:
    if inst.module is None:
        exports = [name for name, _ in inst.exports]
        shown = ", ".join(exports[:6]) + (f", ... ({len(exports)} in all)" if len(exports) > 6 else "")
        return CoreInstanceEntry(index, None, exports=exports, text=f"exports {shown}" if exports else "(empty)")
    label = f"module[{inst.module}]"
    if 0 <= inst.module < len(modules) and (modules[inst.module].role or modules[inst.module].name):
        label += f" ({modules[inst.module].role or modules[inst.module].name})"
    args = ", ".join(f"{name}=instance[{arg}]" for name, arg in inst.args)
    return CoreInstanceEntry(index, inst.module, list(inst.args),
                             text=f"instantiate {label}" + (f" with {args}" if args else ""))


# -- core modules for the preview1 views ---------------------------------------------------------------

def core_module(path: Path, index: int | None = None) -> tuple[Module, int, str]:
    """Core module `index` of the component (default: the program's), its index and its role."""
    data = read(path)
    comp = load(path, data)
    mods = _read_modules(data, comp)
    if index is None:
        index = mods.program
        if index is None:
            raise WasitoolError(f"{path} contains no core module", "inspect the component without --callers, "
                                "--disasm or --data")
    if not 0 <= index < len(comp.modules):
        raise WasitoolError(f"no core module {index}: {path} has {len(comp.modules)} "
                            f"(0-{len(comp.modules) - 1})" if comp.modules else f"{path} has no core modules",
                            "pick one shown by `wasitool inspect COMPONENT`")
    if index not in mods.parsed:
        raise WasitoolError(f"cannot read core module {index} of {path}: {mods.errors.get(index)}", _FIX_FILE)
    return mods.parsed[index], index, mods.roles.get(index, "")


# -- WIT -------------------------------------------------------------------------------------------------

def wasm_tools_command() -> list[str] | None:
    """argv prefix of wasm-tools: $WASITOOL_WASM_TOOLS, else the toolchain's `wasm-tools` role, else None."""
    override = os.environ.get(WASM_TOOLS_ENV)
    if override:
        found = shutil.which(override)
        if found is None:
            raise WasitoolError(f"{WASM_TOOLS_ENV}={override} is not an executable",
                                f"point {WASM_TOOLS_ENV} at a wasm-tools binary, or unset it")
        return [found]
    from wasitool.project import active_lock_path
    from wasitool.toolchain.select import load_toolchain

    try:
        toolchain = load_toolchain(lock=active_lock_path())
    except WasitoolError:
        return None
    return toolchain.command(WASM_TOOLS_ROLE) if WASM_TOOLS_ROLE in toolchain.roles() else None


def wit_text(path: Path, native: bool = False) -> str:
    """The component's WIT: `wasm-tools component wit` when available (unless `native`), else wasitool's
    printer; a one-line error when neither can give the whole of it."""
    command = None if native else wasm_tools_command()
    if command is not None:
        proc = subprocess.run([*command, "component", "wit", str(path)], capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            why = (proc.stderr.strip().splitlines() or ["no message"])[0]
            raise WasitoolError(f"wasm-tools component wit failed on {path}: {why}", _FIX_FILE)
        return proc.stdout
    comp = load(path)
    unknown = [item.name.text for item in world_items(comp) if item.scope is None]
    if comp.partial or unknown:
        what = "; ".join([*comp.partial, f"no type for {', '.join(unknown)}"] if unknown else comp.partial)
        raise WasitoolError(f"wasitool's WIT printer cannot give the whole WIT of {path} ({what})",
                            "run `wasitool setup` with a lock that pins wasm-tools, or set "
                            f"{WASM_TOOLS_ENV}")
    return world_text(comp)


def is_component_file(path: Path) -> bool:
    """True when `path` is a component binary (checked from its first 8 bytes)."""
    try:
        with open(path, "rb") as f:
            return cb.is_component(f.read(8))
    except OSError:
        return False


# -- the tables -----------------------------------------------------------------------------------------

def render(info: ComponentInfo, console: Console | None = None) -> None:
    """The world, the core modules, the core instances and the preview1 mapping of a component."""
    from rich.markup import escape
    from rich.table import Table

    from wasitool.console import console as make_console

    console = console or make_console(highlight=False)
    console.print(f"[bold]{escape(info.path)}[/]  {info.size} bytes, component (binary version {info.version:#x}), "
                  f"{len(info.modules)} core modules, {len(info.core_instances)} core instances"
                  + (f", {info.nested_components} nested components" if info.nested_components else ""),
                  highlight=False)
    world = Table(title=f"world ({sum(e.kind == 'import' for e in info.world)} imports, "
                  f"{sum(e.kind == 'export' for e in info.world)} exports)", title_justify="left")
    for col in ("", "name", "functions"):
        world.add_column(col)
    for entry in info.world:
        functions = "\n".join(entry.functions) or (", ".join(entry.types) and f"types: {', '.join(entry.types)}")
        world.add_row(entry.kind, escape(entry.name), escape(functions))
    modules = Table(title=f"core modules ({len(info.modules)})", title_justify="left")
    for col in ("index", "role", "name"):
        modules.add_column(col)
    for col in ("size", "functions"):
        modules.add_column(col, justify="right")
    modules.add_column("imports from")
    for mod in info.modules:
        modules.add_row(str(mod.index), mod.role, escape(mod.name), f"{mod.size:,}", str(mod.functions),
                        escape(mod.error or ", ".join(mod.imports)))
    instances = Table(title=f"core instances ({len(info.core_instances)})", title_justify="left")
    for col in ("index", "made by"):
        instances.add_column(col)
    for inst in info.core_instances:
        instances.add_row(str(inst.index), escape(inst.text))
    tables = [world, modules, instances]
    if info.components:
        nested = Table(title=f"nested components ({len(info.components)})", title_justify="left")
        for col in ("index", "name", "size", "core modules", "imports", "exports"):
            nested.add_column(col)
        for inner in info.components:
            nested.add_row(str(inner.index), escape(inner.name), f"{inner.size:,}", str(inner.modules),
                           escape(", ".join(inner.imports)), escape(", ".join(inner.exports)))
        tables.append(nested)
    if info.instances:
        component_instances = Table(title=f"component instances ({len(info.instances)})", title_justify="left")
        for col in ("index", "made by"):
            component_instances.add_column(col)
        for made in info.instances:
            component_instances.add_row(str(made.index), escape(made.text))
        tables.append(component_instances)
    for table in tables:
        console.print(table)
    if info.adapter is not None:
        adapted = Table(title=f"preview1 calls of module[{info.program_module}] through the adapter "
                        f"{info.adapter} (module[{info.adapter_module}])", title_justify="left")
        for col in ("preview1", "WASI 0.2 (the adapter's source, confirmed in its code)", "reaches"):
            adapted.add_column(col)
        for call in info.adapted:
            calls = "\n".join(call.calls) if call.calls else (
                "(not in the adapter)" if call.adapter_export is None else
                "(no 0.2 call in the adapter's source)" if call.known or not call.reaches else "(not in the table)")
            adapted.add_row(call.preview1, escape(calls), f"{len(call.reaches)} imports")
        console.print(adapted)
        console.print("reaches: the 0.2 imports the adapter's code for that call can reach through direct calls "
                      "(start-up, errors and panics included; `--json` lists them)", highlight=False)
    for note in info.not_decoded:
        console.print(f"not decoded: {escape(note)}", highlight=False)
