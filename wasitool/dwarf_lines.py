"""Source lines of a wasm module's code from its DWARF `.debug_line` (a `-g` build), for `--trace-stack`.

A module built with debug info carries DWARF in custom sections; for wasm32 an address in the line
program is an offset into the Code section's contents. `LineTable.read(module_bytes)` runs the line
programs (DWARF 2-5, as clang emits them) into rows and `lookup(code_offset)` names the file and line.
The reader is bounded by the section's bytes and quiet on bad input: a malformed unit ends the reading
(the units read before it stay), a module without `.debug_line` has no lines.
"""

from __future__ import annotations

import bisect
import posixpath
import struct
from typing import NamedTuple

from wasitool.wasmread import Reader

_CODE_SECTION = 10
_TOMBSTONE = 0xFFFFFFFE  # wasm-ld writes -1 (or -2) as the address of a discarded function's sequence
# DWARF 5 line-header forms (DW_FORM_*) and content types (DW_LNCT_*).
_STRING, _LINE_STRP, _STRP, _UDATA, _DATA1, _DATA2, _DATA4, _DATA8, _DATA16, _BLOCK = (
    0x08, 0x1F, 0x0E, 0x0F, 0x0B, 0x05, 0x06, 0x07, 0x1E, 0x09)
_STRX1_4 = {0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4}
_FIXED = {_DATA1: 1, _DATA2: 2, _DATA4: 4, _DATA8: 8, _DATA16: 16}
_LNCT_PATH, _LNCT_DIRECTORY_INDEX = 1, 2


class Location(NamedTuple):
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class _Sections(NamedTuple):
    code_start: int  # file offset of the Code section's contents
    line: bytes
    line_str: bytes
    str: bytes


class LineTable:
    """Rows of the line programs, sorted by address: `lookup` finds the row covering a code offset."""

    def __init__(self, rows: list[tuple[int, int, Location | None]]) -> None:
        rows.sort(key=lambda row: (row[0], row[1]))  # a sequence's end sorts before a row at the same address
        self._addresses = [row[0] for row in rows]
        self._locations = [row[2] for row in rows]
        self.code_start = 0

    def __len__(self) -> int:
        return len(self._addresses)

    @classmethod
    def read(cls, module: bytes) -> LineTable | None:
        """The line table of a module's DWARF, or None without one (or when the module is malformed)."""
        sections = _sections(module)
        if sections is None or not sections.line:
            return None
        table = cls(_rows(sections))
        table.code_start = sections.code_start
        return table if len(table) else None

    def lookup(self, code_offset: int) -> Location | None:
        """The file and line of the instruction at `code_offset` in the Code section (None if unknown)."""
        index = bisect.bisect_right(self._addresses, code_offset) - 1
        if index < 0:
            return None
        return self._locations[index]

    def at_file_offset(self, offset: int) -> Location | None:
        """`lookup` for an offset from the start of the module file (what wasmtime's address map gives)."""
        return self.lookup(offset - self.code_start) if offset >= self.code_start else None


def _sections(module: bytes) -> _Sections | None:
    if module[:8] != b"\0asm\x01\0\0\0":
        return None
    r = Reader(module, 8)
    code_start = -1
    custom: dict[str, bytes] = {}
    try:
        while r.pos < len(module):
            section_id, size = r.byte(), r.uleb()
            end = r.pos + size
            if end > len(module):
                return None
            if section_id == _CODE_SECTION:
                code_start = r.pos
            elif section_id == 0:
                name = r.take(r.uleb()).decode("utf-8", "replace")
                if name in (".debug_line", ".debug_line_str", ".debug_str") and r.pos <= end:
                    custom[name] = module[r.pos : end]
            r.pos = end
    except (IndexError, ValueError):
        return None
    if code_start < 0:
        return None
    return _Sections(code_start, custom.get(".debug_line", b""), custom.get(".debug_line_str", b""),
                     custom.get(".debug_str", b""))


def _rows(sections: _Sections) -> list[tuple[int, int, Location | None]]:
    """(address, 0 for a sequence's end or 1 for a row, its location or None) of every unit read."""
    rows: list[tuple[int, int, Location | None]] = []
    data = sections.line
    pos = 0
    while pos < len(data):
        try:
            pos = _unit(sections, pos, rows)
        except (IndexError, ValueError, struct.error, UnicodeDecodeError):
            break
    return rows


class _Header(NamedTuple):
    min_inst_length: int
    line_base: int
    line_range: int
    opcode_base: int
    opcode_lengths: bytes
    files: list[str]


def _unit(sections: _Sections, pos: int, rows: list[tuple[int, int, Location | None]]) -> int:
    """Run the line program of the unit at `pos` into `rows`; returns where the next unit starts."""
    data = sections.line
    r = Reader(data, pos)
    length, offset_size = _u(r, 4), 4
    if length == 0xFFFFFFFF:
        length, offset_size = _u(r, 8), 8
    end = r.pos + length
    if end > len(data) or length < 2:
        raise ValueError("unit runs past the section")
    version = _u(r, 2)
    if not 2 <= version <= 5:
        return end
    if version >= 5:
        r.take(2)  # address size (set_address gives its own), segment selector size
    header_length = _u(r, offset_size)
    program = r.pos + header_length
    min_inst_length = r.byte()
    if version >= 4:
        r.byte()  # maximum operations per instruction: 1 outside VLIW machines
    r.byte()  # default_is_stmt: every row is kept
    line_base = struct.unpack("<b", r.take(1))[0]
    line_range, opcode_base = r.byte(), r.byte()
    if line_range == 0 or opcode_base == 0:
        raise ValueError("bad line header")
    opcode_lengths = r.take(opcode_base - 1)
    files = _files_v5(r, sections, offset_size) if version >= 5 else _files_v4(r)
    header = _Header(min_inst_length, line_base, line_range, opcode_base, opcode_lengths, files)
    if program > end:
        raise ValueError("bad header length")
    _program(Reader(data[:end], program), header, rows)
    return end


