// bench/kernels.mjs - suite "kernels": our own C compute kernels
// (bench/kernels/*.c), each built by bench/kernels/build.sh into
//   DIR/NAME.wasm    freestanding wasm32, no imports, exports run(n) -> i64
//   DIR/NAME.native  the same source with the same C flags + timing driver
// and run with every runner side by side:
//   native           DIR/NAME.native N           (warm-up call, then one timed call)
//   wasmc-optimized  wasmc-run --tier optimized --time DIR/NAME.wasm --invoke run N
//   wasmc-fast       wasmc-run --tier fast      --time DIR/NAME.wasm --invoke run N
//   node             the same .wasm in a fresh node process (V8): warm-up call,
//                    then one timed call
// native and wasmc-run print the result on stdout (signed decimal) and
// `call: SECONDS s` on stderr. Every runner's checksum must agree.
// Used by run.mjs (`--suite kernels`); not a program of its own.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, resolve } from "node:path";

const RUNNERS = ["native", "wasmc-optimized", "wasmc-fast", "node"];
const SHORT = { "wasmc-optimized": "wasmc-opt", "wasmc-fast": "wasmc-fast", node: "node" };

// n for each kernel: `#define BENCH_N` in its source; --kernels-quick takes
// `#define BENCH_N_QUICK` or a tenth of BENCH_N (for smoke runs).
function kernelList(srcDir, dir, quick, only) {
  const names = readdirSync(dir).filter((f) => f.endsWith(".wasm"))
    .map((f) => basename(f, ".wasm")).sort();
  const list = [];
  for (const name of names) {
    if (only && !only.includes(name)) continue;
    const src = resolve(srcDir, `${name}.c`);
    if (!existsSync(src)) continue; // a stale build output
    const text = readFileSync(src, "utf8");
    const full = text.match(/^#define BENCH_N (\d+)/m);
    if (!full) throw new Error(`${src}: no #define BENCH_N`);
    const q = text.match(/^#define BENCH_N_QUICK (\d+)/m);
    const n = quick ? (q ? Number(q[1]) : Math.max(1, Math.floor(Number(full[1]) / 10)))
      : Number(full[1]);
    list.push({ name, n, wasm: resolve(dir, `${name}.wasm`), native: resolve(dir, `${name}.native`) });
  }
  return list;
}

function parseToolOutput(stdout, stderr) {
  const lines = stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.length === 0 || !/^-?\d+$/.test(lines[0]))
    throw new Error(`no integer result on stdout (got ${JSON.stringify(lines[0] ?? "")})`);
  const result = BigInt.asUintN(64, BigInt(lines[0]));
  let time = null;
  const extra = {};
  for (const l of stderr.split("\n")) {
    const m = l.trim().match(/^([A-Za-z][\w-]*)\s*:\s*([0-9.]+(?:[eE][+-]?\d+)?)\s*s$/);
    if (!m) continue;
    if (m[1] === "call") time = Number(m[2]);
    else extra[m[1]] = Number(m[2]);
  }
  if (time === null) throw new Error("no 'call: SECONDS s' line on stderr");
  return { result, time, extra };
}

// Runs a program that prints the result on stdout and `call: X s` on stderr
// (native driver, wasmc-run, node). Returns {result, time, extra} or throws
// with a one-line reason.
function runProgram(bin, argv, timeoutMs) {
  const r = spawnSync(bin, argv, { encoding: "utf8", timeout: timeoutMs,
    stdio: ["ignore", "pipe", "pipe"], maxBuffer: 16 << 20 });
  if (r.error && r.error.code === "ETIMEDOUT") throw new Error(`timed out after ${timeoutMs / 1000} s`);
  if (r.error) throw new Error(`could not run: ${r.error.code || r.error}`);
  if (r.status !== 0) {
    const last = String(r.stderr || "").trim().split("\n").pop() || "";
    const how = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    throw new Error(`${how}${last ? ": " + last : ""}`);
  }
  return parseToolOutput(r.stdout || "", r.stderr || "");
}

const NODE_SCRIPT = `
  const fs = require("fs");
  const [file, nArg] = process.argv.slice(1);
  const mod = new WebAssembly.Module(fs.readFileSync(file));
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length !== 0)
    throw new Error("imports " + imports.map((i) => i.module + "." + i.name).join(", "));
  const { run } = new WebAssembly.Instance(mod, {}).exports;
  if (typeof run !== "function") throw new Error("no export run");
  const n = Number(nArg);
  run(n); // warm-up: lets V8 tier the code up
  const t0 = process.hrtime.bigint();
  const r = run(n);
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(BigInt.asIntN(64, BigInt(r)).toString());
  console.error("call: " + dt.toFixed(6) + " s");`;

function measure(runner, k, opts) {
  switch (runner) {
  case "native":
    return runProgram(k.native, [String(k.n)], 120_000);
  case "node":
    return runProgram(process.execPath, ["-e", NODE_SCRIPT, k.wasm, String(k.n)], 300_000);
  default: {
    const tier = runner === "wasmc-optimized" ? "optimized" : "fast";
    return runProgram(opts.wasmcRun,
      ["--tier", tier, "--time", k.wasm, "--invoke", "run", String(k.n)], 600_000);
  }
  }
}

// opts: { dir, srcDir, wasmcRun, repeat, quick, only, add(suite, name, runner,
// metric, value, unit) }. Returns true when every checksum agreed.
export function benchKernels(opts) {
  if (!existsSync(opts.dir)) {
    console.log(`kernels: ${opts.dir} is not built (bench/kernels/build.sh); suite skipped`);
    return true;
  }
  const kernels = kernelList(opts.srcDir, opts.dir, opts.quick, opts.only);
  const reasons = {}; // runner -> Set of why it did not run
  const why = (runner, kernel, msg) => {
    (reasons[runner] ??= new Map()).set(kernel, msg);
  };
  const wasmcOk = existsSync(opts.wasmcRun);
  const repeat = Math.max(1, opts.repeat);

  console.log(`kernels: ${kernels.length} kernels, time of one run(n) call` +
    `${repeat > 1 ? `, best of ${repeat}` : ""}${opts.quick ? " (quick n)" : ""}`);
  if (!wasmcOk) console.log(`  wasmc runners: n/a (${opts.wasmcRun} not built)`);

  const rows = [];
  let allAgree = true, hardFail = false;
  for (const k of kernels) {
    const got = {};
    for (const runner of RUNNERS) {
      if (runner.startsWith("wasmc") && !wasmcOk) continue;
      for (let i = 0; i < repeat; i++) {
        let m;
        try {
          m = measure(runner, k, opts);
        } catch (e) {
          why(runner, k.name, e.message);
          if (runner === "native" || runner === "node") hardFail = true;
          delete got[runner];
          break;
        }
        const prev = got[runner];
        if (prev && prev.result !== m.result) {
          why(runner, k.name, `checksum differs between repeats`);
          allAgree = false;
        }
        if (!prev || m.time < prev.time) got[runner] = m;
      }
    }
    const checksums = new Set(Object.values(got).map((m) => m.result));
    const agree = checksums.size <= 1;
    if (!agree) allAgree = false;
    for (const [runner, m] of Object.entries(got)) {
      opts.add("kernels", k.name, runner, "time", m.time, "s");
      for (const [key, v] of Object.entries(m.extra))
        opts.add("kernels", k.name, runner, `${key}_time`, v, "s");
    }
    const row = { k, got, agree };
    rows.push(row);
    printRow(row);
  }

  // Geometric means of the ratios to native, over the kernels both ran.
  const geo = {};
  for (const runner of RUNNERS.slice(1)) {
    const ratios = rows.filter((r) => r.got.native?.time > 0 && r.got[runner]?.time > 0)
      .map((r) => r.got[runner].time / r.got.native.time);
    if (ratios.length === 0) continue;
    geo[runner] = { value: Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length),
      count: ratios.length };
    opts.add("kernels", "geomean", runner, "ratio_to_native", geo[runner].value, "x");
  }
  console.log("  geometric mean of ratio to native: " + RUNNERS.slice(1).map((r) =>
    `${SHORT[r]} ${geo[r] ? geo[r].value.toFixed(2) + "x" +
      (geo[r].count < rows.length ? ` (${geo[r].count} of ${rows.length})` : "") : "n/a"}`).join(", "));
  if (geo["wasmc-optimized"]) {
    const g = geo["wasmc-optimized"].value;
    const beatsNode = geo.node ? g < geo.node.value : false;
    console.log(`  target (DESIGN §11): wasmc optimized <= 1.3x native: ${g <= 1.3 ? "met" : "MISSED"}; ` +
      `faster than node: ${beatsNode ? "met" : "MISSED"}`);
  }
  for (const runner of RUNNERS) {
    if (!reasons[runner]) continue;
    for (const [kernel, msg] of reasons[runner])
      console.log(`  ${runner} n/a for ${kernel}: ${msg}`);
  }
  const bad = rows.filter((r) => !r.agree);
  if (bad.length) console.log(`  CHECKSUM MISMATCH: ${bad.map((r) => r.k.name).join(", ")}`);
  console.log(`kernels: ${rows.length - bad.length} checksums agree, ${bad.length} differ` +
    (hardFail ? "; native or node failed" : ""));
  return allAgree && !hardFail;
}

