;; tests/daemon/basic.wat - the daemon tests' module: plain exports, a
;; trap, an endless loop (deadlines, killed workers) and a client-provided
;; import (host calls, nested calls).
(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (memory (export "mem") 1)
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "answer") (result i32)
    i32.const 42)
  (func (export "boom")
    unreachable)
  (func (export "spin")
    (loop $l
      br $l))
  ;; cb(x) + 1
  (func (export "callcb") (param i32) (result i32)
    local.get 0
    call $cb
    i32.const 1
    i32.add))
