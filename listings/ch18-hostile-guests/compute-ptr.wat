;; A guest of a host whose functions take an offset into this memory as an
;; i64, as freenet-core's did (freenet-core#2864): `info` logs `len` bytes
;; of this memory at `ptr`.
(module
  ;; ANCHOR: imports
  ;; info(ptr, len) -> 0, or -7 (ERR_MEMORY_BOUNDS) from a host that checks.
  (import "freenet_log" "info" (func $info (param i64 i32) (result i32)))
  ;; ANCHOR_END: imports
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from the guest")

  ;; Calls `info` with the offset and length it is given: each test tells
  ;; the lie through this export.
  (func (export "log") (param $ptr i64) (param $len i32) (result i32)
    (call $info (local.get $ptr) (local.get $len)))
)
