;; A guest that imports a shared memory (threads): every instance that
;; imports the same memory, in any thread, sees the same bytes. Chapter
;; 19's tests run one instance per thread, in wasmtime and in Node's
;; worker threads.
;; ANCHOR: import
(module
  (import "env" "memory" (memory 1 16 shared))
  ;; ANCHOR_END: import
  (data $greeting "hello from another thread")

  ;; Fills `len` bytes at `ptr` with `byte`, as another thread of a
  ;; program would write over a buffer the host is reading.
  (func (export "fill") (param $ptr i32) (param $len i32) (param $byte i32)
    (memory.fill (local.get $ptr) (local.get $byte) (local.get $len)))

  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))

  ;; ANCHOR: publish
  ;; Writes the greeting at `ptr`, then stores its length at `flag` with
  ;; an atomic store and wakes one thread waiting on `flag`.
  (func (export "publish") (param $flag i32) (param $ptr i32) (result i32)
    (memory.init $greeting (local.get $ptr) (i32.const 0) (i32.const 25))
    (i32.atomic.store (local.get $flag) (i32.const 25))
    (memory.atomic.notify (local.get $flag) (i32.const 1)))
  ;; ANCHOR_END: publish
)
