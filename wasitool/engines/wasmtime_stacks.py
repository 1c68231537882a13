"""The guest's call stack inside a host call, from wasmtime's guest profiler (`--trace-stack`).

wasmtime-py exposes the C API's `wasmtime_guestprofiler_new/sample/finish` only through its ctypes
bindings. A profiler made for the instantiated module and sampled once inside a host function records the
wasm frames active at that call; `finish` renders them as Firefox-profiler JSON, whose tables name each
frame's function from the module's name section, and give its address in the compiled code (a return
address: each frame is stopped at a call). `AddressMap` turns such an address into the wasm instruction's
offset in the module file, from the `.wasmtime.addrmap` section of the module's serialized ELF image
(wasmtime records it by default for its own backtraces), which `dwarf_lines` maps to a source line.
"""

from __future__ import annotations

import bisect
import ctypes
import json
import struct
from typing import Any, NamedTuple

import wasmtime
from wasmtime import _bindings as ffi

from wasitool.wasmread import Reader

_UBYTES = ctypes.POINTER(ctypes.c_ubyte)


def _name(text: bytes) -> Any:
    name = ffi.wasm_name_t()
    ffi.wasm_byte_vec_new(ctypes.byref(name), len(text), ctypes.cast(ctypes.create_string_buffer(text), _UBYTES))
    return name


class Frame(NamedTuple):
    name: str  # from the name section; `<wasm function N>` when unnamed
    address: int  # the return address, an offset into the compiled module's text


def guest_stack(store: wasmtime.Store, module: wasmtime.Module) -> list[Frame]:
    """The wasm frames active now, innermost first."""
    modules = (ffi.wasmtime_guestprofiler_modules_t * 1)()
    module_name = _name(b"guest")
    modules[0].name = ctypes.pointer(module_name)
    modules[0].mod = module.ptr()
    thread = _name(b"main")
    profiler = ffi.wasmtime_guestprofiler_new(store.engine.ptr(), ctypes.byref(thread), 1, modules, 1)
    ffi.wasmtime_guestprofiler_sample(profiler, store.ptr(), 0)
    out = ffi.wasm_byte_vec_t()
    error = ffi.wasmtime_guestprofiler_finish(profiler, ctypes.byref(out))  # consumes the profiler
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    try:
        profile = json.loads(ctypes.string_at(out.data, out.size))
    finally:
        ffi.wasm_byte_vec_delete(ctypes.byref(out))
    return _frames(profile["threads"][0])


def _frames(thread: dict[str, Any]) -> list[Frame]:
    """The frames on the (one) sample's stack, innermost first."""
    stacks, frames, funcs = thread["stackTable"], thread["frameTable"], thread["funcTable"]
    strings = thread["stringArray"]
    found: list[Frame] = []
    samples = thread["samples"]["stack"]
    stack = samples[0] if samples else None
    while stack is not None:
        frame = stacks["frame"][stack]
        found.append(Frame(strings[funcs["name"][frames["func"][frame]]], frames["address"][frame]))
        stack = stacks["prefix"][stack]
    return found


class AddressMap:
    """wasmtime's map from offsets in a compiled module's text to the wasm instructions' file offsets.

    The section (wasmtime 50's encoding) holds the entry count and the block count (u32 little-endian),
    one (first text offset, body position) u32 pair per block of 128 entries, then the bodies: per entry
    a ULEB128 token, the text offset's delta from the previous entry shifted left once, its low bit set
    when the entry has no wasm instruction; else the file offset, as a ULEB128 for a block's first and a
    SLEB128 delta from the previous one after that.
    """

    BLOCK = 128

    def __init__(self, entries: int, blocks: list[tuple[int, int]], bodies: bytes) -> None:
        self._entries, self._blocks, self._bodies = entries, blocks, bodies
        self._firsts = [first for first, _ in blocks]

    @classmethod
    def of(cls, module: wasmtime.Module) -> AddressMap | None:
        """The map of a compiled module, or None when its image has none (or is not the ELF expected)."""
        section = _elf_section(bytes(module.serialize()), b".wasmtime.addrmap")
        if section is None or len(section) < 8:
            return None
        entries, count = struct.unpack_from("<II", section)
        if len(section) < 8 + 8 * count:
            return None
        pairs = struct.unpack_from(f"<{2 * count}I", section, 8)
        return cls(entries, list(zip(pairs[::2], pairs[1::2], strict=True)), section[8 + 8 * count :])

    def file_offset(self, return_address: int) -> int | None:
        """The file offset of the call instruction a frame's return address follows."""
        wanted = return_address - 1
        block = bisect.bisect_right(self._firsts, wanted) - 1
        if block < 0:
            return None
        first, body = self._blocks[block]
        r = Reader(self._bodies, body)
        offset, position, found = first, -1, None
        try:
            for _ in range(min(self.BLOCK, self._entries - block * self.BLOCK)):
                token = r.uleb()
                offset += token >> 1
                if offset > wanted:
                    break
                if token & 1:
                    found = None
                    continue
                position = r.uleb() if position < 0 else position + r.sleb()
                found = position
        except (IndexError, ValueError):
            return None
        return found


def _elf_section(image: bytes, wanted: bytes) -> bytes | None:
    """A section's bytes from a little-endian ELF64 image, by name."""
    try:
        if image[:6] != b"\x7fELF\x02\x01":
            return None
        table, = struct.unpack_from("<Q", image, 0x28)
        entry_size, count, names_index = struct.unpack_from("<HHH", image, 0x3A)
        headers = [struct.unpack_from("<I20xQQ", image, table + i * entry_size) for i in range(count)]
        names = headers[names_index][1]
        for name, offset, size in headers:
            if image[names + name : image.index(b"\0", names + name)] == wanted:
                return image[offset : offset + size]
    except (struct.error, IndexError, ValueError):
        return None
    return None
