;; A guest that reads its environment and its arguments through WASI
;; preview 1, in two steps each: the sizes, then the data, into buffers the
;; guest provides. The exports forward whatever addresses they are given,
;; so that a test can play the guest's libc and look at every byte.
;; Every buffer is the guest's: the host writes into it and keeps nothing.
;; ANCHOR: imports
(module
  ;; environ_sizes_get(count_out, size_out) -> errno
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param $count_out i32) (param $size_out i32) (result i32)))
  ;; environ_get(environ, environ_buf) -> errno: `count` pointers into the
  ;; buffer at `environ`, the "key=value\0" strings at `environ_buf`.
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param $environ i32) (param $environ_buf i32) (result i32)))
  ;; The same two calls for the arguments.
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param $count_out i32) (param $size_out i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get"
    (func $args_get (param $argv i32) (param $argv_buf i32) (result i32)))
  ;; ANCHOR_END: imports
  (memory (export "memory") 1)

  (func (export "environ_sizes") (param i32 i32) (result i32)
    (call $environ_sizes_get (local.get 0) (local.get 1)))
  (func (export "environ") (param i32 i32) (result i32)
    (call $environ_get (local.get 0) (local.get 1)))
  (func (export "args_sizes") (param i32 i32) (result i32)
    (call $args_sizes_get (local.get 0) (local.get 1)))
  (func (export "args") (param i32 i32) (result i32)
    (call $args_get (local.get 0) (local.get 1))))
