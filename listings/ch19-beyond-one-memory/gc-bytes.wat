;; A guest with no linear memory at all (WasmGC): its bytes are a GC array,
;; which the engine's collector owns. The host receives and passes
;; references, never pointers, so there is nothing to allocate or free.
;; ANCHOR: bytes
(module
  (type $bytes (array (mut i8)))

  ;; Returns a new array: the input's ASCII letters in upper case.
  (func (export "shout") (param $in (ref $bytes)) (result (ref $bytes))
    (local $out (ref $bytes)) (local $i i32) (local $byte i32)
    (local.set $out (array.new_default $bytes (array.len (local.get $in))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $in))))
        (local.set $byte (array.get_u $bytes (local.get $in) (local.get $i)))
        (if (i32.and (i32.ge_u (local.get $byte) (i32.const 97))
                     (i32.le_u (local.get $byte) (i32.const 122)))
          (then (local.set $byte (i32.sub (local.get $byte) (i32.const 32)))))
        (array.set $bytes (local.get $out) (local.get $i) (local.get $byte))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $out))
  ;; ANCHOR_END: bytes

  ;; ANCHOR: accessors
  ;; For a host that cannot look inside a GC array (JavaScript cannot):
  ;; bytes cross one call each.
  (func (export "new_bytes") (param $len i32) (result (ref $bytes))
    (array.new_default $bytes (local.get $len)))
  (func (export "length") (param $array (ref $bytes)) (result i32)
    (array.len (local.get $array)))
  (func (export "byte_at") (param $array (ref $bytes)) (param $i i32) (result i32)
    (array.get_u $bytes (local.get $array) (local.get $i)))
  (func (export "set_byte") (param $array (ref $bytes)) (param $i i32) (param $byte i32)
    (array.set $bytes (local.get $array) (local.get $i) (local.get $byte)))
  ;; ANCHOR_END: accessors
)
