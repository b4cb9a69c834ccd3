;; `memory.discard`, from the memory-control proposal (phase 1): zero a
;; range of whole pages and let the host give their physical memory back.
;; The memory keeps its size. No engine pinned by this book runs it: the
;; tests assert each refusal.
;; ANCHOR: discard
(module
  (memory (export "memory") 2)
  ;; discard(addr, len): the pages in [addr, addr + len) read as zeros
  ;; afterwards, and the host may release what backed them.
  (func (export "discard") (param $addr i32) (param $len i32)
    (memory.discard (local.get $addr) (local.get $len))))
;; ANCHOR_END: discard
