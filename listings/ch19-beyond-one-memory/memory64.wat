;; A guest whose memory is indexed by `i64` (memory64): every pointer and
;; every length is an `i64`, so a `(ptr, len)` pair is 128 bits and no
;; longer fits in the one `u64` of chapter 4. It returns the result of
;; `shout` in the three shapes that do fit, and it can be told to lie.
;; ANCHOR: memory
(module
  (memory (export "memory") i64 1)
  ;; ANCHOR_END: memory
  (global $next (mut i64) (i64.const 1024))
  ;; 16 bytes the guest owns, for `shout_return_area` to return.
  (global $return_area i64 (i64.const 16))
  (global $lie_ptr (mut i64) (i64.const 0))
  (global $lie_len (mut i64) (i64.const 0))

  ;; A bump allocator: enough for a listing that never frees.
  (func $allocate (export "allocate") (param $len i64) (result i64)
    (local $ptr i64)
    (local.set $ptr (global.get $next))
    (global.set $next (i64.add (local.get $ptr) (local.get $len)))
    (local.get $ptr))

  ;; Copies `len` bytes from `ptr` into a new buffer, ASCII letters in
  ;; upper case, and returns the buffer's address.
  (func $shout (param $ptr i64) (param $len i64) (result i64)
    (local $out i64) (local $i i64) (local $byte i32)
    (local.set $out (call $allocate (local.get $len)))
    (block $done
      (loop $next_byte
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (local.set $byte (i32.load8_u (i64.add (local.get $ptr) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $byte) (i32.const 97))
                     (i32.le_u (local.get $byte) (i32.const 122)))
          (then (local.set $byte (i32.sub (local.get $byte) (i32.const 32)))))
        (i32.store8 (i64.add (local.get $out) (local.get $i)) (local.get $byte))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next_byte)))
    (local.get $out))

  ;; ANCHOR: two_results
  ;; Shape 1: two `i64` results (multi-value).
  (func (export "shout_pair") (param $ptr i64) (param $len i64) (result i64 i64)
    (call $shout (local.get $ptr) (local.get $len))
    (local.get $len))
  ;; ANCHOR_END: two_results

  ;; ANCHOR: out_pointer
  ;; Shape 2: the caller passes `out`, 16 bytes it allocated; the guest
  ;; writes the pointer at `out` and the length at `out + 8`.
  (func (export "shout_out") (param $ptr i64) (param $len i64) (param $out i64)
    (i64.store (local.get $out) (call $shout (local.get $ptr) (local.get $len)))
    (i64.store offset=8 (local.get $out) (local.get $len)))
  ;; ANCHOR_END: out_pointer

  ;; ANCHOR: return_area_export
  ;; Shape 3: the guest writes both into its own return area and returns
  ;; the area's address, as the canonical ABI does for a `string` result.
  (func (export "shout_return_area") (param $ptr i64) (param $len i64) (result i64)
    (i64.store (global.get $return_area) (call $shout (local.get $ptr) (local.get $len)))
    (i64.store offset=8 (global.get $return_area) (local.get $len))
    (global.get $return_area))
  ;; ANCHOR_END: return_area_export

  ;; What `lie` returns from now on, for the host's checks.
  (func (export "tell") (param i64 i64)
    (global.set $lie_ptr (local.get 0))
    (global.set $lie_len (local.get 1)))
  (func (export "lie") (result i64 i64)
    (global.get $lie_ptr)
    (global.get $lie_len))

  ;; The first bytes of memory, which a host that cuts a pointer to 32
  ;; bits reads instead of the ones it was given.
  (data (i64.const 0) "page zero"))
