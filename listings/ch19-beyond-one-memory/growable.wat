;; A memory of one page that the guest grows itself, up to four: for the
;; resizable buffers of chapter 19, a view that follows the growth.
(module
  (memory (export "memory") 1 4)
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
  (func (export "store") (param $ptr i32) (param $byte i32)
    (i32.store8 (local.get $ptr) (local.get $byte))))
