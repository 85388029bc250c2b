// bench/run.mjs - runs wasmc's benchmarks and writes build/reports/bench.json
// (DESIGN.md §10: a flat list of {suite, name, runner, metric, value, unit}).
//
//   node bench/run.mjs [--suite validate|kernels|compile|compile-shapes|daemon|components]...
//        [--out REPORT.json]
//        [--validate BUILD/bin/wasmc-validate] [--repeat N]
//        [--compile BUILD/bin/wasmc-compile]
//        [--kernels build/bench/kernels] [--wasmc-run BUILD/bin/wasmc-run]
//        [--kernels-repeat N] [--kernels-quick] [--kernel NAME,...]
//        [--bin BUILD/bin] [--daemon-quick]
//
// Without --suite every suite runs. The report keeps the results of suites
// that did not run this time (so `make bench-kernels` updates only its own).
// Exit status 1 when a suite failed (kernels: a checksum disagreed between
// runners, or native/node could not run a kernel).
//
// Suite "validate": decode + validate the StarlingMonkey engine module from
// the npm package @bytecodealliance/componentize-js (installed by
// scripts/install-deps.sh, never committed), with wasmc and, side by side,
// with node's V8 (WebAssembly.validate) on the same bytes; and a generated
// module with one 8.5 MB function body (wasmc only).
//
// Suite "kernels": see kernels.mjs.
//
// Suite "compile-shapes": see shapes.mjs (generated worst-case shapes at 64
// and 512 KB, both tiers: compile time per KB must not grow more than 3x).
//
// Suite "daemon": see daemon.mjs (wasmcd's instantiate and call latency and
// call throughput, beside the engine in process).
//
// Suite "compile": compile the same StarlingMonkey module into an artifact
// with `wasmc-compile FILE -o OUT --tier fast` and `--tier optimized`, each
// once, under GNU time (/usr/bin/time, Debian package `time`): CPU time
// (user + sys of the process and all its threads), peak RSS and wall time.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync }
  from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchKernels } from "./kernels.mjs";
import { benchDaemon } from "./daemon.mjs";
import { benchComponents } from "./components.mjs";
import { benchShapes, uleb } from "./shapes.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const validateBin = resolve(opt("--validate", "build/bin/wasmc-validate"));
const compileBin = resolve(opt("--compile", "build/bin/wasmc-compile"));
const out = resolve(opt("--out", "build/reports/bench.json"));
const repeat = Number(opt("--repeat", "5"));
const suites = args.flatMap((a, i) => a === "--suite" ? args[i + 1].split(",") : []);
const runs = (suite) => suites.length === 0 || suites.includes(suite);

const results = [];
const add = (suite, name, runner, metric, value, unit) =>
  results.push({ suite, name, runner, metric, value, unit });

const starlingmonkey = resolve(root,
  "node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm");

function benchValidate() {
  const wasm = starlingmonkey;
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
  benchLargeBody();
}

