;; wasmc-run fixture (tests/tools/run.sh): exports that trap.
(module
  (memory 1)
  (func (export "div0") (result i32)
    i32.const 1
    i32.const 0
    i32.div_s)
  (func (export "unreachable")
    unreachable)
  (func (export "oob") (result i32)
    i32.const 65536
    i32.load)
  ;; Never returns: only called with --fuel.
  (func (export "spin")
    (loop $l (br $l)))
  ;; Returns after n iterations (with --fuel: enough fuel finishes).
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  ;; A trap two direct calls deep: reported in $inner (function 5), in
  ;; both tiers (the fast tier's split bodies included).
  (func $inner (param i32) (result i32)
    (i32.div_u (i32.const 7) (local.get 0)))
  (func $middle (param i32) (result i32)
    (i32.add (call $inner (local.get 0)) (i32.const 1)))
  (func (export "nested") (result i32)
    (call $middle (i32.const 0))))
