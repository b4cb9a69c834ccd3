;; The task's lying guest, hand-written: `shout` claims a 16-byte result
;; that starts 8 bytes before the end of its memory, so it ends 8 bytes past
;; it. The same lie is told in every model of chapter 17, in its own terms.
(module
  (memory (export "memory") 1)
  (func (export "allocate") (param $size i32) (result i32)
    i32.const 1024)
  (func (export "deallocate") (param i32 i32))
  ;; ANCHOR: lie
  (func (export "shout") (param $ptr i32) (param $len i32) (result i64)
    ;; (16 << 32) | (memory size - 8): pointer low, length high.
    (i64.or
      (i64.shl (i64.const 16) (i64.const 32))
      (i64.extend_i32_u
        (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 8)))))
  ;; ANCHOR_END: lie
  (func (export "checksum") (param i32 i32) (result i32)
    i32.const 0)
)
