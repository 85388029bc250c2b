;; wasmc-run fixture (tests/tools/run.sh): an import wasmc-run cannot provide.
(module
  (import "env" "missing" (func))
  (func (export "f") (result i32) (i32.const 0)))
