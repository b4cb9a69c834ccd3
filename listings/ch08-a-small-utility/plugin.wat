;; A plugin as one finds them in the wild, written by hand: its own
;; allocator names (`alloc` / `dealloc`), results packed pointer-high, and a
;; host function `env.log(ptr, len)` it calls. A bump allocator that grows
;; memory when it must and returns 0 when it cannot; `live` counts the
;; buffers not freed yet. Two exports misbehave on purpose, for the tests of
;; a host's limits: `spin` never returns, and `grow_until_refused` grows
;; memory until growth fails.
(module
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $live (mut i32) (i32.const 0))
  (data (i32.const 16) "upper")

  (func $alloc (export "alloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $pages i32)
    ;; 8-byte aligned, and never 0 bytes, so that 0 can only mean failure.
    (local.set $ptr (global.get $heap))
    (local.set $end
      (i32.and (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 15))
               (i32.const -8)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (local.set $pages
          (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                   (memory.size)))
        (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.get $ptr))

  ;; A bump allocator frees nothing but its count.
  (func (export "dealloc") (param $ptr i32) (param $size i32)
    (global.set $live (i32.sub (global.get $live) (i32.const 1))))

  (func (export "live") (result i32) (global.get $live))

  ;; ASCII upper case of the input into a new buffer, packed pointer-high.
  (func (export "upper") (param $ptr i32) (param $len i32) (result i64)
    (local $out i32) (local $i i32) (local $byte i32)
    (call $log (i32.const 16) (i32.const 5))
    (local.set $out (call $alloc (local.get $len)))
    (if (i32.eqz (local.get $out)) (then (unreachable)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $byte (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $byte) (i32.const 97))
                     (i32.le_u (local.get $byte) (i32.const 122)))
          (then (local.set $byte (i32.sub (local.get $byte) (i32.const 32)))))
        (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $byte))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
            (i64.extend_i32_u (local.get $len))))

  ;; ANCHOR: misbehave
  (func (export "spin") (loop $forever (br $forever)))

  ;; Grows one page at a time until the host (or the engine) refuses, and
  ;; returns the number of pages it then has.
  (func (export "grow_until_refused") (result i32)
    (block $refused
      (loop $again
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $again)))
    (memory.size))
  ;; ANCHOR_END: misbehave
)
