;; A guest that hands bytes of its memory to the host: `send(len)` calls the
;; import `sink` with the `len` bytes at 1024. They stay where they are, in
;; the guest's memory, for as long as the host's `sink` runs.
(component
  (import "sink" (func $sink (param "bytes" (list u8))))
  (core module $memory
    ;; 17 pages: room for 1 MiB from 1024.
    (memory (export "memory") 17)
    (data (i32.const 1024) "bytes in the guest's memory"))
  (core instance $memory (instantiate $memory))
  ;; The import, lowered: a list<u8> goes out as (ptr, len) in this memory.
  (core func $sink (canon lower (func $sink) (memory (core memory $memory "memory"))))
  (core module $m
    (import "host" "sink" (func $sink (param i32 i32)))
    ;; ANCHOR: send
    (func (export "send") (param $len i32)
      (call $sink (i32.const 1024) (local.get $len)))
    ;; ANCHOR_END: send
    )
  (core instance $i
    (instantiate $m (with "host" (instance (export "sink" (func $sink))))))
  (func (export "send") (param "len" u32)
    (canon lift (core func $i "send"))))
