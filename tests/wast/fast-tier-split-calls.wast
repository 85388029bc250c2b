;; The fast tier splits a function without return_call into a C-convention
;; body and a tailcc entry (jit/jit.h, "Fast tier calls"). Calls between
;; split and unsplit functions, through the table, with many parameters
;; (on the stack), with multi-value and wide results, and tail calls that
;; must not grow the stack through either kind.

(module
  (type $ii (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $split $tail_even $wide)

  ;; split: plain calls only
  (func $split (export "split") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))

  ;; unsplit (has return_call): even/odd by mutual tail recursion; the
  ;; million-deep recursion traps with "call stack exhausted" if a tail
  ;; call grows the stack
  (func $tail_even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $tail_odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $tail_odd (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $tail_even (i32.sub (local.get 0) (i32.const 1))))))

  ;; a split function calling an unsplit one directly, and a tail call
  ;; from an unsplit function into a split one
  (func (export "split_calls_tail") (param i32) (result i32)
    (call $tail_even (local.get 0)))
  (func (export "tail_calls_split") (param i32) (result i32)
    (return_call $split (local.get 0)))
  ;; tail calls into split functions, a million deep
  (func $count (export "count") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $split (local.get 1)))
      (else (return_call $count_split (i32.sub (local.get 0) (i32.const 1))
                                      (local.get 1)))))
  (func $count_split (param i32 i32) (result i32)
    (call $count_tail (local.get 0) (i32.add (local.get 1) (i32.const 1))))
  (func $count_tail (param i32 i32) (result i32)
    (if (result i32) (i32.ge_u (local.get 0) (i32.const 10))
      (then (local.get 1))
      (else (return_call $count (local.get 0) (local.get 1)))))

  ;; through the table: a split entry, an unsplit entry
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "indirect_tail") (param i32 i32) (result i32)
    (return_call_indirect (type $ii) (local.get 1) (local.get 0)))

  ;; ten parameters (the last ones on the stack), mixed types
  (func $many (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64) (result i64)
    (i64.add
      (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1))
      (i64.add
        (i64.add (i64.trunc_f32_s (local.get 2)) (i64.trunc_f64_s (local.get 3)))
        (i64.add
          (i64.add (i64.extend_i32_u (local.get 4)) (local.get 5))
          (i64.add
            (i64.add (i64.trunc_f32_s (local.get 6)) (i64.trunc_f64_s (local.get 7)))
            (i64.add (i64.extend_i32_u (local.get 8)) (local.get 9)))))))
  (func (export "many") (result i64)
    (call $many (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4)
                (i32.const 5) (i64.const 6) (f32.const 7) (f64.const 8)
                (i32.const 9) (i64.const 10)))

  ;; multi-value and wide (returned through memory) results
  (func $pair (param i32) (result i64 i32)
    (i64.extend_i32_u (i32.mul (local.get 0) (i32.const 3))) (local.get 0))
  (func (export "pair") (param i32) (result i64)
    (call $pair (local.get 0))
    (i64.add (i64.extend_i32_u)))
  (func $wide (param i32) (result i32)
    (call $six (local.get 0))
    (i32.add) (i32.add) (i32.add) (i32.add) (i32.add))
  (func $six (param i32) (result i32 i32 i32 i32 i32 i32)
    (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5))
  (func (export "wide") (param i32) (result i32)
    (call_indirect (type $ii) (local.get 0) (i32.const 2)))
  (func (export "six") (param i32) (result i32 i32 i32 i32 i32 i32)
    (call $six (local.get 0)))
)

(assert_return (invoke "split" (i32.const 41)) (i32.const 42))
(assert_return (invoke "even" (i32.const 1000000)) (i32.const 1))
(assert_return (invoke "even" (i32.const 999999)) (i32.const 0))
(assert_return (invoke "split_calls_tail" (i32.const 7)) (i32.const 0))
(assert_return (invoke "tail_calls_split" (i32.const 7)) (i32.const 8))
(assert_return (invoke "count" (i32.const 5) (i32.const 0)) (i32.const 6))
(assert_return (invoke "indirect" (i32.const 0) (i32.const 1)) (i32.const 2))
(assert_return (invoke "indirect" (i32.const 1) (i32.const 10)) (i32.const 1))
(assert_return (invoke "indirect_tail" (i32.const 0) (i32.const 1)) (i32.const 2))
(assert_return (invoke "indirect_tail" (i32.const 1) (i32.const 1000001)) (i32.const 0))
(assert_trap (invoke "indirect" (i32.const 3) (i32.const 0)) "uninitialized element")
(assert_return (invoke "many") (i64.const 55))
(assert_return (invoke "pair" (i32.const 5)) (i64.const 20))
(assert_return (invoke "wide" (i32.const 10)) (i32.const 25))
(assert_return (invoke "six" (i32.const 9))
  (i32.const 9) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5))

;; a deep recursion of split functions still ends in "call stack exhausted"
(module
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))
(assert_return (invoke "down" (i32.const 1000)) (i32.const 1000))
(assert_exhaustion (invoke "down" (i32.const 100000000)) "call stack exhausted")
