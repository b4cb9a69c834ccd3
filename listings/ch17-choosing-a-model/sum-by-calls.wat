;; Sums the items of an iterator the host owns (wasmtime#9686), two ways:
;; one call into the host per item, or one call for all of them, after the
;; host wrote them into this memory.
(module
  ;; ANCHOR: import
  ;; next() -> the next item of the host's iterator.
  (import "env" "next" (func $next (result i64)))
  ;; ANCHOR_END: import
  (memory (export "memory") 1)

  ;; ANCHOR: sum_by_calls
  (func (export "sum_by_calls") (param $n i32) (result i64)
    (local $sum i64)
    (block $done
      (loop $item
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i64.add (local.get $sum) (call $next)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $item)))
    (local.get $sum))
  ;; ANCHOR_END: sum_by_calls

  ;; ANCHOR: sum_in_memory
  ;; The n items are at ptr, 8 bytes each, written by the host.
  (func (export "sum_in_memory") (param $ptr i32) (param $n i32) (result i64)
    (local $sum i64)
    (block $done
      (loop $item
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i64.add (local.get $sum) (i64.load (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $item)))
    (local.get $sum))
  ;; ANCHOR_END: sum_in_memory
)
