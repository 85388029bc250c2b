// bench/shapes.mjs - suite "compile-shapes": compile time of generated
// code shapes that stress a compiler's worst cases, each at two sizes, so
// that a cost that grows faster than the code shows as a rising time per
// KB (issue 13: within 3x between 64 KB and 512 KB for every shape and
// tier). Modules are written here, byte by byte (our own generator).
//
//   live-values   one function: N values (x xor k), then N-1 i32.add (N live values)
//   nested-ifs    one function: ifs (x > k) nested N deep, each with an else
//   seq-ifs       one function: N ifs one after the other, each a small update
//   loads-adds    one function: N i32.load at different offsets, then N-1 adds
//   br-table      one function: N nested blocks, a br_table of 4 targets after each
//   empty-funcs   N functions with an empty body
//
// Each module is compiled once per tier with `wasmc-compile FILE -o OUT
// --tier T` under GNU time (CPU = user + sys, peak RSS), with a timeout.
// Used by run.mjs (`--suite compile-shapes`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Unsigned LEB128 (also used by run.mjs).
export function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n) {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id, bytes) {
  return [id, ...uleb(bytes.length), ...bytes];
}

function vec(items) {
  return [...uleb(items.length), ...items.flat()];
}

// A module of `nfuncs` functions of type (i32) -> i32 whose bodies are
// `body(i)` (instruction bytes, without locals and end), with a memory of
// one page, exporting function 0 as "f".
function module(nfuncs, body) {
  const type = section(1, vec([[0x60, 1, 0x7f, 1, 0x7f]]));
  const funcs = section(3, [...uleb(nfuncs), ...new Array(nfuncs).fill(0)]);
  const mem = section(5, vec([[0x00, 1]]));
  const exp = section(7, vec([[1, 0x66, 0x00, 0]]));
  const codes = [];
  for (let i = 0; i < nfuncs; i++) {
    const b = [0x00, ...body(i), 0x0b];
    codes.push([...uleb(b.length), ...b]);
  }
  const code = section(10, [...uleb(nfuncs), ...codes.flat()]);
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...funcs, ...mem, ...exp, ...code]);
}

const GET0 = [0x20, 0x00];

// Each shape: bytes per unit (about), and the module for n units.
const SHAPES = {
  "live-values": { unit: 6, make: (n) => module(1, () => {
    const b = [];
    for (let i = 0; i < n; i++) b.push(...GET0, 0x41, ...sleb(i & 0x1fff), 0x73);
    for (let i = 1; i < n; i++) b.push(0x6a);
    return b;
  }) },
  "nested-ifs": { unit: 11, make: (n) => module(1, () => {
    const b = [];
    for (let i = 0; i < n; i++) b.push(...GET0, 0x41, ...sleb(i & 0x1fff), 0x4a, 0x04, 0x7f);
    b.push(0x41, 0x01);
    for (let i = 0; i < n; i++) b.push(0x05, 0x41, i & 0x3f, 0x0b);
    return b;
  }) },
  "seq-ifs": { unit: 12, make: (n) => module(1, () => {
    const b = [];
    for (let i = 0; i < n; i++)
      b.push(...GET0, 0x04, 0x40, ...GET0, 0x41, (i & 0x3f) | 1, 0x6a, 0x21, 0x00, 0x0b);
    b.push(...GET0);
    return b;
  }) },
  "loads-adds": { unit: 7, make: (n) => module(1, () => {
    const b = [];
    for (let i = 0; i < n; i++) b.push(...GET0, 0x28, 0x02, ...uleb(4 * (i % 16000)));
    for (let i = 1; i < n; i++) b.push(0x6a);
    return b;
  }) },
  "br-table": { unit: 13, make: (n) => module(1, () => {
    const b = [];
    for (let i = 0; i < n; i++) b.push(0x02, 0x40);
    for (let l = n; l > 0; l--) {
      // at depth l (l blocks open): a br_table to 4 of them, then close one
      b.push(...GET0, 0x0e, 3, ...uleb(0), ...uleb(l >> 1), ...uleb(l - 1), ...uleb(l >> 2), 0x0b);
    }
    b.push(0x41, 0x00);
    return b;
  }) },
  "empty-funcs": { unit: 6, funcs: true, make: (n) => module(n, () => [0x41, 0x00]) },
};

