;; A guest that declares the most memory it may ever have: 80 pages, 5 MiB.
(module
  ;; ANCHOR: memory
  (memory (export "memory") 1 80)
  ;; ANCHOR_END: memory
  ;; memory.grow: the old size in pages, or -1 when growth is refused.
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
)
