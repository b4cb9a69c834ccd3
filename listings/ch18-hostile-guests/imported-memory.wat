;; A guest that imports its memory: the host creates it, with the limits it
;; chooses.
(module
  ;; ANCHOR: import
  (import "env" "memory" (memory 1))
  ;; ANCHOR_END: import
  ;; memory.grow: the old size in pages, or -1 when growth is refused.
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
)
