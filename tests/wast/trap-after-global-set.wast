;; A global.set (and a table.set) that comes before a trap in program order
;; is visible after the trap, also when the trap is a guard-page fault in a
;; loop: the optimized tier kept a loop's global in a register and stored
;; it only at the loop's exits, so a load that faulted inside the loop left
;; the global stale (found by make fuzz-diff: binaryen's hang-limit global,
;; decremented in each iteration, against V8 and wabt).

(module
  (memory 1)
  (global $g (mut i32) (i32.const 100))
  (global $h (mut i64) (i64.const 0))
  (table $t 4 funcref)
  (func $f)
  (elem declare func $f)

  ;; decrement $g each iteration; the load of the 2nd faults (a guard-page
  ;; trap: 0x20000000 is inside the reservation of a 32-bit memory)
  (func (export "loop-global") (param $addr i32) (local $i i32)
    (loop $l
      (global.set $g (i32.sub (global.get $g) (i32.const 1)))
      (drop (i32.load (i32.add (local.get $addr)
                               (i32.mul (local.get $i) (i32.const 0x20000000)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))))
  (func (export "g") (result i32) (global.get $g))

  ;; straight-line: set, then a faulting load
  (func (export "set-then-fault") (param $addr i32)
    (global.set $h (i64.const 42))
    (drop (i64.load offset=0x7fff0000 (local.get $addr))))
  (func (export "h") (result i64) (global.get $h))

  ;; a table.set before a fault inside a loop
  (func (export "loop-table") (param $addr i32) (local $i i32)
    (loop $l
      (table.set $t (i32.and (local.get $i) (i32.const 3)) (ref.func $f))
      (drop (i32.load offset=0x7fff0000 (local.get $addr)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))))
  (func (export "t0-set") (result i32) (i32.eqz (ref.is_null (table.get $t (i32.const 0)))))
)

(assert_trap (invoke "loop-global" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "g") (i32.const 98))
(assert_trap (invoke "set-then-fault" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "h") (i64.const 42))
(assert_trap (invoke "loop-table" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "t0-set") (i32.const 1))
