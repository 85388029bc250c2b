;; sb-plain: SB with plain loads and stores: every combination of 0 and 1 is allowed (x86 shows 0/0), nothing else
;; 20000 rounds; round i uses x = 16 + 8i and y = 20 + 8i, and the two
;; threads record what they read at 0x40000 + 8i and 0x40004 + 8i. Both
;; threads meet at a start line (an atomic counter at 0), then before
;; every round (a counter per round at 0x60000 + 4i), so that their rounds
;; overlap. Each tier runs in its own memory.

(module $Mem (memory (export "shared") 8 8 shared))

(thread $T1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 8 8 shared)
    (func (export "run") (local $i i32) (local $x i32) (local $y i32)
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (loop $start (br_if $start (i32.lt_u (i32.atomic.load (i32.const 0)) (i32.const 2))))
      (loop $round
        (local.set $x (i32.add (i32.const 16) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $y (i32.add (local.get $x) (i32.const 4)))
        ;; both threads at round i before either goes on
        (drop (i32.atomic.rmw.add (i32.add (i32.const 0x60000) (i32.shl (local.get $i) (i32.const 2))) (i32.const 1)))
        (loop $meet
          (br_if $meet (i32.lt_u (i32.atomic.load (i32.add (i32.const 0x60000) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
        (i32.store (local.get $x) (i32.const 1))
        (i32.store (i32.add (i32.const 0x40000) (i32.shl (local.get $i) (i32.const 3))) (i32.load (local.get $y)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $round (i32.lt_u (local.get $i) (i32.const 20000))))))
  (invoke "run"))

(thread $T2 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 8 8 shared)
    (func (export "run") (local $i i32) (local $x i32) (local $y i32)
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (loop $start (br_if $start (i32.lt_u (i32.atomic.load (i32.const 0)) (i32.const 2))))
      (loop $round
        (local.set $x (i32.add (i32.const 16) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $y (i32.add (local.get $x) (i32.const 4)))
        ;; both threads at round i before either goes on
        (drop (i32.atomic.rmw.add (i32.add (i32.const 0x60000) (i32.shl (local.get $i) (i32.const 2))) (i32.const 1)))
        (loop $meet
          (br_if $meet (i32.lt_u (i32.atomic.load (i32.add (i32.const 0x60000) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
        (i32.store (local.get $y) (i32.const 1))
        (i32.store (i32.add (i32.const 0x40004) (i32.shl (local.get $i) (i32.const 3))) (i32.load (local.get $x)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $round (i32.lt_u (local.get $i) (i32.const 20000))))))
  (invoke "run"))

(wait $T1)
(wait $T2)

(register "mem" $Mem)
(module $Check
  (memory (import "mem" "shared") 8 8 shared)
  ;; the rounds whose outcome the model forbids
  (func (export "forbidden") (result i32) (local $i i32) (local $r1 i32) (local $r2 i32) (local $bad i32)
    (loop $round
      (local.set $r1 (i32.load (i32.add (i32.const 0x40000) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $r2 (i32.load (i32.add (i32.const 0x40004) (i32.shl (local.get $i) (i32.const 3)))))
      (if (i32.or (i32.gt_u (local.get $r1) (i32.const 1)) (i32.gt_u (local.get $r2) (i32.const 1))) (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $i) (i32.const 20000))))
    (local.get $bad)))
(assert_return (invoke $Check "forbidden") (i32.const 0))
