;; The other way to return bytes: a single pointer, with the length in the
;; 4 bytes it points at. An `i32` result, so a JavaScript host needs no
;; BigInt; the length is one more read of guest memory.
(module
  (memory (export "memory") 1)

  ;; ANCHOR: prefixed
  ;; "Hello, prefix!" (14 bytes), after its length as a little-endian u32.
  (data (i32.const 1024) "\0e\00\00\00Hello, prefix!")

  ;; Returns the address of the length; the bytes follow it.
  (func (export "greeting") (result i32)
    (i32.const 1024))
  ;; ANCHOR_END: prefixed

  ;; A prefix that lies: 1 GiB of bytes in a 64 KiB memory.
  (data (i32.const 2048) "\00\00\00\40")
  (func (export "lying_greeting") (result i32)
    (i32.const 2048))
)
