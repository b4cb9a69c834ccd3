;; A component whose core module lies to the canonical ABI. Each export has
;; the WIT type `func(text: string) -> string`, and each core function
;; behind it breaks one rule that lifting checks. A hand-written component:
;; no generator would emit these.
(component
  (core module $liar
    (memory (export "memory") 1)
    ;; "fo", 0xff, "o": four bytes, not UTF-8.
    (data (i32.const 32) "fo\ffo")

    ;; A working bump allocator, for the argument the host lowers.
    (global $next (mut i32) (i32.const 4096))
    (func (export "cabi_realloc") (param i32 i32 i32) (param $size i32) (result i32)
      (global.get $next)
      (global.set $next (i32.add (global.get $next) (local.get $size))))

    ;; ANCHOR: past_the_end
    ;; The result's (ptr, len) goes in a return area at 16: 16 bytes that
    ;; start 8 bytes before the end of memory, the lie of chapter 17.
    (func (export "past-the-end") (param i32 i32) (result i32)
      (i32.store (i32.const 16)
        (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 8)))
      (i32.store (i32.const 20) (i32.const 16))
      (i32.const 16))
    ;; ANCHOR_END: past_the_end

    ;; A return area at 17: a (ptr, len) of i32s must be 4-aligned.
    (func (export "misaligned") (param i32 i32) (result i32)
      (i32.const 17))

    ;; In bounds, aligned, and not UTF-8.
    (func (export "not-utf8") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (i32.const 32))
      (i32.store (i32.const 20) (i32.const 4))
      (i32.const 16))

    ;; An allocator that answers with an address past the end of memory.
    (func (export "realloc-past-the-end") (param i32 i32 i32 i32) (result i32)
      (i32.const 0xfffffff0))
    (func (export "echo") (param $ptr i32) (param $len i32) (result i32)
      (i32.store (i32.const 16) (local.get $ptr))
      (i32.store (i32.const 20) (local.get $len))
      (i32.const 16))
  )
  (core instance $liar (instantiate $liar))

  (type $shout (func (param "text" string) (result string)))
  (func (export "past-the-end") (type $shout)
    (canon lift (core func $liar "past-the-end")
      (memory (core memory $liar "memory")) (realloc (core func $liar "cabi_realloc"))))
  (func (export "misaligned") (type $shout)
    (canon lift (core func $liar "misaligned")
      (memory (core memory $liar "memory")) (realloc (core func $liar "cabi_realloc"))))
  (func (export "not-utf8") (type $shout)
    (canon lift (core func $liar "not-utf8")
      (memory (core memory $liar "memory")) (realloc (core func $liar "cabi_realloc"))))
  (func (export "realloc-past-the-end") (type $shout)
    (canon lift (core func $liar "echo")
      (memory (core memory $liar "memory")) (realloc (core func $liar "realloc-past-the-end"))))
)
