;; anyref.wat - reference types (externref, formerly "anyref").
;; Teaches: reference-typed locals start as null; ref.is_null tests them; tables can hold
;; externrefs and grow at run time (table.grow returns the old size). Needs the reference-types
;; feature in the build and in the engine.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $refs 0 externref)
  (data (i32.const 64) "ref.null extern is null\n")
  (data (i32.const 128) "table.grow -> 0, size 1\n")

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $is_null (param $r externref) (result i32)
    (ref.is_null (local.get $r)))

  (func (export "_start")
    (local $r externref)
    (if (call $is_null (local.get $r))
      (then (call $print (i32.const 64) (i32.const 24))))
    (if (i32.eqz (table.grow $refs (ref.null extern) (i32.const 1)))
      (then
        (if (i32.eq (table.size $refs) (i32.const 1))
          (then (call $print (i32.const 128) (i32.const 24))))))))
