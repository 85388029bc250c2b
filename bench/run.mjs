// bench/run.mjs - runs wasmc's benchmarks and writes build/reports/bench.json
// (DESIGN.md §10: a flat list of {suite, name, runner, metric, value, unit}).
//
//   node bench/run.mjs [--suite validate|kernels]... [--out REPORT.json]
//        [--validate BUILD/bin/wasmc-validate] [--repeat N]
//        [--kernels build/bench/kernels] [--wasmc-run BUILD/bin/wasmc-run]
//        [--kernels-repeat N] [--kernels-quick] [--kernel NAME,...]
//
// Without --suite every suite runs. The report keeps the results of suites
// that did not run this time (so `make bench-kernels` updates only its own).
// Exit status 1 when a suite failed (kernels: a checksum disagreed between
// runners, or native/node could not run a kernel).
//
// Suite "validate": decode + validate the StarlingMonkey engine module from
// the npm package @bytecodealliance/componentize-js (installed by
// scripts/install-deps.sh, never committed), with wasmc and, side by side,
// with node's V8 (WebAssembly.validate) on the same bytes.
//
// Suite "kernels": see kernels.mjs.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchKernels } from "./kernels.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const validateBin = resolve(opt("--validate", "build/bin/wasmc-validate"));
const out = resolve(opt("--out", "build/reports/bench.json"));
const repeat = Number(opt("--repeat", "5"));
const suites = args.flatMap((a, i) => a === "--suite" ? args[i + 1].split(",") : []);
const runs = (suite) => suites.length === 0 || suites.includes(suite);

const results = [];
const add = (suite, name, runner, metric, value, unit) =>
  results.push({ suite, name, runner, metric, value, unit });

function benchValidate() {
  const wasm = resolve(root,
    "node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm");
  const size = statSync(wasm).size;
  const mb = size / 1e6;

  // wasmc: best of `repeat` decode+validate runs, peak RSS of the process.
  const line = execFileSync(validateBin, ["--json", "--repeat", String(repeat), wasm],
    { encoding: "utf8" }).trim();
  const r = JSON.parse(line);
  if (!r.valid) throw new Error(`wasmc rejected StarlingMonkey: ${r.error}`);
  add("validate", "starlingmonkey", "wasmc", "time", r.time, "s");
  add("validate", "starlingmonkey", "wasmc", "throughput", mb / r.time, "MB/s");
  add("validate", "starlingmonkey", "wasmc", "peak_rss", r.peak_rss, "bytes");

  // node (V8): WebAssembly.validate in a fresh process, best of `repeat`.
  const script = `
    const fs = require("fs");
    const b = fs.readFileSync(process.argv[1]);
    let best = Infinity, ok = true;
    for (let i = 0; i < ${repeat}; i++) {
      const t0 = process.hrtime.bigint();
      ok = WebAssembly.validate(b) && ok;
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (dt < best) best = dt;
    }
    console.log(JSON.stringify({ valid: ok, time: best,
      peak_rss: process.resourceUsage().maxRSS * 1024 }));`;
  const n = JSON.parse(execFileSync(process.execPath, ["-e", script, wasm],
    { encoding: "utf8" }).trim());
  if (!n.valid) throw new Error("V8 rejected StarlingMonkey");
  add("validate", "starlingmonkey", "node", "time", n.time, "s");
  add("validate", "starlingmonkey", "node", "throughput", mb / n.time, "MB/s");
  add("validate", "starlingmonkey", "node", "peak_rss", n.peak_rss, "bytes");

  console.log(`validate: StarlingMonkey, ${(size / 1048576).toFixed(1)} MiB, best of ${repeat}`);
  console.log("  runner    time (s)   MB/s    peak RSS (MiB)  RSS / module size");
  for (const [runner, x] of [["wasmc", r], ["node", n]]) {
    console.log(`  ${runner.padEnd(8)} ${x.time.toFixed(4).padStart(8)} ${(mb / x.time).toFixed(1).padStart(7)}` +
      ` ${(x.peak_rss / 1048576).toFixed(1).padStart(12)} ${(x.peak_rss / size).toFixed(2).padStart(14)}`);
  }
  const timeOk = r.time < 0.5, rssOk = r.peak_rss < 3 * size;
  console.log(`  target: wasmc < 0.5 s: ${timeOk ? "met" : "MISSED"}; ` +
    `peak RSS < 3x module size: ${rssOk ? "met" : "MISSED"}`);
}

let ok = true;
if (runs("validate")) benchValidate();
if (runs("kernels")) {
  ok = benchKernels({
    dir: resolve(opt("--kernels", "build/bench/kernels")),
    srcDir: resolve(root, "bench/kernels"),
    wasmcRun: resolve(opt("--wasmc-run", "build/bin/wasmc-run")),
    repeat: Number(opt("--kernels-repeat", "1")),
    quick: args.includes("--kernels-quick"),
    only: args.includes("--kernel") ? opt("--kernel").split(",") : null,
    add,
  }) && ok;
}

// Keep what earlier runs measured for the suites that did not run now.
const ran = new Set(results.map((r) => r.suite));
if (runs("validate")) ran.add("validate");
if (runs("kernels")) ran.add("kernels");
let kept = [];
if (existsSync(out)) {
  try {
    kept = JSON.parse(readFileSync(out, "utf8")).results.filter((r) => !ran.has(r.suite));
  } catch {
    kept = [];
  }
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ results: [...kept, ...results] }, null, 2) + "\n");
console.log(`wrote ${out}`);
if (!ok) process.exitCode = 1;
