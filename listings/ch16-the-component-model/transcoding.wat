;; Two components composed into one: a caller that keeps its strings in
;; UTF-16, and a callee that takes them in UTF-8. Neither transcodes: the
;; host's runtime does, between them, with the callee's `cabi_realloc`,
;; following the canonical ABI's `store_string_to_utf8`. The callee's
;; allocator writes down every call, so that a test can read the sequence.
(component
  ;; The callee: strings in UTF-8 (the default encoding).
  (component $callee
    (core module $m
      (memory (export "memory") 1)
      ;; The log of `cabi_realloc` calls: their number at 0, then from 16
      ;; five u32s per call: old_ptr, old_size, align, new_size, and the
      ;; address it answered. Blocks are handed out from 1024 up.
      (global $next (mut i32) (i32.const 1024))

      ;; A realloc that keeps what the old block held: it shrinks in place,
      ;; and grows by copying the old bytes into a new block (the old one
      ;; is left as it was, never reused, so a test can look at it).
      (func (export "cabi_realloc")
          (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32)
          (result i32)
        (local $new i32) (local $entry i32)
        (if (i32.le_u (local.get $new_size) (local.get $old_size))
          (then (local.set $new (local.get $old)))
          (else
            (local.set $new (global.get $next))
            (global.set $next (i32.add (global.get $next) (local.get $new_size)))
            (memory.copy (local.get $new) (local.get $old) (local.get $old_size))))
        (local.set $entry
          (i32.add (i32.const 16) (i32.mul (i32.load (i32.const 0)) (i32.const 20))))
        (i32.store offset=0 (local.get $entry) (local.get $old))
        (i32.store offset=4 (local.get $entry) (local.get $old_size))
        (i32.store offset=8 (local.get $entry) (local.get $align))
        (i32.store offset=12 (local.get $entry) (local.get $new_size))
        (i32.store offset=16 (local.get $entry) (local.get $new))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (local.get $new))

      ;; `take(text)`: keeps the (ptr, len) it received at 1000, where
      ;; `received` returns them from.
      (func (export "take") (param $ptr i32) (param $len i32)
        (i32.store (i32.const 1000) (local.get $ptr))
        (i32.store (i32.const 1004) (local.get $len)))
      (func (export "received") (result i32)
        (i32.const 1000))

      ;; `reallocs()`: the log, as a list<u32> (pointer 16, five per call).
      (func (export "reallocs") (result i32)
        (i32.store (i32.const 8) (i32.const 16))
        (i32.store (i32.const 12) (i32.mul (i32.load (i32.const 0)) (i32.const 5)))
        (i32.const 8))

      ;; `peek(ptr, len)`: the bytes of this memory at ptr, as a list<u8>.
      ;; Only for a test, which reads an old block with it.
      (func (export "peek") (param $ptr i32) (param $len i32) (result i32)
        (i32.store (i32.const 1008) (local.get $ptr))
        (i32.store (i32.const 1012) (local.get $len))
        (i32.const 1008)))
    (core instance $i (instantiate $m))

    (func (export "take") (param "text" string)
      (canon lift (core func $i "take")
        (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))
        string-encoding=utf8))
    (func (export "received") (result string)
      (canon lift (core func $i "received") (memory (core memory $i "memory"))))
    (func (export "reallocs") (result (list u32))
      (canon lift (core func $i "reallocs") (memory (core memory $i "memory"))))
    (func (export "peek") (param "ptr" u32) (param "len" u32) (result (list u8))
      (canon lift (core func $i "peek") (memory (core memory $i "memory")))))

  ;; ANCHOR: caller
  ;; The caller: its strings are UTF-16 (two bytes per code unit, little-
  ;; endian), and so is its view of `take`.
  (component $caller
    (import "take" (func $take (param "text" string)))
    (core module $strings
      (memory (export "memory") 1)
      ;; "hello": 5 code units, all ASCII.
      (data (i32.const 64) "h\00e\00l\00l\00o\00")
      ;; "héllo wörld": 11 code units; é and ö take two bytes in UTF-8.
      (data (i32.const 128) "h\00\e9\00l\00l\00o\00 \00w\00\f6\00r\00l\00d\00"))
    (core instance $strings (instantiate $strings))
    (core func $take
      (canon lower (func $take)
        (memory (core memory $strings "memory")) string-encoding=utf16))
    (core module $m
      (import "caller" "take" (func $take (param i32 i32)))
      ;; A UTF-16 string is passed as (ptr, number of code units).
      (func (export "send-ascii") (call $take (i32.const 64) (i32.const 5)))
      (func (export "send-accented") (call $take (i32.const 128) (i32.const 11))))
    (core instance $i
      (instantiate $m (with "caller" (instance (export "take" (func $take))))))
    (func (export "send-ascii") (canon lift (core func $i "send-ascii")))
    (func (export "send-accented") (canon lift (core func $i "send-accented"))))
  ;; ANCHOR_END: caller

  (instance $callee (instantiate $callee))
  (instance $caller (instantiate $caller (with "take" (func $callee "take"))))
  (export "send-ascii" (func $caller "send-ascii"))
  (export "send-accented" (func $caller "send-accented"))
  (export "received" (func $callee "received"))
  (export "reallocs" (func $callee "reallocs"))
  (export "peek" (func $callee "peek")))
