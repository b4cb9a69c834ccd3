;; A guest with no allocator of its own: it imports its memory and asks
;; the host for space with `env.allocate`. The host created the memory,
;; runs the allocator and owns every block it hands out; the guest's own
;; bytes are only its data, in the first page.
;; ANCHOR: imports
(module
  (import "env" "memory" (memory 2))
  ;; Returns the address of `len` bytes the guest may write until its call
  ;; returns, or traps with the host's error when the host refuses.
  (import "env" "allocate" (func $allocate (param $len i32) (result i32)))
  ;; ANCHOR_END: imports
  (data (i32.const 1024) "Hello, ")

  ;; ANCHOR: greet
  ;; greet(name, name_len) -> (len << 32) | ptr: "Hello, <name>!".
  ;; Borrows the name, which the host wrote into a block of its own. The
  ;; greeting is in a block from `env.allocate`: the host's, which it reads
  ;; and takes back after the call.
  (func (export "greet") (param $name i32) (param $name_len i32) (result i64)
    (local $len i32) (local $out i32)
    (local.set $len (i32.add (local.get $name_len) (i32.const 8)))
    (local.set $out (call $allocate (local.get $len)))
    (memory.copy (local.get $out) (i32.const 1024) (i32.const 7))
    (memory.copy (i32.add (local.get $out) (i32.const 7))
                 (local.get $name) (local.get $name_len))
    (i32.store8 offset=7 (i32.add (local.get $out) (local.get $name_len))
                (i32.const 0x21)) ;; "!"
    (i64.or (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))
            (i64.extend_i32_u (local.get $out))))
  ;; ANCHOR_END: greet

  ;; Forwards any length to `env.allocate`, so that a test can ask for what
  ;; a buggy or hostile guest would.
  (func (export "allocate_raw") (param $len i32) (result i32)
    (call $allocate (local.get $len))))
