"""What a module contains, read by `wasitool.wasmbin` (no toolchain needed): the data `wasitool inspect` shows.

- `inspect(path)`: imports, exports, memories, globals (with the linker's names: `__stack_pointer`,
  `__heap_base`, `__data_end` when the name section or an export names them), sections, features;
- `callers(...)`: every call chain from a function up to the exports that reach it;
- `disassemble(...)`: one function's instructions, calls annotated with their target's name;
- `data_segments(...)`: the data segments and the printable strings in them.

Every view costs time and memory in proportion to the module, and shows at most a limit of rows
(`--limit N`; each view's default below), saying how many it left out: a hostile module (a million
sections, 8 MB of `nop`s, 100,000 nested blocks, 50 MB of strings) gives a short answer quickly.
Code is decoded as a stream and nesting deeper than MAX_INDENT levels is shown as a number, so a
line's length does not grow with the depth.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wasitool.callgraph import Chain, build_call_graph, caller_chains
from wasitool.errors import WasitoolError
from wasitool.wasmbin import Module, format_functype, parse_module
from wasitool.wasmcode import INDIRECT_TYPE_OPS, iter_body, with_depth

PAGE = 65536
DEFAULT_ROWS = 1000  # rows per table of the plain view
DEFAULT_INSTRUCTIONS = 10_000  # --disasm
DEFAULT_STRINGS = 1000  # --data, over all segments
DEFAULT_CHAINS = 100  # --callers
MAX_INDENT = 32  # nesting levels shown by indentation; deeper lines show their depth as a number
MAX_STRING = 1024  # bytes of one --data string shown (then "…")
LINKER_GLOBALS = {  # globals wasm-ld makes, and what they mean to the C runtime
    "__stack_pointer": "top of the C shadow stack in linear memory (the stack grows down from here)",
    "__heap_base": "first address after static data and stack: where malloc starts",
    "__data_end": "end of the static data (data segments and bss)",
    "__global_base": "where static data starts",
    "__memory_base": "where this module's static data starts (dynamic linking)",
    "__table_base": "first table slot of this module (dynamic linking)",
    "__tls_base": "this thread's thread-local storage block",
    "__stack_low": "lowest address of the stack",
    "__stack_high": "highest address of the stack",
    "__heap_end": "end of the initial heap",
}
_FIX_TARGET = "give an index (3 or func[3]), or an import, export or function name shown by `wasitool inspect`"


@dataclass
class Section:
    name: str  # "Type", "Import", ... or the custom section's own name for "Custom"
    kind: str
    start: int
    size: int
    count: int | None


@dataclass
class Import:
    module: str
    name: str
    kind: str  # func, memory, table, global, tag
    detail: str  # signature for functions, limits/type otherwise


@dataclass
class Export:
    name: str
    kind: str
    index: int
    detail: str


@dataclass
class Memory:
    index: int
    initial_pages: int
    max_pages: int | None
    imported: bool = False
    detail: str = ""

    @property
    def initial_bytes(self) -> int:
        return self.initial_pages * PAGE


@dataclass
class GlobalInfo:
    index: int
    name: str | None  # from the name section or an export
    type: str
    mutable: bool
    init: str  # constant expression, or "imported"
    value: int | float | None
    exports: list[str] = field(default_factory=list)
    meaning: str = ""  # for the linker's globals (`LINKER_GLOBALS`)


@dataclass
class ModuleInfo:
    path: str
    size: int
    sections: list[Section] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    memories: list[Memory] = field(default_factory=list)
    globals: list[GlobalInfo] = field(default_factory=list)
    start: str | None = None
    target_features: list[str] = field(default_factory=list)
    functions: int = 0  # defined in the module (imports not counted)
    named_functions: int = 0  # entries of the name section
    omitted: dict[str, int] = field(default_factory=dict)  # table -> rows left out by the limit

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for mem, info in zip(data["memories"], self.memories, strict=True):
            mem["initial_bytes"] = info.initial_bytes
        return data


def load(path: Path) -> Module:
    """Read and parse `path`; one-line WasitoolError if it is missing or not a module."""
    path = Path(path)
    if not path.is_file():
        raise WasitoolError(f"no such module: {path}", "give a .wasm file or an example name")
    try:
        return parse_module(path.read_bytes())
    except ValueError as exc:
        raise WasitoolError(f"cannot read {path}: {exc}", "give a valid .wasm file") from None


def inspect(path: Path, module: Module | None = None, limit: int = DEFAULT_ROWS) -> ModuleInfo:
    """Imports, exports, memories, globals and sections of the module at `path`, at most `limit` of
    each (`omitted` counts the rest)."""
    m = module or load(path)
    info = ModuleInfo(path=str(path), size=len(m.data), functions=len(m.bodies),
                      named_functions=len(m.names.functions), target_features=list(m.target_features[:limit]))
    for table, rows in (("sections", m.sections), ("imports", m.imports), ("exports", m.exports),
                        ("memories", m.memories), ("globals", m.globals),
                        ("target_features", m.target_features)):
        if len(rows) > limit:
            info.omitted[table] = len(rows) - limit
    info.sections = [Section(s.name, "Custom" if s.id == 0 else s.name, s.start, s.size, s.count)
                     for s in m.sections[:limit]]
    for imp in m.imports[:limit]:
        detail = format_functype(m.types[imp.desc] if isinstance(imp.desc, int) and imp.desc < len(m.types)
                                 else None) if imp.kind == "func" else str(imp.desc)
        info.imports.append(Import(imp.module, imp.name, imp.kind, detail))
    for index, mem in enumerate(m.memories[:limit]):
        limits = f"pages: initial={mem.initial}" + (f" max={mem.maximum}" if mem.maximum is not None else "")
        info.memories.append(Memory(index, mem.initial, mem.maximum, mem.imported, limits))
    for exp in m.exports[:limit]:
        detail = ""
        if exp.kind == "func":
            detail = format_functype(m.func_type(exp.index))
        elif exp.kind == "memory" and exp.index < len(info.memories):
            detail = info.memories[exp.index].detail
        elif exp.kind == "global" and exp.index < len(m.globals):
            detail = m.globals[exp.index].valtype
        info.exports.append(Export(exp.name, exp.kind, exp.index, detail))
    for index, glob in enumerate(m.globals[:limit]):
        exports = m.exports_of("global", index)
        name = m.names.globals.get(index) or next(iter(exports), None)
        info.globals.append(GlobalInfo(index, name, glob.valtype, glob.mutable, glob.init or "imported",
                                       glob.value, exports,
                                       next((LINKER_GLOBALS[n] for n in (name, *exports) if n in LINKER_GLOBALS), "")))
    if m.start is not None:
        info.start = func_label(m, m.start)
    return info


# -- naming functions ------------------------------------------------------------------------------------

def func_name(m: Module, index: int) -> str | None:
    """What to call function `index`: the import's field, the name section's name, or an export's name."""
    imp = m.func_import(index)
    if imp is not None:
        return imp.name
    named = m.names.functions.get(index)
    if named:
        return named
    exports = m.exports_of("func", index)
    return exports[0] if exports else None


