;; Numbers across the JavaScript boundary: an `i64` parameter or result is
;; a BigInt on the JavaScript side, an `i32` a Number.
(module
  ;; ANCHOR: numbers
  ;; Returns its argument plus one: a round trip through an `i64`.
  (func (export "next_i64") (param $n i64) (result i64)
    (i64.add (local.get $n) (i64.const 1)))

  ;; The same through an `i32`, for comparison.
  (func (export "next_i32") (param $n i32) (result i32)
    (i32.add (local.get $n) (i32.const 1)))
  ;; ANCHOR_END: numbers
)
