;; One load from memory at an address the caller chooses: where the engine
;; cannot rule out an address past the end, it checks it, and the check is
;; what a Spectre attack tries to get past.
(module
  (memory (export "memory") 1)
  ;; ANCHOR: load
  (func (export "load") (param $address i32) (result i32)
    (i32.load (local.get $address)))
  ;; ANCHOR_END: load
)
