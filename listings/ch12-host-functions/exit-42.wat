;; The module of wasmtime#4985: a C `main` that returns 42, built with
;; `clang -pthread -Wl,--import-memory` (the reader's `wasm-dis` output, in
;; the text format). Nothing in it touches memory, so the linker kept no
;; memory at all: no import, no export. Its one WASI call takes no pointer.
;; ANCHOR: module
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func (export "_start")
    (call $proc_exit (i32.const 42))
    (unreachable)))
;; ANCHOR_END: module
