;; environ_sizes_get.wat - how many environment variables does the guest see?
;; Teaches: environ_sizes_get writes the variable count and the size of the KEY=VALUE strings;
;; the guest sees only what the host chose to pass. The exit status (proc_exit) is the count.
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param $count_out i32) (param $buf_size_out i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param $code i32)))
  (memory (export "memory") 1)

  (func (export "_start")
    (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
    (call $proc_exit (i32.load (i32.const 0)))))
