;; wasmc-run fixture (tests/tools/run.sh): the start function traps.
(module
  (func $start unreachable)
  (start $start)
  (func (export "f") (result i32) (i32.const 0)))
