;; A module that has a memory and does not export it. Its own code reads
;; and writes it; a host can reach only what a module exports, so no host
;; can read or write a byte of it.
;; ANCHOR: hidden_memory
(module
  (memory 1) ;; defined, not exported
  (data (i32.const 0) "hidden")
  (func (export "first_byte") (result i32)
    (i32.load8_u (i32.const 0))))
;; ANCHOR_END: hidden_memory
