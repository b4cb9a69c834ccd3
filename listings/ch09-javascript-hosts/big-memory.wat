;; A memory of 1 GiB up front, which may grow to 4 GiB, and an export that
;; grows it from inside the guest: what happens when the engine cannot get
;; the memory, at instantiation and at `memory.grow`.
(module
  ;; ANCHOR: big_memory
  ;; 16384 pages of 64 KiB, up to 65536: all a 32-bit memory may have.
  (memory (export "memory") 16384 65536)

  ;; `memory.grow` by `delta` pages: the old size in pages, or -1 if the
  ;; memory could not grow. It never traps.
  (func (export "grow") (param $delta i32) (result i32)
    (memory.grow (local.get $delta)))
  ;; ANCHOR_END: big_memory
)
