;; The guest of `imports-memory.wat`, linked without `--import-memory`:
;; it defines its memory and exports it, as a WASI module does by default
;; (the fix of wasmer#3246). Only the memory's line differs.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  ;; ANCHOR: memory
  (memory (export "memory") 2)
  ;; ANCHOR_END: memory
  (data (i32.const 1024) "hello, wasm!\n")

  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 42))
    (unreachable)))
