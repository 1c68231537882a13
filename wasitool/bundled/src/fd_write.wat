;; fd_write.wat - hello world the WASI way.
;; Teaches: fd_write takes a *list* of iovecs (buf pointer, length) in linear memory and writes
;; them to a file descriptor (1 = stdout); the number of bytes written is stored at `nwritten`.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $iovs_len i32) (param $nwritten i32)
                    (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, WASI!\n")

  (func (export "_start")
    ;; one iovec at address 0: { buf = 16, buf_len = 13 }
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    ;; fd_write(stdout, iovs = 0, 1 iovec, nwritten -> 8); the errno result is ignored here
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