// One function of 8.5 MB (moved here from tests/unit/test_code.c, where it
// was a timed unit test): (local i32) and 500,000 times local.get 0;
// i32.const 1; i32.add; local.set 0; block; br_if 0 on a comparison; end.
// Validation time should grow linearly: no per-instruction surprises.
function benchLargeBody() {
  const reps = 500000;
  const chunk = [0x20, 0, 0x41, 1, 0x6a, 0x21, 0, 0x02, 0x40, 0x20, 0, 0x41, 9,
    0x4a, 0x0d, 0, 0x0b];
  const body = Buffer.alloc(3 + reps * chunk.length + 3);
  let o = 0;
  for (const b of [1, 1, 0x7f]) body[o++] = b;
  const c = Buffer.from(chunk);
  for (let i = 0; i < reps; i++, o += c.length) c.copy(body, o);
  for (const b of [0x20, 0, 0x0b]) body[o++] = b;
  const entry = Buffer.concat([Buffer.from(uleb(body.length)), body]);
  const code = Buffer.concat([Buffer.from([1]), entry]);
  const wasm = Buffer.concat([
    Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    Buffer.from([1, 5, 1, 0x60, 0, 1, 0x7f]), // type: [] -> [i32]
    Buffer.from([3, 2, 1, 0]), // function 0: type 0
    Buffer.from([10, ...uleb(code.length)]), code,
  ]);
  const dir = resolve(root, "build/bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "large-body.wasm");
  writeFileSync(file, wasm);
  const r = JSON.parse(execFileSync(validateBin, ["--json", "--repeat", String(repeat), file],
    { encoding: "utf8" }).trim());
  if (!r.valid) throw new Error(`wasmc rejected the large body: ${r.error}`);
  const mb = wasm.length / 1e6;
  add("validate", "large-body", "wasmc", "time", r.time, "s");
  add("validate", "large-body", "wasmc", "throughput", mb / r.time, "MB/s");
  console.log(`validate: one ${mb.toFixed(1)} MB function body, best of ${repeat}: ` +
    `${r.time.toFixed(4)} s (${(mb / r.time).toFixed(1)} MB/s); target < 2 s: ` +
    `${r.time < 2 ? "met" : "MISSED"}`);
}

// Runs argv[0] with argv[1..] under GNU time; returns {status, cpu (s, user
// + sys of the child and its threads), peakRss (bytes), wall (s), stderr}.
const GNU_TIME = "/usr/bin/time";
function timed(argv, timeoutMs) {
  const dir = mkdtempSync(join(tmpdir(), "wasmc-bench-"));
  const tf = join(dir, "time");
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(GNU_TIME, ["-o", tf, "-f", "%U %S %M", ...argv],
      { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "ignore", "pipe"] });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.error) throw new Error(r.error.code === "ETIMEDOUT"
      ? `timed out after ${timeoutMs / 1000} s` : `could not run ${GNU_TIME}: ${r.error.code || r.error}`);
    // GNU time writes "Command exited with non-zero status N" before the
    // format line when the child fails: the last line is ours.
    const lines = existsSync(tf) ? readFileSync(tf, "utf8").trim().split("\n") : [];
    const m = (lines.pop() || "").match(/^([0-9.]+) ([0-9.]+) (\d+)$/);
    if (!m) throw new Error(`no resource usage from ${GNU_TIME}`);
    return { status: r.status, signal: r.signal, cpu: Number(m[1]) + Number(m[2]),
      peakRss: Number(m[3]) * 1024, wall, stderr: r.stderr || "" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Targets of the issue for the fast tier on StarlingMonkey.
const COMPILE_TARGET = { cpu: 60, rss: 1.5e9 };

function benchCompile() {
  if (!existsSync(compileBin)) {
    console.log(`compile: ${compileBin} is not built; suite skipped`);
    return true;
  }
  if (!existsSync(GNU_TIME)) {
    console.log(`compile: ${GNU_TIME} missing (Debian package time, make deps); suite skipped`);
    return true;
  }
  const size = statSync(starlingmonkey).size;
  const dir = mkdtempSync(join(tmpdir(), "wasmc-compile-"));
  const rows = [];
  let ok = true;
  try {
    for (const tier of ["fast", "optimized"]) {
      const runner = `wasmc-${tier}`;
      const outFile = join(dir, `starlingmonkey.${tier}.cwasm`);
      let r;
      try {
        r = timed([compileBin, starlingmonkey, "-o", outFile, "--tier", tier], 3_600_000);
      } catch (e) {
        rows.push({ runner, error: e.message });
        ok = false;
        continue;
      }
      if (r.status !== 0) {
        const last = r.stderr.trim().split("\n").pop() || "";
        rows.push({ runner, error: `${r.signal ? `killed by ${r.signal}` : `exit ${r.status}`}` +
          `${last ? ": " + last : ""}` });
        ok = false;
        continue;
      }
      const artifact = statSync(outFile).size;
      rmSync(outFile, { force: true });
      add("compile", "starlingmonkey", runner, "cpu_time", r.cpu, "s");
      add("compile", "starlingmonkey", runner, "peak_rss", r.peakRss, "bytes");
      add("compile", "starlingmonkey", runner, "wall_time", r.wall, "s");
      rows.push({ runner, ...r, artifact });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`compile: StarlingMonkey, ${(size / 1048576).toFixed(1)} MiB, wasmc-compile, one run per tier`);
  console.log("  runner            CPU (s)  wall (s)  peak RSS (MiB)  artifact (MiB)");
  for (const x of rows) {
    if (x.error) {
      console.log(`  ${x.runner.padEnd(16)} n/a: ${x.error}`);
      continue;
    }
    console.log(`  ${x.runner.padEnd(16)} ${x.cpu.toFixed(2).padStart(8)} ${x.wall.toFixed(2).padStart(9)}` +
      ` ${(x.peakRss / 1048576).toFixed(1).padStart(15)} ${(x.artifact / 1048576).toFixed(1).padStart(15)}`);
  }
  const fast = rows.find((x) => x.runner === "wasmc-fast" && !x.error);
  const verdict = (good) => fast ? (good ? "met" : "MISSED") : "n/a";
  console.log(`  target: fast tier CPU < ${COMPILE_TARGET.cpu} s: ${verdict(fast && fast.cpu < COMPILE_TARGET.cpu)}` +
    ` (${fast ? fast.cpu.toFixed(1) + " s" : "n/a"}); peak RSS < 1.5 GB: ` +
    `${verdict(fast && fast.peakRss < COMPILE_TARGET.rss)}` +
    ` (${fast ? (fast.peakRss / 1e9).toFixed(2) + " GB" : "n/a"})`);
  return ok;
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

if (runs("compile")) ok = benchCompile() && ok;
if (runs("compile-shapes")) {
  if (!existsSync(compileBin) || !existsSync(GNU_TIME)) {
    console.log(`compile-shapes: ${compileBin} or ${GNU_TIME} missing; suite skipped`);
  } else {
    ok = benchShapes({ compile: compileBin, add }) && ok;
  }
}
if (runs("daemon")) {
  ok = (await benchDaemon({ root, bin: resolve(opt("--bin", "build/bin")),
    quick: args.includes("--daemon-quick"), add })) && ok;
}

if (runs("components")) {
  ok = (await benchComponents({ root, bin: resolve(opt("--bin", "build/bin")),
    quick: args.includes("--daemon-quick"), add })) && ok;
}

// Keep what earlier runs measured for the suites that did not run now.
const ran = new Set(results.map((r) => r.suite));
if (runs("validate")) ran.add("validate");
if (runs("kernels")) ran.add("kernels");
if (runs("compile")) ran.add("compile");
if (runs("compile-shapes")) ran.add("compile-shapes");
if (runs("daemon")) ran.add("daemon");
if (runs("components")) ran.add("components");
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
