;; A WasmGC guest that takes and returns JavaScript strings through the JS
;; string builtins (`wasm:js-string`): the engine converts between a JS
;; string and an array of UTF-16 code units, with no linear memory and no
;; glue code.
;; ANCHOR: strings
(module
  (type $chars (array (mut i16)))
  (import "wasm:js-string" "length"
    (func $length (param externref) (result i32)))
  (import "wasm:js-string" "intoCharCodeArray"
    (func $into (param externref (ref null $chars) i32) (result i32)))
  (import "wasm:js-string" "fromCharCodeArray"
    (func $from (param (ref null $chars) i32 i32) (result (ref extern))))

  (func (export "shout") (param $text externref) (result externref)
    (local $chars (ref $chars)) (local $len i32) (local $i i32) (local $unit i32)
    (local.set $len (call $length (local.get $text)))
    (local.set $chars (array.new_default $chars (local.get $len)))
    (drop (call $into (local.get $text) (local.get $chars) (i32.const 0)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $unit (array.get_u $chars (local.get $chars) (local.get $i)))
        (if (i32.and (i32.ge_u (local.get $unit) (i32.const 97))
                     (i32.le_u (local.get $unit) (i32.const 122)))
          (then (array.set $chars (local.get $chars) (local.get $i)
                  (i32.sub (local.get $unit) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $from (local.get $chars) (i32.const 0) (local.get $len))))
;; ANCHOR_END: strings
