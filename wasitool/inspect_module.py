"""What a module contains: `wasm-objdump -h` and `-x` from the installed wabt, parsed into plain data.

The parsed `ModuleInfo` is what `wasitool inspect` renders (rich tables) or prints (`--json`).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from wasitool.errors import WasitoolError

PAGE = 65536

_SECTION = re.compile(
    r"^\s*(\w+) start=(0x[0-9a-f]+) end=(0x[0-9a-f]+) \(size=(0x[0-9a-f]+)\)(?: count: (\d+))?(?: \"(.*)\")?"
)
_HEADING = re.compile(r"^(\w+)(?:\[(\d+)\])?:$")
_ITEM = re.compile(r"^ - (\w+)\[(\d+)\] ?(.*)$")
_IMPORT = re.compile(r"^(.*?)\s*<- ([^.]+)\.(.+)$")
_EXPORT = re.compile(r'^(?:<(.*)> )?-> "(.*)"$')
_LIMITS = re.compile(r"initial=(\d+)(?: max=(\d+))?")


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
class ModuleInfo:
    path: str
    size: int
    sections: list[Section] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    memories: list[Memory] = field(default_factory=list)
    start: str | None = None
    target_features: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        for mem, info in zip(data["memories"], self.memories, strict=True):
            mem["initial_bytes"] = info.initial_bytes
        return data


def objdump(module: Path, flag: str) -> str:
    """`wasm-objdump <flag> module` through the installed toolchain (ToolchainError if none)."""
    from wasitool.toolchain.paths import load_toolchain

    toolchain = load_toolchain()
    argv = [*toolchain.command("wasm-objdump"), flag, str(module)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=60, check=False,
                              env={**os.environ, **toolchain.env()})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WasitoolError(f"cannot run wasm-objdump ({exc})", "run `wasitool setup`") from None
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise WasitoolError(f"wasm-objdump cannot read {module}: {reason}", "give a valid .wasm file")
    return proc.stdout


def inspect(module: Path) -> ModuleInfo:
    """Parse what wasm-objdump reports about `module`."""
    module = Path(module)
    if not module.is_file():
        raise WasitoolError(f"no such module: {module}", "give a .wasm file or an example name")
    info = ModuleInfo(path=str(module), size=module.stat().st_size)
    info.sections = parse_headers(objdump(module, "-h"))
    parse_details(objdump(module, "-x"), info)
    return info


def parse_headers(text: str) -> list[Section]:
    """The section list of `wasm-objdump -h`."""
    sections = []
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m:
            kind, start, _end, size, count, custom = m.groups()
            sections.append(Section(name=custom or kind, kind=kind, start=int(start, 16), size=int(size, 16),
                                    count=int(count) if count else None))
    return sections


def parse_details(text: str, info: ModuleInfo) -> None:
    """Fill imports, exports, memories, start and target features from `wasm-objdump -x`."""
    types: dict[int, str] = {}
    func_sigs: dict[int, int] = {}
    exports: list[tuple[str, int, str, str | None]] = []
    heading = ""
    custom = ""
    for line in text.splitlines():
        h = _HEADING.match(line)
        if h:
            heading, custom = h.group(1), ""
            continue
        if heading == "Custom" and line.startswith(" - name: "):
            custom = line.split(": ", 1)[1].strip('"')
            continue
        if heading == "Custom" and custom == "target_features" and line.startswith("  - [+] "):
            info.target_features.append(line[len("  - [+] "):].strip())
            continue
        if heading == "Start" and line.startswith(" - start function: "):
            info.start = line.split(": ", 1)[1]
            continue
        m = _ITEM.match(line)
        if not m:
            continue
        kind, index, rest = m.group(1), int(m.group(2)), m.group(3)
        if heading == "Type":
            types[index] = rest
        elif heading == "Import":
            _parse_import(kind, index, rest, types, func_sigs, info)
        elif heading == "Function":
            sig = re.match(r"sig=(\d+)", rest)
            if sig:
                func_sigs[index] = int(sig.group(1))
        elif heading == "Memory":
            limits = _LIMITS.search(rest)
            if limits:
                info.memories.append(Memory(index, int(limits.group(1)),
                                            int(limits.group(2)) if limits.group(2) else None, detail=rest))
        elif heading == "Export":
            e = _EXPORT.match(rest)
            if e:
                exports.append((kind, index, e.group(2), e.group(1)))
    for kind, index, name, _label in exports:
        detail = types.get(func_sigs.get(index, -1), "") if kind == "func" else ""
        if kind == "memory":
            detail = next((m.detail for m in info.memories if m.index == index), "")
        info.exports.append(Export(name=name, kind=kind, index=index, detail=detail))


def _parse_import(kind: str, index: int, rest: str, types: dict[int, str], func_sigs: dict[int, int],
                  info: ModuleInfo) -> None:
    m = _IMPORT.match(rest)
    if not m:
        return
    detail, module, name = m.groups()
    if kind == "func":
        sig = re.match(r"sig=(\d+)", detail)
        if sig:
            func_sigs[index] = int(sig.group(1))
            detail = types.get(int(sig.group(1)), detail)
    elif kind == "memory":
        limits = _LIMITS.search(detail)
        if limits:
            info.memories.append(Memory(index, int(limits.group(1)),
                                        int(limits.group(2)) if limits.group(2) else None, imported=True,
                                        detail=detail))
    detail = re.sub(r"\s*<[^>]*>$", "", detail)  # drop objdump's debug name
    info.imports.append(Import(module=module, name=name, kind=kind, detail=detail))
