;; A component whose core module calls `stream.read` and `stream.write`
;; with whatever (ptr, count) the host asks for: the canonical ABI's checks
;; of a stream's buffer, seen from a guest that lies. Hand-written: a
;; generator would pass only buffers it allocated.
(component
  (core module $libc
    (memory (export "memory") 1)
    ;; Something of the guest's own, right after an 8-byte buffer at
    ;; [40, 48).
    (data (i32.const 48) "the guest's own."))
  (core instance $libc (instantiate $libc))

  (type $bytes (stream u8))
  (core func $stream.new (canon stream.new $bytes))
  (core func $stream.read
    (canon stream.read $bytes async (memory (core memory $libc "memory"))))
  (core func $stream.write
    (canon stream.write $bytes async (memory (core memory $libc "memory"))))

  (core module $liar
    (import "libc" "memory" (memory 1))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))

    ;; ANCHOR: read
    ;; One `stream.read` into [ptr, ptr + count). The answer packs the
    ;; number of bytes that landed over a 4-bit status (0 completed,
    ;; 1 dropped), or is -1: blocked, the buffer still lent.
    (func (export "read") (param $s i32) (param $ptr i32) (param $count i32) (result i32)
      (call $stream.read (local.get $s) (local.get $ptr) (local.get $count)))
    ;; ANCHOR_END: read

    ;; Two reads into one buffer, without waiting for the first.
    (func (export "read-twice") (param $s i32) (param $ptr i32) (param $count i32) (result i32)
      (drop (call $stream.read (local.get $s) (local.get $ptr) (local.get $count)))
      (call $stream.read (local.get $s) (local.get $ptr) (local.get $count)))

    ;; One `stream.write` of [ptr, ptr + count) into a stream of its own:
    ;; `stream.new` answers (writable << 32) | readable.
    (func (export "write") (param $ptr i32) (param $count i32) (result i32)
      (call $stream.write
        (i32.wrap_i64 (i64.shr_u (call $stream.new) (i64.const 32)))
        (local.get $ptr) (local.get $count)))

    ;; The bytes at [ptr, ptr + len) as a list: a return area at 8.
    (func (export "peek") (param $ptr i32) (param $len i32) (result i32)
      (i32.store (i32.const 8) (local.get $ptr))
      (i32.store (i32.const 12) (local.get $len))
      (i32.const 8))
  )
  (core instance $liar (instantiate $liar
    (with "libc" (instance $libc))
    (with "" (instance
      (export "stream.new" (func $stream.new))
      (export "stream.read" (func $stream.read))
      (export "stream.write" (func $stream.write))))))

  (func (export "read") (param "input" (stream u8)) (param "ptr" u32) (param "count" u32) (result u32)
    (canon lift (core func $liar "read")))
  (func (export "read-twice") (param "input" (stream u8)) (param "ptr" u32) (param "count" u32) (result u32)
    (canon lift (core func $liar "read-twice")))
  (func (export "write") (param "ptr" u32) (param "count" u32) (result u32)
    (canon lift (core func $liar "write")))
  (func (export "peek") (param "ptr" u32) (param "len" u32) (result (list u8))
    (canon lift (core func $liar "peek") (memory (core memory $libc "memory"))))
)
