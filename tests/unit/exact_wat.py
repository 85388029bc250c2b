#!/usr/bin/env python3
"""
tests/unit/exact_wat.py - the modules of test_exact.c (exact traps).

Writes the WebAssembly text of the module for a 32-bit memory and for a
64-bit one (the same functions, addresses of that type), encodes both with
tests/tools/wat2wasm.mjs and writes tests/unit/exact_wasm.h (their bytes).
Run from the repository root after changing a function here:

    python3 tests/unit/exact_wat.py
"""
import os
import subprocess
import sys
import tempfile

def wat(A):
    ext = (lambda e: e) if A == 'i32' else (lambda e: f"(i64.extend_i32_u {e})")
    ops = {
     'div':   '(i32.div_s (local.get $p) (local.get $q))',
     'rem':   '(i32.rem_u (local.get $p) (local.get $q))',
     'trunc': '(i32.trunc_f32_s (local.get $f))',
     'unreach': '(if (result i32) (local.get $p) (then unreachable) (else (i32.const 0)))',
     'callind': '(call_indirect $t (type $v_i) (local.get $p))',
     'tableget': '(ref.is_null (table.get $t (local.get $p)))',
     'nonnull': '(ref.is_null (ref.as_non_null (table.get $t (local.get $p))))',
     'atomic': '(i32.atomic.load ' + ext('(local.get $p)') + ')',
     'calltrap': '(call $boom (local.get $p))',
     'stack': '(call $rec (local.get $p))',
    }
    out = []
    w = out.append
    w(f"(module")
    w(f"  (type $v_i (func (result i32)))")
    w(f"  (type $i_i (func (param i32) (result i32)))")
    w(f"  (memory (export \"mem\") {A} 1)")
    w(f"  (table $t 3 funcref)")
    w(f"  (elem (table $t) (i32.const 0) func $ok $ok_ii)")
    w(f"  (func $ok (type $v_i) (i32.const 1))")
    w(f"  (func $ok_ii (type $i_i) (local.get 0))")
    w(f"  (func $boom (param i32) (result i32) (if (local.get 0) (then unreachable)) (i32.const 2))")
    w(f"  (func $rec (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.add (i32.const 1) (call $rec (local.get 0)))) (else (i32.const 3))))")
    # dead loads: value never used
    dead = [('i32', '(i32.load (local.get $a))', 'i32'), ('i64', '(i64.load (local.get $a))', 'i64'),
            ('f32', '(f32.load (local.get $a))', 'f32'), ('f64', '(f64.load (local.get $a))', 'f64'),
            ('u8', '(i32.load8_u (local.get $a))', 'i32'), ('s16', '(i64.load16_s (local.get $a))', 'i64'),
            ('u32', '(i64.load32_u (local.get $a))', 'i64'),
            ('v128', '(v128.load (local.get $a))', 'v128'), ('splat', '(v128.load32_splat (local.get $a))', 'v128'),
            ('zero', '(v128.load64_zero (local.get $a))', 'v128'),
            ('lane', '(v128.load16_lane 3 (local.get $a) (v128.const i64x2 0 0))', 'v128'),
            ('ext', '(v128.load8x8_s (local.get $a))', 'v128')]
    for n, e, t in dead:
        w(f'  (func (export "dead_{n}") (param $a {A}) (result i32) (local $x {t}) (local.set $x {e}) (i32.const 0))')
        w(f'  (func (export "drop_{n}") (param $a {A}) (drop {e}))')
    # one side of an if / select
    w(f'  (func (export "if_then") (param $a {A}) (param $c i32) (result i32) (local $x i32)')
    w(f'    (local.set $x (i32.load (local.get $a)))')
    w(f'    (if (result i32) (local.get $c) (then (local.get $x)) (else (i32.const 7))))')
    w(f'  (func (export "select") (param $a {A}) (param $c i32) (result i32)')
    w(f'    (select (i32.load (local.get $a)) (i32.const 7) (local.get $c)))')
    w(f'  (func (export "select_f64") (param $a {A}) (param $c i32) (result f64)')
    w(f'    (select (f64.const 7) (f64.load offset=8 (local.get $a)) (local.get $c)))')
    w(f'  (func (export "splat_if") (param $a {A})')
    w(f'    (if (v128.any_true (v128.load32_splat (local.get $a))) (then)))')
    w(f'  (func (export "v128_if") (param $a {A}) (param $c i32) (result i32) (local $x v128)')
    w(f'    (local.set $x (v128.load (local.get $a)))')
    w(f'    (if (result i32) (local.get $c) (then (i32x4.extract_lane 1 (local.get $x))) (else (i32.const 7))))')
    # the three
    w(f'  (func (export "issue_dead") (result i32) (local i32)')
    w(f'    (local.set 0 (i32.load ({A}.const 0x10000))) (i32.const 0))')
    w(f'  (func (export "issue_order") (param {A} f32) (result i32) (local i32)')
    w(f'    (local.set 2 (i32.load (local.get 0)))')
    w(f'    (i32.add (local.get 2) (i32.trunc_f32_s (local.get 1))))')
    # order against every other trapping instruction, both ways
    for n, e in ops.items():
        P = f'(param $a {A}) (param $p i32) (param $q i32) (param $f f32) (result i32) (local $x i32) (local $y i32)'
        w(f'  (func (export "load_{n}") {P}')
        w(f'    (local.set $x (i32.load (local.get $a))) (local.set $y {e}) (i32.add (local.get $x) (local.get $y)))')
        w(f'  (func (export "{n}_load") {P}')
        w(f'    (local.set $y {e}) (local.set $x (i32.load (local.get $a))) (i32.add (local.get $x) (local.get $y)))')
    # stores and loads in program order (memory after the trap)
    w(f'  (func (export "store_load") (param $s {A}) (param $a {A}) (result i32)')
    w(f'    (i32.store (local.get $s) (i32.const 0x11223344)) (drop (i32.load (local.get $a))) (i32.const 0))')
    w(f'  (func (export "load_store") (param $s {A}) (param $a {A}) (result i32) (local $x i32)')
    w(f'    (local.set $x (i32.load (local.get $a))) (i32.store (local.get $s) (i32.const 0x11223344)) (local.get $x))')
    w(f'  (func (export "store_store") (param $s {A}) (param $a {A})')
    w(f'    (i32.store8 (local.get $s) (i32.const 0x77)) (i32.store (local.get $a) (i32.const 0x11223344)))')
    w(f'  (func (export "v128_store_load") (param $s {A}) (param $a {A})')
    w(f'    (v128.store (local.get $s) (v128.const i32x4 1 2 3 4)) (drop (v128.load32_zero (local.get $a))))')
    # bulk memory between stores: an out-of-bounds fill writes nothing
    w(f'  (func (export "store_fill") (param $s {A}) (param $a {A})')
    w(f'    (i32.store (local.get $s) (i32.const 0x11223344)) (memory.fill (local.get $a) (i32.const 0) ({A}.const 8)))')
    w(f'  (func (export "fill_store") (param $s {A}) (param $a {A})')
    w(f'    (memory.fill (local.get $a) (i32.const 0) ({A}.const 8)) (i32.store (local.get $s) (i32.const 0x11223344)))')
    w(f'  (func (export "copy_load") (param $s {A}) (param $a {A})')
    w(f'    (memory.copy (local.get $s) ({A}.const 0) ({A}.const 4)) (drop (i32.load (local.get $a))))')
    # a copy loop that runs off the end: every element before the fault is written
    one = '(i32.const 1)' if A == 'i32' else '(i64.const 1)'
    w(f'  (func (export "copy") (param $dst {A}) (param $src {A}) (param $n i32) (local $i i32)')
    w(f'    (block $done (loop $l')
    w(f'      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))')
    w(f'      (i32.store (local.get $dst) (i32.add (i32.load (local.get $src)) (i32.const 1)))')
    w(f'      (local.set $dst ({A}.add (local.get $dst) ({A}.const 4)))')
    w(f'      (local.set $src ({A}.add (local.get $src) ({A}.const 4)))')
    w(f'      (local.set $i (i32.add (local.get $i) (i32.const 1)))')
    w(f'      (br $l))))')
    w(f'  (func (export "sum") (param $src {A}) (param $n i32) (result i32) (local $i i32) (local $s i32)')
    w(f'    (block $done (loop $l')
    w(f'      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))')
    w(f'      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $src))))')
    w(f'      (local.set $src ({A}.add (local.get $src) {one}))')
    w(f'      (local.set $i (i32.add (local.get $i) (i32.const 1)))')
    w(f'      (br $l)))')
    w(f'    (local.get $s))')
    w(")")
    return "\n".join(out) + "\n"


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exact_wasm.h")
    arrays = []
    with tempfile.TemporaryDirectory() as d:
        for bits, a in (("32", "i32"), ("64", "i64")):
            path = os.path.join(d, "exact%s.wat" % bits)
            with open(path, "w") as f:
                f.write(wat(a))
            subprocess.run(["node", "tests/tools/wat2wasm.mjs", d, path], check=True)
            with open(os.path.join(d, "exact%s.wasm" % bits), "rb") as f:
                data = f.read()
            rows = []
            for i in range(0, len(data), 12):
                rows.append("\t" + ", ".join("0x%02x" % b for b in data[i:i + 12]) + ",")
            arrays.append("static const uint8_t EXACT%s[] = {\n%s\n};\n" % (bits, "\n".join(rows)))
    with open(out, "w") as f:
        f.write("/* Generated by tests/unit/exact_wat.py: do not edit. */\n")
        f.write("#ifndef EXACT_WASM_H\n#define EXACT_WASM_H\n\n#include <stdint.h>\n\n")
        f.write("\n".join(arrays))
        f.write("\n#endif\n")


if __name__ == "__main__":
    sys.exit(main())
