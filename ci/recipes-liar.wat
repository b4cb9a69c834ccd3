;; Test support for ci/recipes, not a recipe: a guest with the recipes'
;; exports whose greet lies. It returns ptr=0xFFFFFFF0 (4294967280) len=16,
;; far past its one page of memory, so every host must refuse it with
;;   error: greet returned ptr=4294967280 len=16, outside the guest's memory of 65536 bytes
;; rather than read it. 0xFFFFFFF0 + 16 is exactly 2^32: a host that adds the
;; two in 32 bits gets 0, which fits, so only a check without overflow catches it.
(module
  (memory (export "memory") 1)

  ;; Every name goes at address 16; names up to 65520 bytes fit.
  (func (export "allocate") (param $len i32) (result i32)
    (i32.const 16))

  (func (export "deallocate") (param $ptr i32) (param $len i32))

  ;; (16 << 32) | 0xFFFFFFF0
  (func (export "greet") (param $ptr i32) (param $len i32) (result i64)
    (i64.const 0x10_FFFF_FFF0))
)
