;; A guest whose allocator does what TinyGo's runtime does at startup
;; (`heapEnd = memory.size * 64 KiB`, then `growHeap`): it takes every byte
;; from its heap base up to the size of memory as its own, and when it
;; grows the memory it takes everything up to the new size. A page that
;; something else added to the memory before or in between becomes heap.
;;
;; Ownership: every block `allocate` returns is the guest's (it frees
;; nothing: a bump allocator); the host must claim no page of this memory.
(module
  (memory (export "memory") 1)
  (global $heap_base i32 (i32.const 2048)) ;; after the guest's data
  (global $next (mut i32) (i32.const 0))
  (global $heap_end (mut i32) (i32.const 0))

  ;; ANCHOR: start
  ;; At startup: the heap runs from the heap base to the end of memory,
  ;; whatever the memory's size is by then.
  (func (export "_initialize")
    (global.set $next (global.get $heap_base))
    (global.set $heap_end (i32.mul (memory.size) (i32.const 65536))))
  ;; ANCHOR_END: start

  ;; ANCHOR: allocate
  ;; allocate(len) -> ptr, zeroed like a block of Go's `make`. When the heap
  ;; is full, doubles the memory and takes it all, up to the new size: the
  ;; heap is one range, so whatever lies in it is the heap's.
  (func (export "allocate") (param $len i32) (result i32)
    (local $ptr i32)
    (block $fits
      (loop $grow
        ;; `next <= heap_end` always, so this cannot wrap.
        (br_if $fits (i32.le_u (local.get $len)
                               (i32.sub (global.get $heap_end) (global.get $next))))
        (if (i32.eq (memory.grow (memory.size)) (i32.const -1))
          (then (unreachable)))
        (global.set $heap_end (i32.mul (memory.size) (i32.const 65536)))
        (br $grow)))
    (local.set $ptr (global.get $next))
    (global.set $next (i32.add (local.get $ptr) (local.get $len)))
    (memory.fill (local.get $ptr) (i32.const 0) (local.get $len))
    (local.get $ptr))
  ;; ANCHOR_END: allocate
)