export const SHAPE_NAMES = Object.keys(SHAPES);

// The module of shape `name` at about `kb` KB.
export function shapeModule(name, kb) {
  const s = SHAPES[name];
  return s.make(Math.round((kb * 1024) / s.unit));
}

// Runs the suite; `add(suite, name, runner, metric, value, unit)` records.
export function benchShapes({ compile, sizesKB = [64, 512], shapes = SHAPE_NAMES, timeoutS = 600, add }) {
  const dir = mkdtempSync(join(tmpdir(), "wasmc-shapes-"));
  let ok = true;
  console.log(`compile-shapes: ${shapes.length} shapes at ${sizesKB.join(" and ")} KB, both tiers` +
    ` (CPU s, s per KB, peak RSS)`);
  try {
    for (const name of shapes) {
      const s = SHAPES[name];
      const perKB = {};
      for (const kb of sizesKB) {
        const n = Math.round((kb * 1024) / s.unit);
        const bytes = s.make(n);
        const file = join(dir, `${name}-${kb}.wasm`);
        writeFileSync(file, bytes);
        const actualKB = bytes.length / 1024;
        for (const tier of ["fast", "optimized"]) {
          const out = join(dir, `${name}-${kb}-${tier}.cwasm`);
          const tfile = join(dir, "time.txt");
          const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M %e", "-o", tfile, compile, file,
            "-o", out, "--tier", tier], { encoding: "utf8", timeout: timeoutS * 1000 });
          let line;
          if (r.error || r.status !== 0) {
            const why = r.error ? `timed out after ${timeoutS} s` : (r.stderr || "").trim().split("\n").pop();
            line = `failed (${why})`;
            ok = false;
          } else {
            const [u, sy, rss, wall] = readFileSync(tfile, "utf8").trim().split(/\s+/).map(Number);
            const cpu = u + sy;
            perKB[`${tier}-${kb}`] = cpu / actualKB;
            add("compile-shapes", `${name}-${kb}kb`, `wasmc-${tier}`, "cpu_time", cpu, "s");
            add("compile-shapes", `${name}-${kb}kb`, `wasmc-${tier}`, "wall_time", wall, "s");
            add("compile-shapes", `${name}-${kb}kb`, `wasmc-${tier}`, "peak_rss", rss * 1024, "B");
            line = `${cpu.toFixed(2)} s CPU, ${(cpu / actualKB * 1000).toFixed(2)} ms/KB, ` +
              `${(rss / 1024).toFixed(0)} MiB`;
          }
          rmSync(out, { force: true });
          console.log(`  ${name.padEnd(12)} ${actualKB.toFixed(0).padStart(4)} KB ${tier.padEnd(9)} ${line}`);
        }
      }
      for (const tier of ["fast", "optimized"]) {
        const a = perKB[`${tier}-${sizesKB[0]}`], b = perKB[`${tier}-${sizesKB[sizesKB.length - 1]}`];
        if (a && b) {
          const ratio = b / a;
          add("compile-shapes", name, `wasmc-${tier}`, "per_kb_growth", ratio, "x");
          console.log(`  ${name.padEnd(12)} ${tier.padEnd(9)} time per KB grows ${ratio.toFixed(2)}x ` +
            `from ${sizesKB[0]} to ${sizesKB[sizesKB.length - 1]} KB${ratio > 3 ? "  (over 3x)" : ""}`);
          if (ratio > 3) ok = false;
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ok;
}

// Standalone: node bench/shapes.mjs WASMC_COMPILE [SHAPE...] [--sizes 64,512]
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const si = args.indexOf("--sizes");
  const sizesKB = si >= 0 ? args.splice(si, 2)[1].split(",").map(Number) : undefined;
  const [compile, ...names] = args;
  const ok = benchShapes({ compile, sizesKB, shapes: names.length ? names : SHAPE_NAMES,
    timeoutS: 300, add: () => {} });
  process.exit(ok ? 0 : 1);
}