def func_label(m: Module, index: int) -> str:
    """`fd_readdir (import func[6])`, `_start (export func[14])`, `readdir (func[25])` or `func[25]`."""
    imp = m.func_import(index)
    if imp is not None:
        return f"{imp.name} (import func[{index}])"
    exports = m.exports_of("func", index)
    if exports:
        return f"{exports[0]} (export func[{index}])"
    name = m.names.functions.get(index)
    return f"{name} (func[{index}])" if name else f"func[{index}]"


def resolve_function(m: Module, spec: str) -> int:
    """A function index from `3`, `func[3]`, an import field (`fd_readdir`, `module.field`), an export or a name."""
    text = spec.strip()
    number = re.fullmatch(r"(?:func\[)?(\d+)\]?", text)
    if number:
        index = int(number.group(1))
        if index >= len(m.func_types):
            raise WasitoolError(f"no function {index}: the module has {len(m.func_types)} functions "
                                f"(0-{len(m.func_types) - 1})", _FIX_TARGET)
        return index
    imports = [(i, imp) for i, imp in enumerate(imp for imp in m.imports if imp.kind == "func")]
    candidates: list[list[int]] = [
        [i for i, imp in imports if text in (imp.name, f"{imp.module}.{imp.name}")],
        [e.index for e in m.exports if e.kind == "func" and e.name == text],
        [i for i, name in sorted(m.names.functions.items()) if name == text],
        # zig names its compiler-rt and libc functions by module path: compiler_rt.udivmod.__udivti3
        [i for i, name in sorted(m.names.functions.items()) if name.rsplit(".", 1)[-1] == text],
    ]
    for found in candidates:
        unique = sorted(set(found))
        if len(unique) == 1:
            return unique[0]
        if len(unique) > 1:
            labels = ", ".join(func_label(m, i) for i in unique)
            raise WasitoolError(f"`{spec}` names several functions: {labels}", "give the index instead")
    hint = "" if m.names.functions else " (the module has no name section: it was built stripped)"
    raise WasitoolError(f"no function `{spec}` in the module{hint}", _FIX_TARGET)


