;; memory.atomic.wait32/64 and memory.atomic.notify across real threads:
;; a waiter woken by another thread's notify (wait returns 0, "ok"), for
;; both widths; three waiters woken two at a time (notify returns how many
;; it woke, never more than were waiting); a timeout (2, "timed-out") and
;; a value that differs (1, "not-equal") on a thread of their own. Each
;; tier runs in its own memory.

(module $Mem (memory (export "shared") 1 1 shared))

;; one waiter per width, each woken by the notifier below
(thread $W32 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))))
  (assert_return (invoke "run") (i32.const 0)))

(thread $W64 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (memory.atomic.wait64 (i32.const 8) (i64.const 0) (i64.const -1))))
  (assert_return (invoke "run") (i32.const 0)))

(thread $N (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    ;; notify until one waiter was woken (it may not be waiting yet)
    (func (export "wake") (param $addr i32) (result i32)
      (loop $again
        (br_if $again (i32.eqz (memory.atomic.notify (local.get $addr) (i32.const 1)))))
      (i32.const 1)))
  (assert_return (invoke "wake" (i32.const 0)) (i32.const 1))
  (assert_return (invoke "wake" (i32.const 8)) (i32.const 1)))

(wait $W32)
(wait $W64)
(wait $N)

;; three waiters on one address, woken two at a time
(thread $A (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (memory.atomic.wait32 (i32.const 16) (i32.const 0) (i64.const -1))))
  (assert_return (invoke "run") (i32.const 0)))
(thread $B (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (memory.atomic.wait32 (i32.const 16) (i32.const 0) (i64.const -1))))
  (assert_return (invoke "run") (i32.const 0)))
(thread $C (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (memory.atomic.wait32 (i32.const 16) (i32.const 0) (i64.const -1))))
  (assert_return (invoke "run") (i32.const 0)))
(thread $N3 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    ;; notify(2) until three were woken; returns the largest single count
    (func (export "run") (result i32) (local $sum i32) (local $n i32) (local $max i32)
      (loop $again
        (local.set $n (memory.atomic.notify (i32.const 16) (i32.const 2)))
        (if (i32.gt_u (local.get $n) (local.get $max)) (then (local.set $max (local.get $n))))
        (local.set $sum (i32.add (local.get $sum) (local.get $n)))
        (br_if $again (i32.lt_u (local.get $sum) (i32.const 3))))
      (i32.add (i32.mul (local.get $sum) (i32.const 10)) (local.get $max))))
  ;; 3 woken in all, at most 2 at once
  (assert_return (invoke "run") (either (i32.const 31) (i32.const 32))))
(wait $A)
(wait $B)
(wait $C)
(wait $N3)

;; nobody notifies: a timeout of 20 ms, and values that differ
(thread $T (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "timeout32") (result i32)
      (memory.atomic.wait32 (i32.const 24) (i32.const 0) (i64.const 20000000)))
    (func (export "timeout64") (result i32)
      (memory.atomic.wait64 (i32.const 32) (i64.const 0) (i64.const 20000000)))
    (func (export "not-equal32") (result i32)
      (i32.atomic.store (i32.const 40) (i32.const 5))
      (memory.atomic.wait32 (i32.const 40) (i32.const 0) (i64.const -1)))
    (func (export "not-equal64") (result i32)
      (i64.atomic.store (i32.const 48) (i64.const 5))
      (memory.atomic.wait64 (i32.const 48) (i64.const 0) (i64.const -1))))
  (assert_return (invoke "timeout32") (i32.const 2))
  (assert_return (invoke "timeout64") (i32.const 2))
  (assert_return (invoke "not-equal32") (i32.const 1))
  (assert_return (invoke "not-equal64") (i32.const 1)))
(wait $T)
