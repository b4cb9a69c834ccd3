;; The guest of the utilities' own examples and tests: the Rust crate
;; wasm-memory-host's, and the Go and JavaScript packages' (which carry a
;; copy of this file and its compiled form). Their conventions in a few
;; lines of the text format.
;;
;; - `allocate(size) -> ptr` hands out 8-byte-aligned memory from a bump
;;   pointer, growing the memory when it must (0 when it cannot);
;;   `deallocate(ptr, size)` only counts, so `live()` says how many buffers
;;   are still out. `malloc(size) -> ptr` and `free(ptr)` are the same
;;   allocator under C's names, for the `malloc` / `free` convention.
;; - `greet(ptr, len)` reads a name and returns "Hello, <name>!" in a new
;;   buffer, packed pointer-low: `(len << 32) | ptr`. The host owns that
;;   buffer and gives it back with `deallocate`.
;; - `shout(ptr, len)` returns the bytes upper-cased, the same way, but only
;;   after `_initialize` has run: it plays a reactor (a Go or TinyGo guest).
;; - `version()` takes nothing and returns "guest 1.0" in a new buffer.
;; - `sum(ptr, len)` returns the wrapping sum of the bytes: bytes in, a
;;   number out.
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (global $live (mut i32) (i32.const 0))
  (global $initialized (mut i32) (i32.const 0))
  (data (i32.const 16) "Hello, ")
  (data (i32.const 32) "guest 1.0")

  (func $allocate (export "allocate") (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local.set $ptr
      (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr))
      (then (return (i32.const 0))))
    (block $fits
      (br_if $fits
        (i64.le_u
          (i64.extend_i32_u (local.get $end))
          (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16))))
      ;; Grow by the pages that `end` lies beyond.
      (br_if $fits
        (i32.ne
          (memory.grow
            (i32.sub
              (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.const 1)) (i32.const 16))
                       (i32.const 1))
              (memory.size)))
          (i32.const -1)))
      (return (i32.const 0)))
    (global.set $next (local.get $end))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.get $ptr))

  (func (export "deallocate") (param $ptr i32) (param $size i32)
    (global.set $live (i32.sub (global.get $live) (i32.const 1))))

  (func (export "malloc") (param $size i32) (result i32)
    (call $allocate (local.get $size)))

  (func (export "free") (param $ptr i32)
    (global.set $live (i32.sub (global.get $live) (i32.const 1))))

  (func (export "live") (result i32)
    (global.get $live))

  (func (export "_initialize")
    (global.set $initialized (i32.const 1)))

  ;; `(len << 32) | ptr`
  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))
      (i64.extend_i32_u (local.get $ptr))))

  (func (export "greet") (param $name i32) (param $len i32) (result i64)
    (local $out i32)
    (local $out_len i32)
    (local.set $out_len (i32.add (local.get $len) (i32.const 8)))
    (local.set $out (call $allocate (local.get $out_len)))
    (if (i32.eqz (local.get $out)) (then unreachable))
    (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
    (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $name) (local.get $len))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 7)))
                (i32.const 33)) ;; '!'
    (call $pack (local.get $out) (local.get $out_len)))

  (func (export "shout") (param $text i32) (param $len i32) (result i64)
    (local $out i32)
    (local $i i32)
    (local $byte i32)
    (if (i32.eqz (global.get $initialized)) (then unreachable))
    (local.set $out (call $allocate (local.get $len)))
    (if (i32.eqz (local.get $out)) (then unreachable))
    (block $done
      (loop $next_byte
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $byte (i32.load8_u (i32.add (local.get $text) (local.get $i))))
        ;; 'a'..='z' becomes 'A'..='Z'
        (if (i32.lt_u (i32.sub (local.get $byte) (i32.const 97)) (i32.const 26))
          (then (local.set $byte (i32.sub (local.get $byte) (i32.const 32)))))
        (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $byte))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next_byte)))
    (call $pack (local.get $out) (local.get $len)))

  (func (export "version") (result i64)
    (local $out i32)
    (local.set $out (call $allocate (i32.const 9)))
    (if (i32.eqz (local.get $out)) (then unreachable))
    (memory.copy (local.get $out) (i32.const 32) (i32.const 9))
    (call $pack (local.get $out) (i32.const 9)))

  (func (export "sum") (param $ptr i32) (param $len i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next_byte
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next_byte)))
    (local.get $sum)))