let headerPrinted = false;
function printRow({ k, got, agree }) {
  const col = (runner) => {
    const m = got[runner];
    if (!m) return "n/a".padStart(16);
    if (runner === "native") return m.time.toFixed(3).padStart(8);
    const ratio = got.native?.time > 0 ? `(${(m.time / got.native.time).toFixed(2)}x)` : "";
    return `${m.time.toFixed(3).padStart(8)} ${ratio.padStart(7)}`;
  };
  if (!headerPrinted) {
    console.log(`  ${"kernel".padEnd(11)} ${"n".padStart(7)} ${"native".padStart(8)} ` +
      `${"wasmc-opt".padStart(16)} ${"wasmc-fast".padStart(16)} ${"node".padStart(16)}  checksum`);
    headerPrinted = true;
  }
  const sums = [...new Set(Object.values(got).map((m) => m.result))];
  let check;
  if (sums.length === 0) check = "none";
  else if (agree) check = `ok ${sums[0].toString(16).padStart(16, "0")}`;
  else check = "MISMATCH " + Object.entries(got)
    .map(([r, m]) => `${r}=${m.result.toString(16)}`).join(" ");
  console.log(`  ${k.name.padEnd(11)} ${String(k.n).padStart(7)} ${col("native")} ` +
    `${col("wasmc-optimized")} ${col("wasmc-fast")} ${col("node")}  ${check}`);
}
