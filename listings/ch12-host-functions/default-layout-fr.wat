;; The second module, laid out by the same rules as `default-layout-en.wat`:
;; so at the same addresses. Instantiating it writes its data segment over
;; the English module's data, and its heap is the same range of bytes.
;; ANCHOR: layout
(module
  (import "env" "memory" (memory 1))
  (data (i32.const 1024) "Salut !")
  (global $heap_next (mut i32) (i32.const 2048))
  (global $heap_end i32 (i32.const 65536))
  ;; ANCHOR_END: layout

  ;; greeting() -> (len << 32) | ptr: the module's own 7 bytes at 1024.
  (func (export "greeting") (result i64)
    (i64.or (i64.shl (i64.const 7) (i64.const 32)) (i64.const 1024)))

  ;; allocate(len) -> ptr, or 0 when the heap is full. Never frees.
  (func (export "allocate") (param $len i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap_next))
    (if (i32.gt_u (local.get $len) (i32.sub (global.get $heap_end) (local.get $ptr)))
      (then (return (i32.const 0))))
    (global.set $heap_next (i32.add (local.get $ptr) (local.get $len)))
    (local.get $ptr)))
