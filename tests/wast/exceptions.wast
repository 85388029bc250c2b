;; Exception handling in both tiers: what the shared suite leaves out.
;; The catch handler sees locals as the throw left them, every edge out of a
;; try_table unlinks its handler (a later throw never lands in a try_table
;; that was left), exnrefs outlive the next throw, a trap inside a
;; try_table leaves no handler behind.

(module
  (tag $e)
  (tag $ei (param i32))
  (tag $big (param i64 v128 f64))
  (global $g (mut exnref) (ref.null exn))

  (func $thrower (throw $e))
  (func $throws-i32 (result i32) (throw $e))

  ;; locals: the handler sees the value stored before the throw
  (func (export "local-after-throw") (result i32) (local i32)
    (block $h
      (try_table (catch $e $h)
        (local.set 0 (i32.const 42))
        (call $thrower)
        (local.set 0 (i32.const 7))))
    (local.get 0))

  ;; a try_table entered on every iteration of a loop
  (func (export "loop-try") (param i32) (result i32) (local $i i32) (local $sum i32)
    (loop $l
      (block $h
        (try_table (catch $e $h)
          (local.set $sum (i32.add (local.get $sum) (local.get $i)))
          (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 3)))
            (then (call $thrower)))
          (local.set $sum (i32.add (local.get $sum) (i32.const 100)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $sum))

  ;; leaving a try_table by br_if, br, br_table: a later throw in the same
  ;; function goes to the caller (1 means it landed in the stale handler)
  (func $left-by-br-if (result i32)
    (block $done
      (block $caught
        (try_table (catch_all $caught)
          (br_if $done (i32.const 1))))
      (return (i32.const 1)))
    (call $thrower)
    (i32.const 2))
  (func $left-by-br (result i32)
    (block $done
      (block $caught
        (try_table (catch_all $caught)
          (br $done)))
      (return (i32.const 1)))
    (call $thrower)
    (i32.const 2))
  (func $left-by-br-table (param i32) (result i32)
    (block $done
      (block $other
        (block $caught
          (try_table (catch_all $caught)
            (br_table $other $done (local.get 0))))
        (return (i32.const 1)))
      (nop))
    (call $thrower)
    (i32.const 2))
  ;; the catch of an inner try_table branches out of an outer one too
  (func $left-by-catch (result i32)
    (block $x
      (block $out (result i32)
        (try_table (catch $e $x)
          (try_table (catch $ei $out)
            (throw $ei (i32.const 5))))
        (unreachable))
      (drop)
      (call $thrower)
      (return (i32.const 2)))
    (i32.const 1))
  ;; a tail call out of a try_table: the callee's throw reaches our caller
  (func $left-by-return-call (result i32)
    (block $h
      (try_table (catch_all $h)
        (return_call $throws-i32)))
    (i32.const 1))

  (func (export "left-by-br-if") (result i32)
    (block $h (try_table (catch $e $h) (return (call $left-by-br-if))))
    (i32.const 3))
  (func (export "left-by-br") (result i32)
    (block $h (try_table (catch $e $h) (return (call $left-by-br))))
    (i32.const 3))
  (func (export "left-by-br-table") (param i32) (result i32)
    (block $h (try_table (catch $e $h) (return (call $left-by-br-table (local.get 0)))))
    (i32.const 3))
  (func (export "left-by-catch") (result i32)
    (block $h (try_table (catch $e $h) (return (call $left-by-catch))))
    (i32.const 3))
  (func (export "left-by-return-call") (result i32)
    (block $h (try_table (catch $e $h) (return (call $left-by-return-call))))
    (i32.const 3))

  ;; an exnref outlives the next throw (the caught values are copied)
  (func (export "capture-later") (result i32)
    (block $h (result i32 exnref)
      (try_table (catch_ref $ei $h) (throw $ei (i32.const 11)))
      (unreachable))
    (global.set $g)
    (drop)
    (block $h2 (result i32)
      (try_table (catch $ei $h2) (throw $ei (i32.const 22)))
      (unreachable))
    (drop)
    (block $h3 (result i32)
      (try_table (catch $ei $h3) (throw_ref (global.get $g)))
      (unreachable)))

  ;; every value kind through a captured exception
  (func (export "big") (result i64 i32 f64) (local $x exnref) (local $v v128) (local $d f64)
    (block $h (result i64 v128 f64 exnref)
      (try_table (catch_ref $big $h)
        (throw $big (i64.const -3) (v128.const i32x4 1 2 3 4) (f64.const 2.5)))
      (unreachable))
    (local.set $x)
    (drop) (drop) (drop)
    (block $h2 (result i64 v128 f64)
      (try_table (catch $big $h2) (throw_ref (local.get $x)))
      (unreachable))
    (local.set $d)
    (local.set $v)
    (i32x4.extract_lane 2 (local.get $v))
    (local.get $d))

  ;; a trap inside a try_table is not caught and leaves no handler behind
  (func (export "trap-in-try")
    (block $h (try_table (catch_all $h) (unreachable))))
  (func (export "throw") (throw $e))
  (func (export "throw-null") (throw_ref (ref.null exn)))
)

(assert_return (invoke "local-after-throw") (i32.const 42))
(assert_return (invoke "loop-try" (i32.const 10)) (i32.const 645))
(assert_return (invoke "left-by-br-if") (i32.const 3))
(assert_return (invoke "left-by-br") (i32.const 3))
(assert_return (invoke "left-by-br-table" (i32.const 1)) (i32.const 3))
(assert_return (invoke "left-by-br-table" (i32.const 7)) (i32.const 3))
(assert_return (invoke "left-by-catch") (i32.const 3))
(assert_return (invoke "left-by-return-call") (i32.const 3))
(assert_return (invoke "capture-later") (i32.const 11))
(assert_return (invoke "big") (i64.const -3) (i32.const 3) (f64.const 2.5))
(assert_trap (invoke "trap-in-try") "unreachable")
(assert_exception (invoke "throw"))
(assert_trap (invoke "throw-null") "null exception reference")
(assert_return (invoke "local-after-throw") (i32.const 42))
