;; A guest whose host function awaits in a JavaScript host (JSPI, chapter
;; 12's "An import that awaits"). The guest is ordinary synchronous code:
;; `fill_after_fetch` calls `env.fetch_bytes` and returns what it returns;
;; only the host knows that the call may suspend. `grow` grows the memory
;; from inside the guest, as an allocator does when it runs out.
;; Buffers: the caller lends `len` bytes at `ptr`; `fetch_bytes` writes
;; into them and returns how many it wrote. Nothing is allocated or freed.
;; ANCHOR: module
(module
  (import "env" "fetch_bytes" (func $fetch_bytes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "fill_after_fetch") (param $ptr i32) (param $len i32) (result i32)
    (call $fetch_bytes (local.get $ptr) (local.get $len)))
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages))))
;; ANCHOR_END: module