# -- --callers -------------------------------------------------------------------------------------------

@dataclass
class CallersReport:
    target: int
    chains: list[Chain]
    truncated: bool
    undecodable: dict[int, str]


def callers(m: Module, spec: str, limit: int = DEFAULT_CHAINS) -> CallersReport:
    """Every call chain from the function `spec` names up to the exports (at most `limit`)."""
    target = resolve_function(m, spec)
    graph = build_call_graph(m)
    chains, truncated = caller_chains(m, graph, target, limit=limit)
    return CallersReport(target, chains, truncated, graph.undecodable)


def chain_text(m: Module, chain: Chain) -> str:
    """`fd_readdir (import func[6]) <- func[32] <- ... <- _start (export func[14])`."""
    text = " <- ".join(func_label(m, i) for i in chain.path)
    return text + (f" <- ({chain.end})" if chain.end else "")


def callers_json(m: Module, report: CallersReport) -> dict[str, Any]:
    def node(i: int) -> dict[str, Any]:
        imp = m.func_import(i)
        return {"index": i, "name": func_name(m, i), "import": f"{imp.module}.{imp.name}" if imp else None,
                "exports": m.exports_of("func", i)}

    return {"target": node(report.target), "truncated": report.truncated,
            "chains": [{"path": [node(i) for i in c.path], "end": c.end or "export"} for c in report.chains],
            "undecodable": {str(k): v for k, v in report.undecodable.items()}}


# -- --disasm --------------------------------------------------------------------------------------------

@dataclass
class Line:
    offset: int
    depth: int
    op: str
    immediates: str
    note: str  # what a call/global refers to, "" otherwise


@dataclass
class Disassembly:
    index: int
    label: str
    type: str
    locals: list[str]
    lines: list[Line]
    more_bytes: int = 0  # code bytes after the last line shown (the limit was reached)


def disassemble(m: Module, spec: str, limit: int = DEFAULT_INSTRUCTIONS) -> Disassembly:
    """The first `limit` instructions of the function `spec` names, calls annotated by their target's
    name; decoded as a stream, so the rest of a long body costs nothing."""
    index = resolve_function(m, spec)
    imp = m.func_import(index)
    if imp is not None:
        raise WasitoolError(f"{func_label(m, index)} is imported from {imp.module}: it has no code here",
                            "disassemble one of its callers (see --callers)")
    body = m.body(index)
    assert body is not None
    lines: list[Line] = []
    more_bytes = 0
    try:
        for ins, depth in with_depth(iter_body(m.data, body.code_start, body.end)):
            if len(lines) == limit:
                more_bytes = body.end - ins.offset
                break
            lines.append(Line(ins.offset, depth, ins.name, ins.text, _note(m, ins.name, ins.args)))
    except ValueError as exc:
        raise WasitoolError(f"cannot decode {func_label(m, index)}: {exc}",
                            "check the module with wasm-validate") from None
    local_names = m.names.locals.get(index, {})
    params = len((m.func_type(index) or ([], []))[0])
    locals_text = [f"{count} x {valtype}" for count, valtype in body.locals]
    if local_names:
        locals_text += [f"local {i} = {name}" for i, name in sorted(local_names.items()) if i >= params]
    return Disassembly(index, func_label(m, index), format_functype(m.func_type(index)), locals_text, lines,
                       more_bytes)


