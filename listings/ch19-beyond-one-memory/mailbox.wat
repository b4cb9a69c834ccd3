;; A guest with two memories (multi-memory): a private heap, which it never
;; exports, and a one-page "mailbox", the only memory the host can see.
;; The host writes a request at the start of the mailbox and calls
;; `handle`; the guest copies the request into its heap, works on it
;; there, and copies the reply back. Host and guest never touch each
;; other's heap, and no allocator crosses the boundary.
;; ANCHOR: memories
(module
  (memory $heap 1)
  (memory $mailbox (export "mailbox") 1 1)
  ;; ANCHOR_END: memories
  (data $secret (memory $heap) (i32.const 0) "the guest's own data")

  ;; ANCHOR: handle
  ;; Handles the `len`-byte request at mailbox[0]: returns the length of
  ;; the reply now at mailbox[0], or -1 if the request does not fit in the
  ;; heap, past the guest's own data: at most 65536 - 1024 bytes.
  (func (export "handle") (param $len i32) (result i32)
    (local $i i32) (local $byte i32)
    (if (i32.gt_u (local.get $len) (i32.const 64512))
      (then (return (i32.const -1))))
    ;; mailbox -> heap: the request is the guest's own from here on.
    (memory.copy $heap $mailbox (i32.const 1024) (i32.const 0) (local.get $len))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $byte (i32.load8_u $heap offset=1024 (local.get $i)))
        (if (i32.and (i32.ge_u (local.get $byte) (i32.const 97))
                     (i32.le_u (local.get $byte) (i32.const 122)))
          (then (local.set $byte (i32.sub (local.get $byte) (i32.const 32)))))
        (i32.store8 $heap offset=1024 (local.get $i) (local.get $byte))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; heap -> mailbox: only the reply goes back.
    (memory.copy $mailbox $heap (i32.const 0) (i32.const 1024) (local.get $len))
    (local.get $len))
  ;; ANCHOR_END: handle

  ;; The heap grows as the guest needs; the mailbox cannot (its maximum
  ;; is its one page), so a host's view of it never goes stale.
  (func (export "grow_heap") (param $pages i32) (result i32)
    (memory.grow $heap (local.get $pages)))
  (func (export "heap_pages") (result i32) (memory.size $heap)))
