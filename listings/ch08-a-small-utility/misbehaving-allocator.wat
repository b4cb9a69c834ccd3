;; A guest whose allocator lies: `allocate` returns an address near the end
;; of the 32-bit space, far outside its one-page memory.
(module
  (memory (export "memory") 1)
  ;; ANCHOR: allocate
  (func (export "allocate") (param $size i32) (result i32)
    i32.const 0xfffffff0)
  ;; ANCHOR_END: allocate
  (func (export "deallocate") (param i32 i32))
  (func (export "shout") (param i32 i32) (result i64)
    i64.const 0)
)
