;; A guest that writes to stdout with WASI preview 1's `fd_write`, which
;; takes its bytes as an array of iovecs: (buf_ptr u32, buf_len u32) pairs.
;; Every buffer is the guest's; the host only reads them, and writes one
;; u32, the number of bytes it took, at `nwritten`.
;; ANCHOR: import
(module
  ;; fd_write(fd, iovs, iovs_len, nwritten) -> errno
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $iovs_len i32)
                    (param $nwritten i32) (result i32)))
  (memory (export "memory") 1)
  ;; ANCHOR_END: import
  (data (i32.const 32) "Hello, iovecs!\n")

  ;; ANCHOR: iovecs
  ;; Two iovecs at 0: "Hello, " (7 bytes at 32) and "iovecs!\n" (8 bytes
  ;; at 39). `nwritten` goes at 16.
  (func $set_up
    (i32.store (i32.const 0) (i32.const 32))
    (i32.store (i32.const 4) (i32.const 7))
    (i32.store (i32.const 8) (i32.const 39))
    (i32.store (i32.const 12) (i32.const 8)))
  ;; ANCHOR_END: iovecs

  ;; ANCHOR: write_once
  ;; One call, and the errno is all it looks at: whatever the host did not
  ;; take is lost.
  (func (export "write_once") (result i32)
    (call $set_up)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16)))
  ;; ANCHOR_END: write_once

  ;; ANCHOR: write_all
  ;; Calls again until the host has taken every byte: skips the iovecs
  ;; written whole, moves the start of the one written in part. (A host that
  ;; took nothing forever would keep it here, as it would musl's loop.)
  (func $write_all (export "write_all") (result i32)
    (local $iov i32) (local $count i32) (local $written i32) (local $errno i32)
    (call $set_up)
    (local.set $count (i32.const 2))
    (loop $again
      (local.set $errno
        (call $fd_write (i32.const 1) (local.get $iov) (local.get $count) (i32.const 16)))
      (if (local.get $errno) (then (return (local.get $errno))))
      (local.set $written (i32.load (i32.const 16)))
      (block $skipped
        (loop $skip
          (br_if $skipped (i32.eqz (local.get $count)))
          (br_if $skipped (i32.lt_u (local.get $written)
                                    (i32.load offset=4 (local.get $iov))))
          (local.set $written (i32.sub (local.get $written)
                                       (i32.load offset=4 (local.get $iov))))
          (local.set $iov (i32.add (local.get $iov) (i32.const 8)))
          (local.set $count (i32.sub (local.get $count) (i32.const 1)))
          (br $skip)))
      (if (local.get $count)
        (then
          (i32.store (local.get $iov)
            (i32.add (i32.load (local.get $iov)) (local.get $written)))
          (i32.store offset=4 (local.get $iov)
            (i32.sub (i32.load offset=4 (local.get $iov)) (local.get $written)))
          (br $again))))
    (i32.const 0))
  ;; ANCHOR_END: write_all

  ;; ANCHOR: run
  ;; A function that returns nothing: what it produces goes to stdout.
  (func (export "run")
    (drop (call $write_all)))
  ;; ANCHOR_END: run

  ;; Forwards any arguments to `fd_write` on stdout, so that a test can
  ;; lie as a buggy or hostile guest would.
  (func (export "write_raw") (param $iovs i32) (param $iovs_len i32)
                             (param $nwritten i32) (result i32)
    (call $fd_write (i32.const 1) (local.get $iovs) (local.get $iovs_len)
                    (local.get $nwritten))))
