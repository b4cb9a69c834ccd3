;; The French module again, laid out apart from the English one: its data
;; and its heap moved to the second page, which the English module's
;; layout never reaches. With wasm-ld, `--global-base` moves the data and
;; `--initial-memory` says how much memory the module counts on.
;; ANCHOR: layout
(module
  (import "env" "memory" (memory 2))
  (data (i32.const 66560) "Salut !") ;; 65536 + 1024
  ;; The heap: [67584, 131072), after the English module's [2048, 65536).
  (global $heap_next (mut i32) (i32.const 67584))
  (global $heap_end i32 (i32.const 131072))
  ;; ANCHOR_END: layout

  ;; greeting() -> (len << 32) | ptr: the module's own 7 bytes at 66560.
  (func (export "greeting") (result i64)
    (i64.or (i64.shl (i64.const 7) (i64.const 32)) (i64.const 66560)))

  ;; allocate(len) -> ptr, or 0 when the heap is full. Never frees.
  (func (export "allocate") (param $len i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap_next))
    (if (i32.gt_u (local.get $len) (i32.sub (global.get $heap_end) (local.get $ptr)))
      (then (return (i32.const 0))))
    (global.set $heap_next (i32.add (local.get $ptr) (local.get $len)))
    (local.get $ptr)))
