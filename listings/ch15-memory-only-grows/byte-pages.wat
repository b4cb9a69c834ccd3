;; A memory whose page is one byte (the custom-page-sizes proposal): it
;; starts at one byte and grows by the byte, so a guest that needs 100 bytes
;; asks for 100, not for a 64 KiB page.
;; ANCHOR: memory
(module
  (memory (export "memory") 1 (pagesize 1))
  ;; ANCHOR_END: memory

  ;; grow(n) -> the old size in pages (bytes here), or -1
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
  ;; store(addr, byte): one byte, bounds-checked like any store
  (func (export "store") (param $addr i32) (param $byte i32)
    (i32.store8 (local.get $addr) (local.get $byte))))