def _note(m: Module, op: str, args: tuple[int | float | str, ...]) -> str:
    if op in ("call", "return_call", "ref.func") and args:
        index = int(args[0])
        imp = m.func_import(index)
        if imp is not None:
            return f"{imp.module}.{imp.name}"
        return func_name(m, index) or ""
    if op in ("global.get", "global.set") and args:
        return m.names.globals.get(int(args[0]), "")
    if op in INDIRECT_TYPE_OPS and args and int(args[0]) < len(m.types):
        return format_functype(m.types[int(args[0])])
    return ""


def disassembly_text(dis: Disassembly) -> str:
    out = [f"{dis.label}: {dis.type}"]
    if dis.locals:
        out.append(f"  locals: {', '.join(dis.locals)}")
    for line in dis.lines:
        text = f"{line.op} {line.immediates}".rstrip()
        note = f" <{line.note}>" if line.note else ""
        out.append(f" {line.offset:06x}: {indent(line.depth)}{text}{note}")
    if dis.more_bytes:
        out.append(f" … {dis.more_bytes} more bytes of code (raise --limit)")
    return "\n".join(out)


def indent(depth: int) -> str:
    """Two spaces a level up to MAX_INDENT levels; deeper, the depth as a number: `[depth 40] `."""
    return "  " * depth if depth <= MAX_INDENT else "  " * MAX_INDENT + f"[depth {depth}] "


# -- --data ----------------------------------------------------------------------------------------------

@dataclass
class DataString:
    address: int | None  # in linear memory (None for passive segments: offset in the segment instead)
    offset: int
    text: str


@dataclass
class DataInfo:
    index: int
    name: str | None
    mode: str
    memory: int
    address: int | None
    size: int
    strings: list[DataString]
    more_strings: int = 0  # strings in the segment left out by the limit


_PRINTABLE = re.compile(rb"[\x20-\x7e\t\n]{4,}")


_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e\t\n]")
_WINDOW = 1 << 20


def _count_strings(pattern: re.Pattern[bytes], raw: memoryview, start: int) -> int:
    """How many `pattern` strings `raw` holds from `start`: `findall` over windows of about 1 MiB cut at
    non-printable bytes (no string spans two), so the count runs in C with bounded memory."""
    count = 0
    while start < len(raw):
        cut = _NOT_PRINTABLE.search(raw, min(start + _WINDOW, len(raw)))
        end = cut.start() if cut is not None else len(raw)
        count += len(pattern.findall(raw, start, end))
        start = end + 1
    return count


def data_segments(m: Module, min_length: int = 4, limit: int = DEFAULT_STRINGS) -> list[DataInfo]:
    """Every data segment (at most `limit` of them) with the runs of at least `min_length` printable ASCII
    bytes in it: at most `limit` strings over all segments, each segment counting what it left out, and
    at most MAX_STRING bytes of each."""
    pattern = _PRINTABLE if min_length == 4 else re.compile(rb"[\x20-\x7e\t\n]{%d,}" % min_length)
    out = []
    budget = limit
    for index, seg in enumerate(m.data_segments[:limit]):
        raw = memoryview(m.data)[seg.data_start : seg.data_start + seg.size]
        strings: list[DataString] = []
        more = 0
        for match in pattern.finditer(raw):
            if len(strings) == budget:
                more = 1 + _count_strings(pattern, raw, match.end())
                break
            text = match.group()
            strings.append(DataString(None if seg.offset is None else seg.offset + match.start(), match.start(),
                                      text[:MAX_STRING].decode("ascii") + ("…" if len(text) > MAX_STRING else "")))
        budget -= len(strings)
        out.append(DataInfo(index, m.names.data.get(index), seg.mode, seg.memory, seg.offset, seg.size, strings,
                            more))
    return out
