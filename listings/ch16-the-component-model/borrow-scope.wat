;; A borrow lasts one call. This component imports a resource type from the
;; host, `ticket`, and takes borrows of it. A borrowed handle goes into the
;; instance's table of handles for the call, and the canonical ABI requires
;; the callee to drop it before it returns.
(component
  (import "ticket" (type $ticket (sub resource)))
  (core func $drop (canon resource.drop $ticket))
  (core module $m
    (import "canon" "drop" (func $drop (param i32)))
    ;; The index of the last handle received, kept after the call returns.
    (global $kept (mut i32) (i32.const 0))
    ;; ANCHOR: keep
    ;; Keeps the handle's index for later, and returns without dropping it.
    (func (export "keep") (param $ticket i32)
      (global.set $kept (local.get $ticket)))
    ;; ANCHOR_END: keep
    ;; Keeps the index too, but drops the borrow before returning.
    (func (export "release") (param $ticket i32)
      (global.set $kept (local.get $ticket))
      (call $drop (local.get $ticket)))
    ;; A later call that uses the kept index.
    (func (export "drop-kept")
      (call $drop (global.get $kept))))
  (core instance $i
    (instantiate $m (with "canon" (instance (export "drop" (func $drop))))))
  (func (export "keep") (param "ticket" (borrow $ticket))
    (canon lift (core func $i "keep")))
  (func (export "release") (param "ticket" (borrow $ticket))
    (canon lift (core func $i "release")))
  (func (export "drop-kept")
    (canon lift (core func $i "drop-kept"))))
