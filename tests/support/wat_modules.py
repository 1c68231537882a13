"""Small WAT modules the engine tests run (kept as text; compiled with wasmtime.wat2wasm)."""

from __future__ import annotations

W = "wasi_snapshot_preview1"

FD_WRITE = f'(import "{W}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))'
PROC_EXIT = f'(import "{W}" "proc_exit" (func $proc_exit (param i32)))'

HELLO = f"""(module {FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 8) "Hello, WASI!\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 8)) (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100)))))"""


def exit_with(code: int) -> str:
    return f"""(module {PROC_EXIT} (memory (export "memory") 1)
      (func (export "_start") (call $proc_exit (i32.const {code})) unreachable))"""


RETURNS = '(module (memory (export "memory") 1) (func (export "_start")))'

# Writes the NUL-separated argv (or environ) buffer to stdout, then exits with argc (or environc).
def strings_dump(kind: str) -> str:
    return f"""(module {FD_WRITE} {PROC_EXIT}
  (import "{W}" "{kind}_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "{W}" "{kind}_get" (func $get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 4096)))
    (i32.store (i32.const 16) (i32.const 4096)) (i32.store (i32.const 20) (i32.load (i32.const 4)))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $proc_exit (i32.load (i32.const 0)))))"""


LIBRARY = """(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "mix") (param f32 f64) (result f64) (f64.add (f64.promote_f32 (local.get 0)) (local.get 1)))
  (func (export "nothing"))
  (global $g (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $g (i32.const 40)))
  (func (export "get") (result i32) (global.get $g))
  (memory (export "memory") 1))"""

TRAPS = """(module (memory (export "memory") 1)
  (func (export "unreachable") unreachable)
  (func (export "div") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "oob") (result i32) (i32.load (i32.const 0x7fffff00)))
  (func $rec (export "recurse") (call $rec)))"""


def trap_start(body: str) -> str:
    return f'(module (memory (export "memory") 1) (func (export "_start") {body}))'


# Grows memory by 2 pages, then writes the string and its iovec in the new pages before fd_write.
GROW = f"""(module {FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 0) "grown!\\n")
  (func (export "_start") (local $base i32)
    (local.set $base (i32.mul (memory.grow (i32.const 2)) (i32.const 65536)))
    (memory.copy (i32.add (local.get $base) (i32.const 65000)) (i32.const 0) (i32.const 7))
    (i32.store (i32.add (local.get $base) (i32.const 70000)) (i32.add (local.get $base) (i32.const 65000)))
    (i32.store (i32.add (local.get $base) (i32.const 70004)) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.add (local.get $base) (i32.const 70000)) (i32.const 1)
                          (i32.add (local.get $base) (i32.const 70008))))))"""

UNKNOWN_IMPORT = '(module (import "env" "host_log" (func (param i32))) (func (export "_start")))'
UNKNOWN_WASI = f'(module (import "{W}" "no_such_call" (func)) (func (export "_start")))'
WRONG_SIG = f'(module (import "{W}" "proc_exit" (func (param i64))) (func (export "_start")))'
NO_START = '(module (func (export "main")))'

# cat: copies stdin to stdout with fd_read/fd_write until fd_read reads 0 bytes.
CAT = f"""(module {FD_WRITE}
  (import "{W}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 7))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.load (i32.const 8)) (then
        (i32.store (i32.const 16) (i32.const 64)) (i32.store (i32.const 20) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
        (br $more))))))"""

# Prints the guest name of the preopen at fd 3 (fd_prestat_get + fd_prestat_dir_name); exit 1 if none.
PREOPEN_NAME = f"""(module {FD_WRITE} {PROC_EXIT}
  (import "{W}" "fd_prestat_get" (func $get (param i32 i32) (result i32)))
  (import "{W}" "fd_prestat_dir_name" (func $name (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (call $get (i32.const 3) (i32.const 0)) (then (call $proc_exit (i32.const 1))))
    (drop (call $name (i32.const 3) (i32.const 64) (i32.load (i32.const 4))))
    (i32.store (i32.const 16) (i32.const 64)) (i32.store (i32.const 20) (i32.load (i32.const 4)))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))"""


# --- guest limits, start sections, modules that load but cannot run (issue 12) -------------------
SPIN = '(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))'

# Prints "ready" before it spins, waits in fd_read, or makes host calls forever: a test sending a signal
# waits for that line instead of sleeping.
_READY = f"""{FD_WRITE} (memory (export "memory") 1) (data (i32.const 200) "ready\\n")
  (func $ready (i32.store (i32.const 192) (i32.const 200)) (i32.store (i32.const 196) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 192) (i32.const 1) (i32.const 188))))"""
READY_SPIN = f'(module {_READY} (func (export "_start") (call $ready) (loop $l (br $l))))'
READY_CAT = f"""(module (import "{W}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32))) {_READY}
  (func (export "_start") (call $ready)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 7))
    (loop $more (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $more (i32.load (i32.const 8))))))"""
