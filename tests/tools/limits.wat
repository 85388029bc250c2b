;; limits.wat - wasmc-run's --max-memory (memories and tables of the store
;; together) and --deadline: a memory of 2 pages and a table of 10
;; elements (131,152 bytes as counted), growable; an endless loop.
(module
  (memory (export "m") 2)
  (table 10 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "tgrow") (param i32) (result i32)
    (table.grow 0 (ref.null func) (local.get 0)))
  (func (export "spin") (loop $l (br $l))))
