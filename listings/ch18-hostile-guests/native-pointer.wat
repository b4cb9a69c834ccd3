;; A guest that asks its host for data by address, as a C guest would call
;; a function returning `char *`. A wasm address is an offset into the
;; guest's own memory, whatever number the host returns.
(module
  ;; ANCHOR: imports
  ;; get_data() -> address: the host answers with one of its own addresses.
  (import "env" "get_data" (func $get_data (result i32)))
  ;; copy_data(ptr, len) -> bytes copied: the host copies into the guest's
  ;; buffer at ptr, an offset into this memory.
  (import "env" "copy_data" (func $copy_data (param i32 i32) (result i32)))
  ;; ANCHOR_END: imports
  (memory (export "memory") 1)

  ;; ANCHOR: read
  ;; Reads the first byte at the address the host returned.
  (func (export "first_byte_at_host_address") (result i32)
    (i32.load8_u (call $get_data)))

  ;; Lends the host a buffer of 16 bytes at 1024, then reads its first byte.
  (func (export "first_byte_copied") (result i32)
    (drop (call $copy_data (i32.const 1024) (i32.const 16)))
    (i32.load8_u (i32.const 1024)))
  ;; ANCHOR_END: read
)
