;; environ_get.wat - print the environment, one KEY=VALUE per line.
;; Teaches: environ_get works like args_get: an array of pointers plus one buffer of
;; NUL-terminated "KEY=VALUE" strings, sized beforehand with environ_sizes_get. Lines are written
;; with two iovecs (string, newline), looping over short writes.
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param $environ i32) (param $environ_buf i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "\n")

  ;; layout: 0 count, 4 buffer size, 16..31 two iovecs, 32 "\n", 1024 pointers, 8192 strings
  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $print_line (param $p i32)
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (call $strlen (local.get $p)))
    (i32.store (i32.const 24) (i32.const 32))
    (i32.store (i32.const 28) (i32.const 1))
    (call $write_all (i32.const 16) (i32.const 2)))

  ;; fd_write may write fewer bytes than asked (some runtimes write one iovec per call):
  ;; skip what was written, shorten the iovec it ended in, and call again until nothing is left.
  (func $write_all (param $iovs i32) (param $count i32)
    (local $n i32)
    (loop $again
      (br_if 1 (call $fd_write (i32.const 1) (local.get $iovs) (local.get $count) (i32.const 8)))
      (local.set $n (i32.load (i32.const 8)))
      (block $partial
        (loop $skip
          (br_if $partial (i32.lt_u (local.get $n) (i32.load offset=4 (local.get $iovs))))
          (local.set $n (i32.sub (local.get $n) (i32.load offset=4 (local.get $iovs))))
          (local.set $iovs (i32.add (local.get $iovs) (i32.const 8)))
          (local.set $count (i32.sub (local.get $count) (i32.const 1)))
          (br_if $skip (local.get $count))
          (return)))
      (i32.store (local.get $iovs) (i32.add (i32.load (local.get $iovs)) (local.get $n)))
      (i32.store offset=4 (local.get $iovs) (i32.sub (i32.load offset=4 (local.get $iovs)) (local.get $n)))
      (br $again)))

  (func (export "_start")
    (local $i i32)
    (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $environ_get (i32.const 1024) (i32.const 8192)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (call $print_line (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
