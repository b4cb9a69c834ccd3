;; The guest of `imports-memory.wat`, linked with `-Wl,--import-memory
;; -Wl,--export-memory`: it still imports its memory, and exports it too,
;; under the name WASI looks for. Only the memory's lines differ.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  ;; ANCHOR: memory
  (import "env" "memory" (memory 2))
  (export "memory" (memory 0))
  ;; ANCHOR_END: memory
  (data (i32.const 1024) "hello, wasm!\n")

  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 42))
    (unreachable)))
