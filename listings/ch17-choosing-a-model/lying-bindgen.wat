;; A stand-in for the wasm of `bindgen-shout` that tells chapter 17's lie to
;; the glue wasm-bindgen generated for it: its `shout` returns a (ptr, len)
;; of 16 bytes that start 8 bytes before the end of memory. It exports what
;; the glue of `shout` calls, with the same signatures, and nothing else.
(module
  (memory (export "memory") 1)

  ;; The glue calls it once, when it is initialized.
  (func (export "__wbindgen_start"))

  ;; A bump allocator, for the argument the glue copies in.
  (global $next (mut i32) (i32.const 1024))
  (func $malloc (export "__wbindgen_malloc") (param $size i32) (param $align i32) (result i32)
    (global.get $next)
    (global.set $next (i32.add (global.get $next) (local.get $size))))
  ;; The glue resizes its buffer for text that is not ASCII: a new block,
  ;; with what fits of the old one.
  (func (export "__wbindgen_realloc")
    (param $ptr i32) (param $old i32) (param $new i32) (param $align i32) (result i32)
    (local $to i32)
    (local.set $to (call $malloc (local.get $new) (local.get $align)))
    (memory.copy (local.get $to) (local.get $ptr)
      (select (local.get $old) (local.get $new) (i32.lt_u (local.get $old) (local.get $new))))
    (local.get $to))

  ;; ANCHOR: lie
  ;; The text's (ptr, len) in, the result's (ptr, len) out, as two results:
  ;; the convention of wasm-bindgen's glue for a `String`.
  (func (export "shout") (param $ptr i32) (param $len i32) (result i32 i32)
    (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 8))
    (i32.const 16))
  ;; ANCHOR_END: lie

  ;; The glue frees the result with it once it has read it: nothing to do
  ;; for a bump allocator.
  (func (export "__wbindgen_free") (param $ptr i32) (param $len i32) (param $align i32))
)
