;; wasmc-run fixture (tests/tools/run.sh): decodes, fails validation.
(module
  (func (export "f") (result i32)
    (i64.const 0)))
