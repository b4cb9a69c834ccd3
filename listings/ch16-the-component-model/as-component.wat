;; The component around `as-shouter.ts`, written by hand: no generator
;; makes one for AssemblyScript. It imports the compiled AssemblyScript
;; module (the host provides it) and lifts its exports with the canonical
;; ABI's options: its memory, its allocator, and the post-return function.
(component
  ;; ANCHOR: component
  (import "guest" (core module $guest
    (import "env" "abort" (func (param i32 i32 i32 i32)))
    (export "memory" (memory 1))
    (export "cabi_realloc" (func (param i32 i32 i32 i32) (result i32)))
    (export "shout" (func (param i32 i32) (result i32)))
    (export "cabi_post_shout" (func (param i32)))
    (export "pages" (func (result i32)))))

  ;; AssemblyScript's `abort`, which the module imports: here, a trap.
  (core module $env
    (func (export "abort") (param i32 i32 i32 i32) unreachable))
  (core instance $env (instantiate $env))
  (core instance $guest (instantiate $guest (with "env" (instance $env))))

  (func (export "shout") (param "text" string) (result string)
    (canon lift (core func $guest "shout")
      (memory (core memory $guest "memory"))
      (realloc (core func $guest "cabi_realloc"))
      (post-return (core func $guest "cabi_post_shout"))))
  ;; ANCHOR_END: component
  (func (export "pages") (result u32)
    (canon lift (core func $guest "pages"))))
