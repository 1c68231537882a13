;; hello.wat: a WASI command in WebAssembly text: one fd_write of a string in linear memory.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; the iovec at 0: { buf = 16, len = 20 }; the text at 16
  (data (i32.const 0) "\10\00\00\00\14\00\00\00")
  (data (i32.const 16) "Hello from WAT text\0a")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
