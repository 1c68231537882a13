;; fd_read.wat - cat: copy stdin to stdout.
;; Teaches: fd_read fills the buffers of an iovec list and reports how many bytes it read; 0 bytes
;; means end of file. A deliberately small 16-byte buffer makes the loop run several times.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param $fd i32) (param $iovs i32) (param $iovs_len i32) (param $nread i32)
                   (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)

  ;; layout: 0 read iovec, 8 nread, 16 write iovec, 24 nwritten, 1024 the 16-byte buffer
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 16))
    (loop $next
      ;; a non-zero errno from fd_read ends the program with status 1
      (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
        (then (call $proc_exit (i32.const 1))))
      (if (i32.load (i32.const 8))
        (then
          (i32.store (i32.const 16) (i32.const 1024))
          (i32.store (i32.const 20) (i32.load (i32.const 8)))
          (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
          (br $next)))))
)
