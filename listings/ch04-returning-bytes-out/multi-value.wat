;; Returning a pointer and a length as two results (multi-value).
;; Rust cannot emit this for an exported function on stable, so this listing
;; is written in the text format.
(module
  (memory (export "memory") 1)
  (data (i32.const 1024) "Hello, multi-value!")

  ;; ANCHOR: greeting
  (func (export "greeting") (result i32 i32)
    i32.const 1024  ;; first result: the pointer
    i32.const 19)   ;; second result: the length
  ;; ANCHOR_END: greeting
)
