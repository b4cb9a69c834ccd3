;; A hand-written guest for the greet recipe. Its allocator is a bump
;; allocator: a pointer that only moves forward.
(module
  ;; One page (64 KiB) to start; allocate grows it when a buffer does not fit.
  (memory (export "memory") 1)

  ;; The greeting's constant parts, at address 0: "Hello, " (7 bytes) and "!".
  ;; Buffers start after them, at 8, so none is ever at address 0.
  (data (i32.const 0) "Hello, !")

  ;; The next free address; always a multiple of 8.
  (global $next (mut i32) (i32.const 8))

  ;; The host calls this to get room for its input, and greet calls it for
  ;; the greeting. It hands out $next and moves $next past the buffer,
  ;; rounded up to 8 so the next buffer is aligned too.
  (func $allocate (export "allocate") (param $len i32) (result i32)
    (local $ptr i32)
    (local $end i64)
    (local.set $ptr (global.get $next))
    ;; In i64, both read as unsigned: a len near 4 GiB must not wrap around
    ;; to a small address.
    (local.set $end
      (i64.and
        (i64.add
          (i64.add (i64.extend_i32_u (local.get $ptr))
                   (i64.extend_i32_u (local.get $len)))
          (i64.const 7))
        (i64.const -8)))
    ;; A 32-bit memory ends before 4 GiB: trap rather than return an address
    ;; the host would write past.
    (if (i64.ge_u (local.get $end) (i64.const 0x1_0000_0000))
      (then unreachable))
    ;; Past the memory's current size: grow it by the 64 KiB pages missing.
    ;; memory.grow returns -1 when the host allows no more: trap then too.
    (if (i64.gt_u (local.get $end)
                  (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.sub
                  (i32.wrap_i64
                    (i64.shr_u (i64.add (local.get $end) (i64.const 0xffff))
                               (i64.const 16)))
                  (memory.size)))
              (i32.const -1))
          (then unreachable))))
    (global.set $next (i32.wrap_i64 (local.get $end)))
    (local.get $ptr))

  ;; A bump allocator cannot free one buffer among others: deallocate does
  ;; nothing, and every name and greeting stays in memory until the instance
  ;; is dropped. Fine for an instance made for one task, not for one that
  ;; greets forever; the host calls it all the same, as the contract says.
  (func (export "deallocate") (param $ptr i32) (param $len i32))

  ;; Reads the name the host wrote (it is the host's to free), and returns
  ;; "Hello, <name>!" in a buffer of its own, packed in one i64: length in
  ;; the high 32 bits, pointer in the low 32. The name's UTF-8 bytes are
  ;; copied as they are: nothing here needs to know where a character ends.
  (func (export "greet") (param $name i32) (param $name_len i32) (result i64)
    (local $len i32)
    (local $out i32)
    (local.set $len (i32.add (local.get $name_len) (i32.const 8)))
    (local.set $out (call $allocate (local.get $len)))
    ;; "Hello, ", then the name, then "!" (the byte at address 7).
    (memory.copy (local.get $out) (i32.const 0) (i32.const 7))
    (memory.copy (i32.add (local.get $out) (i32.const 7))
                 (local.get $name) (local.get $name_len))
    (memory.copy (i32.add (local.get $out) (i32.sub (local.get $len) (i32.const 1)))
                 (i32.const 7) (i32.const 1))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))
      (i64.extend_i32_u (local.get $out))))
)
