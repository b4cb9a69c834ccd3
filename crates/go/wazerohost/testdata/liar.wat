;; A guest that returns whatever it is told to: the property tests and the
;; fuzzers of the utilities (the Rust crate wasm-memory-host's, and the Go
;; and JavaScript packages', which carry a copy of this file and its
;; compiled form) tell it a lie, then call it through the utility and check
;; what the host did with the lie.
;;
;; Its allocator returns the address it was told; it counts frees, and
;; counts apart a free of a range outside memory, which a host must never
;; make. Bytes at 2048 are not UTF-8; those at 3072 are, with characters
;; of two, three and four bytes.
;; ANCHOR: liar
(module
  (memory (export "memory") 1)
  (global $allocation (mut i32) (i32.const 1024))
  (global $result (mut i64) (i64.const 0))
  (global $frees (mut i32) (i32.const 0))
  (global $frees_outside (mut i32) (i32.const 0))

  ;; What `allocate` and the lying exports return from now on.
  (func (export "tell") (param $allocation i32) (param $result i64)
    (global.set $allocation (local.get $allocation))
    (global.set $result (local.get $result)))

  (func (export "allocate") (param i32) (result i32) (global.get $allocation))
  (func (export "deallocate") (param $ptr i32) (param $size i32)
    (global.set $frees (i32.add (global.get $frees) (i32.const 1)))
    (if (i64.gt_u
          (i64.add (i64.extend_i32_u (local.get $ptr)) (i64.extend_i32_u (local.get $size)))
          (i64.mul (i64.extend_i32_u (memory.size)) (i64.const 65536)))
      (then (global.set $frees_outside (i32.add (global.get $frees_outside) (i32.const 1))))))

  ;; The lie, with no input and with one.
  (func (export "lie") (result i64) (global.get $result))
  (func (export "lie_about") (param i32 i32) (result i64) (global.get $result))
  ;; ANCHOR_END: liar

  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "frees") (result i32) (global.get $frees))
  (func (export "frees_outside") (result i32) (global.get $frees_outside))
  (data (i32.const 2048) "f\ff\fe\c3(\e2\82")
  (data (i32.const 3072) "caf\c3\a9 \e2\82\ac \f0\9d\84\9e ok"))
