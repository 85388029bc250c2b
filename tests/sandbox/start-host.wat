;; Sandbox test fixture: the start function calls the host.
(module
  (import "env" "hello" (func $h (param i32)))
  (func $s (call $h (i32.const 42)))
  (start $s)
  (func (export "one") (result i32) (i32.const 1)))
