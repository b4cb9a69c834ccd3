;; Packing a (ptr, len) pair into an i64 and back, in both orders, in wasm
;; itself. The packing calculator of chapter 4 runs these in the browser.
(module
  ;; ANCHOR: pack
  ;; This book's order: the pointer in the low 32 bits.
  (func (export "pack_pointer_low") (param $ptr i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))
      (i64.extend_i32_u (local.get $ptr))))

  ;; wazero's examples: the pointer in the high 32 bits.
  (func (export "pack_pointer_high") (param $ptr i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (local.get $len))))
  ;; ANCHOR_END: pack

  ;; Both return (ptr, len), as two results.
  (func (export "unpack_pointer_low") (param $packed i64) (result i32 i32)
    (i32.wrap_i64 (local.get $packed))
    (i32.wrap_i64 (i64.shr_u (local.get $packed) (i64.const 32))))

  (func (export "unpack_pointer_high") (param $packed i64) (result i32 i32)
    (i32.wrap_i64 (i64.shr_u (local.get $packed) (i64.const 32)))
    (i32.wrap_i64 (local.get $packed)))
)
