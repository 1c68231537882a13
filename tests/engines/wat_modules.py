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
