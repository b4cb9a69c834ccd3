;; Lists of numbers, in and out: every export returns its argument, the
;; same buffer in the guest's memory. What a host gets is its own copy,
;; whatever its language makes of a list<u8>, a list<u16> or a list<f32>.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; A bump allocator for the arguments the host lowers, which grows the
    ;; memory when it must; nothing is freed.
    (global $next (mut i32) (i32.const 1024))
    (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
      (local $ptr i32) (local $end i32)
      ;; Round up to the alignment asked for (a power of two).
      (local.set $ptr
        (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                 (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (if (i32.eq (i32.const -1)
                (memory.grow
                  (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                           (memory.size))))
            (then unreachable))))
      (global.set $next (local.get $end))
      (local.get $ptr))
    ;; ANCHOR: echo
    ;; The list's (ptr, len) goes back in a return area at 16: the result is
    ;; the argument's own buffer, still in this memory.
    (func (export "echo") (param $ptr i32) (param $len i32) (result i32)
      (i32.store (i32.const 16) (local.get $ptr))
      (i32.store (i32.const 20) (local.get $len))
      (i32.const 16)))
    ;; ANCHOR_END: echo
  (core instance $i (instantiate $m))

  (func (export "echo-u8") (param "bytes" (list u8)) (result (list u8))
    (canon lift (core func $i "echo")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (func (export "echo-u16") (param "values" (list u16)) (result (list u16))
    (canon lift (core func $i "echo")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (func (export "echo-u32") (param "values" (list u32)) (result (list u32))
    (canon lift (core func $i "echo")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (func (export "echo-f32") (param "values" (list f32)) (result (list f32))
    (canon lift (core func $i "echo")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc")))))
