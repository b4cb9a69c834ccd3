;; A guest whose allocator keeps its next free address in a mutable global,
;; where toolchains keep the stack pointer: outside linear memory, and not
;; exported. A copy of the memory's bytes does not contain it.
;; ANCHOR: global
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  ;; ANCHOR_END: global

  ;; ANCHOR: allocate
  ;; allocate(len) -> ptr: the next `len` bytes, growing the memory when
  ;; they do not fit; 0 if it cannot grow. Nothing is ever freed.
  (func (export "allocate") (param $len i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (global.get $next))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        ;; grow by the pages still missing: ceil(end / 65536) - size
        (if (i32.eq (i32.const -1)
              (memory.grow
                (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535))
                                    (i32.const 16))
                         (memory.size))))
          (then (return (i32.const 0))))))
    (global.set $next (local.get $end))
    (local.get $ptr)))
  ;; ANCHOR_END: allocate
