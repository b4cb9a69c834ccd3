;; A guest whose state is only consistent between calls: `add` marks itself
;; busy, does its work, and clears the mark when it is done. A trap in the
;; middle leaves the mark set, as a trap inside a Rust guest leaves a lock
;; held or an allocator half-way through an update.
(module
  ;; ANCHOR: add
  (global $busy (mut i32) (i32.const 0))
  (global $total (mut i32) (i32.const 0))
  (func (export "add") (param $n i32) (result i32)
    ;; Entered while a call is unfinished: the state cannot be trusted.
    (if (global.get $busy) (then unreachable))
    (global.set $busy (i32.const 1))
    ;; The bug: 0 traps half-way, with $busy still set.
    (if (i32.eqz (local.get $n)) (then unreachable))
    (global.set $total (i32.add (global.get $total) (local.get $n)))
    (global.set $busy (i32.const 0))
    (global.get $total))
  ;; ANCHOR_END: add
)
