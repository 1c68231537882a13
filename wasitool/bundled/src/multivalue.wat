;; multivalue.wat - a function that returns two values.
;; Teaches: the multi-value feature lets functions (and blocks) have several results; `divmod`
;; returns the quotient and the remainder at once. A library module: run it by invoking `divmod`.
(module
  (func $divmod (export "divmod") (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_u (local.get $a) (local.get $b))
    (i32.rem_u (local.get $a) (local.get $b)))

  ;; a block can yield two values too: swap them and swap back
  (func (export "swap") (param $a i32) (param $b i32) (result i32 i32)
    (block (result i32 i32)
      (local.get $b)
      (local.get $a))))
