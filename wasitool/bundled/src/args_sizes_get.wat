;; args_sizes_get.wat - how many arguments did the host pass?
;; Teaches: args_sizes_get writes argc and the total size of the argument strings to two
;; addresses; proc_exit ends the program with a status (here: argc, argv[0] included).
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param $argc_out i32) (param $buf_size_out i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param $code i32)))
  (memory (export "memory") 1)

  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call $proc_exit (i32.load (i32.const 0)))))