READY_HOSTCALLS = f"""(module (import "{W}" "sched_yield" (func $yield (result i32))) {_READY}
  (func (export "_start") (call $ready) (loop $l (drop (call $yield)) (br $l))))"""

# Grows a table by 65536 null entries 16 times: exits 0, or 100 + the number of grows that succeeded.
TABLE_GROWS = f"""(module {PROC_EXIT} (memory (export "memory") 1) (table $t 0 funcref)
  (func (export "_start") (local $n i32)
    (loop $l
      (if (i32.eq (table.grow $t (ref.null func) (i32.const 0x10000)) (i32.const -1))
        (then (call $proc_exit (i32.add (i32.const 100) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 16))))))"""
BIG_INITIAL_TABLE = '(module (memory (export "memory") 1) (table 1000000 funcref) (func (export "_start")))'

# Exits with 10 + memory.grow(20 pages): 30 when the grow succeeds (1 + 20 pages), 9 when it fails.
GROW_REPORTS = f"""(module {PROC_EXIT} (memory (export "memory") 1)
  (func (export "_start") (call $proc_exit (i32.add (i32.const 10) (memory.grow (i32.const 20))))))"""

BIG_INITIAL_MEMORY = '(module (memory (export "memory") 100) (func (export "_start")))'  # 6.25 MiB

# A start function that writes to stdout through WASI, then `_start` writes again.
START_WRITES = f"""(module {FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 8) "from start\\n")
  (data (i32.const 24) "from _start\\n")
  (func $say (param $at i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $at)) (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100))))
  (func $init (call $say (i32.const 8) (i32.const 11)))
  (start $init)
  (func (export "_start") (call $say (i32.const 24) (i32.const 12))))"""

# A start function and no export section at all.
START_ONLY = f'(module {PROC_EXIT} (func $init (call $proc_exit (i32.const 5))) (start $init))'

START_TRAPS = '(module (memory (export "memory") 1) (func $s unreachable) (start $s) (func (export "_start")))'
START_PARAMS = '(module (memory (export "memory") 1) (func (export "_start") (param i32)))'
START_RESULTS = '(module (memory (export "memory") 1) (func (export "_start") (result i32) (i32.const 5)))'
SHARED_MEMORY = '(module (memory (export "memory") 1 1 shared) (func (export "_start")))'
MEMORY64 = '(module (memory (export "memory") i64 1) (func (export "_start")))'
NO_MEMORY_WRITE = f"""(module {FD_WRITE}
  (func (export "_start") (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 100)))))"""
NO_MEMORY_EXIT = f'(module {PROC_EXIT} (func (export "_start") (call $proc_exit (i32.const 4))))'
EXCEPTIONS = """(module (memory (export "memory") 1) (tag $e)
  (func (export "_start") (block $h (try_table (catch_all $h) (throw $e)))))"""
UNCAUGHT_THROW = '(module (memory (export "memory") 1) (tag $e) (func (export "_start") (throw $e)))'
TAIL_CALL = '(module (memory (export "memory") 1) (func (export "_start") (return_call $g)) (func $g))'
V128_RESULT = """(module (memory (export "memory") 1) (func (export "_start"))
  (func (export "v") (result v128) (v128.const i32x4 1 2 3 4)))"""
DATA_OUT_OF_BOUNDS = '(module (memory (export "memory") 1) (data (i32.const 65535) "ab") (func (export "_start")))'


def legacy_eh_module() -> bytes:
    """`_start` throws and catches with the legacy encoding (try/catch, 0x06/0x07), which no WAT parser
    here writes any more: the bytes are assembled by hand (type, function, memory, tag, export, code)."""
    def section(section_id: int, body: bytes) -> bytes:
        return bytes([section_id, len(body)]) + body

    body = bytes([0x00, 0x06, 0x40, 0x08, 0x00, 0x07, 0x00, 0x0B, 0x0B])  # try (throw 0) catch 0 end end
    return (b"\0asm\1\0\0\0" + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + section(5, b"\x01\x00\x01") + section(13, b"\x01\x00\x00")
            + section(7, b"\x02\x06_start\x00\x00\x06memory\x02\x00")
            + section(10, b"\x01" + bytes([len(body)]) + body))
# Value types wasmtime's C API cannot name (it aborts the process when asked): v128 in an import, a
# typed reference in an export.
V128_IMPORT = '(module (import "env" "f" (func (param v128))) (memory (export "memory") 1) (func (export "_start")))'
TYPED_REF_EXPORT = """(module (type $s (struct (field i32))) (memory (export "memory") 1)
  (func (export "_start")) (func (export "make") (result (ref $s)) (struct.new $s (i32.const 1))))"""
# Allocates a 2 GiB GC array: wasmtime's GC heap is bounded by --max-memory, and failing is an error, not a trap.
GC_BIG_ARRAY = """(module (memory (export "memory") 1) (type $a (array i8))
  (func (export "_start") (drop (array.new_default $a (i32.const 0x7fffffff)))))"""
