;; The busy counter as a component: it imports the core module (the host
;; provides `busy-counter.wat`, compiled) and lifts `add` as a
;; `func(n: u32) -> u32`.
(component
  ;; ANCHOR: component
  (import "counter" (core module $counter
    (export "add" (func (param i32) (result i32)))))
  (core instance $counter (instantiate $counter))
  (func (export "add") (param "n" u32) (result u32)
    (canon lift (core func $counter "add")))
  ;; ANCHOR_END: component
)
