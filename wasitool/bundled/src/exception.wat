;; exception.wat - throwing and catching a Wasm exception.
;; Teaches: a tag declares an exception with an i32 payload; `throw` raises it from a called
;; function; `try_table` with `catch` branches to a block that receives the payload. The exit status
;; is the caught payload (42). Needs the exception-handling feature in the build and the engine.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "caught exception\n")
  (tag $oops (param i32))

  (func $fail (param $code i32)
    (throw $oops (local.get $code)))

  (func (export "_start")
    (local $code i32)
    (local.set $code
      (block $handler (result i32)
        (try_table (catch $oops $handler)
          (call $fail (i32.const 42)))
        (i32.const 0)))
    (if (local.get $code)
      (then
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 17))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
    (call $proc_exit (local.get $code))))
