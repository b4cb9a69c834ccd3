;; A guest allocator with a bug in its caller's hands: a free list of
;; 16-byte blocks that trusts every `free`. Freeing one block twice puts it
;; on the list twice, and `malloc` then hands it out to two owners. The
;; functions are named `malloc` and `free` (in the name section too), which
;; is what wasmtime's `wmemcheck` looks for.
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024)) ;; never-used memory starts here
  (global $free (mut i32) (i32.const 0))    ;; the free list's head, 0 if empty

  ;; ANCHOR: malloc
  ;; malloc(len) -> a 16-byte block (len <= 16): the free list's head, or
  ;; the next unused block.
  (func $malloc (export "malloc") (param $len i32) (result i32)
    (local $ptr i32)
    (if (i32.ne (global.get $free) (i32.const 0))
      (then
        (local.set $ptr (global.get $free))
        (global.set $free (i32.load (local.get $ptr))) ;; the next free block
        (return (local.get $ptr))))
    (local.set $ptr (global.get $next))
    (global.set $next (i32.add (local.get $ptr) (i32.const 16)))
    (local.get $ptr))

  ;; free(ptr): pushes the block on the free list. It does not check that
  ;; the block is in use: a second free of the same block is not noticed.
  (func $free (export "free") (param $ptr i32)
    (i32.store (local.get $ptr) (global.get $free))
    (global.set $free (local.get $ptr)))
  ;; ANCHOR_END: malloc
)
