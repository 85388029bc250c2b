;; tests/daemon/plain.wat - a module without imports (quotas, uploads by
;; several clients at once, another uid).
(module
  (func (export "seven") (result i32)
    i32.const 7)
  (func (export "spin")
    (loop $l
      br $l)))
