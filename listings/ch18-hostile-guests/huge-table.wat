;; ANCHOR: huge_table
;; A module that asks for a table of a million functions before any code
;; runs: instantiating it is what allocates the table.
(module
  (table (export "table") 1000000 funcref))
;; ANCHOR_END: huge_table