def _u(r: Reader, size: int) -> int:
    return int.from_bytes(r.take(size), "little")


def _cstr(r: Reader) -> str:
    end = r.data.index(b"\0", r.pos)
    text = bytes(r.data[r.pos : end]).decode("utf-8", "replace")
    r.pos = end + 1
    return text


def _files_v4(r: Reader) -> list[str]:
    """DWARF 2-4 tables: file 1 is the first entry (index 0 means none)."""
    directories = [""]
    while (directory := _cstr(r)) != "":
        directories.append(directory)
    files = [""]
    while (name := _cstr(r)) != "":
        directory_index = r.uleb()
        r.uleb()  # modification time
        r.uleb()  # length
        files.append(_join(directories[directory_index] if directory_index < len(directories) else "", name))
    return files


def _files_v5(r: Reader, sections: _Sections, offset_size: int) -> list[str]:
    """DWARF 5 tables, described by their entry formats; file 0 is the unit's primary source file."""
    directories = [entry.get(_LNCT_PATH, "") for entry in _entries(r, sections, offset_size)]
    directories[:1] = [""]  # the compilation directory: left implicit, as in DWARF 4
    files = []
    for entry in _entries(r, sections, offset_size):
        index = int(entry.get(_LNCT_DIRECTORY_INDEX, "0") or 0)
        files.append(_join(directories[index] if index < len(directories) else "", entry.get(_LNCT_PATH, "")))
    return files


def _entries(r: Reader, sections: _Sections, offset_size: int) -> list[dict[int, str]]:
    formats = [(r.uleb(), r.uleb()) for _ in range(r.byte())]
    count = r.uleb()
    if count > len(r.data):  # each entry takes at least a byte
        raise ValueError("bad entry count")
    entries = []
    for _ in range(count):
        entry: dict[int, str] = {}
        for content, form in formats:
            entry[content] = _form(r, form, sections, offset_size)
        entries.append(entry)
    return entries


def _form(r: Reader, form: int, sections: _Sections, offset_size: int) -> str:
    """One attribute value of a DWARF 5 header entry, as text (strings) or a decimal number."""
    if form == _STRING:
        return _cstr(r)
    if form in (_LINE_STRP, _STRP):
        strings = sections.line_str if form == _LINE_STRP else sections.str
        return _cstr(Reader(strings, _u(r, offset_size)))
    if form == _UDATA:
        return str(r.uleb())
    if form in _FIXED:
        return str(_u(r, _FIXED[form]))
    if form == _BLOCK:
        r.take(r.uleb())
        return ""
    if form in _STRX1_4:  # an index into .debug_str_offsets: not needed for a file's name here
        r.take(_STRX1_4[form])
        return ""
    raise ValueError(f"unknown form {form:#x}")


def _join(directory: str, name: str) -> str:
    """A file's path: relative ones stay relative to the compilation directory (`./x.c` is `x.c`)."""
    if not name:
        return ""
    return posixpath.normpath(posixpath.join(directory, name))


def _program(r: Reader, h: _Header, rows: list[tuple[int, int, Location | None]]) -> None:
    """The line-number state machine (DWARF 5 section 6.2.5), one row per emitted entry."""
    address, file, line = 0, 1, 1
    skip = False  # a sequence of a function the linker discarded

    def emit(end: bool = False) -> None:
        if skip:
            return
        if end:
            rows.append((address, 0, None))
        else:
            name = h.files[file] if 0 <= file < len(h.files) else ""
            rows.append((address, 1, Location(name, line) if name and line > 0 else None))

    while r.pos < len(r.data):
        opcode = r.byte()
        if opcode >= h.opcode_base:
            adjusted = opcode - h.opcode_base
            address += (adjusted // h.line_range) * h.min_inst_length
            line += h.line_base + adjusted % h.line_range
            emit()
        elif opcode == 0:
            size = r.uleb()
            after = r.pos + size
            sub = r.byte() if size else 0
            if sub == 1:  # end_sequence
                emit(end=True)
                address, file, line, skip = 0, 1, 1, False
            elif sub == 2:  # set_address
                address = _u(r, size - 1)
                skip = address >= _TOMBSTONE
            r.pos = after
        elif opcode == 1:  # copy
            emit()
        elif opcode == 2:  # advance_pc
            address += r.uleb() * h.min_inst_length
        elif opcode == 3:  # advance_line
            line += r.sleb()
        elif opcode == 4:  # set_file
            file = r.uleb()
        elif opcode == 8:  # const_add_pc
            address += ((255 - h.opcode_base) // h.line_range) * h.min_inst_length
        elif opcode == 9:  # fixed_advance_pc
            address += _u(r, 2)
        else:  # set_column, set_isa and opcodes this reader does not know: skip their operands
            for _ in range(h.opcode_lengths[opcode - 1]):
                r.uleb()
