;; A C "hello, wasm!" linked with `-Wl,--import-memory`, as in wasmer#3246,
;; reduced to what wasi-libc's `printf` does in the end: one `fd_write` of
;; the guest's bytes to stdout, then `proc_exit`. The memory is imported
;; (a minimum of 2 pages, as in the reader's error) and not exported.
;; Every buffer is the guest's; the host only reads them.
;; ANCHOR: module
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "memory" (memory 2))
  ;; ANCHOR_END: module
  (data (i32.const 1024) "hello, wasm!\n")

  ;; One iovec at 0: 13 bytes at 1024. `nwritten` goes at 8.
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 42))
    (unreachable)))
