// bench/daemon.mjs - suite "daemon" of bench/run.mjs: what the daemon costs.
//
// Starts a wasmcd on a temporary socket and cache, then runs, one after the
// other on this machine, build/bin/bench-daemon (through libwasmc: client ->
// daemon -> worker) and build/bin/bench-inproc (the same export called with
// the engine in process), on tests/integration/fixtures/basic.wat encoded
// with the pinned jco. Both print result lines; the table shows them side by
// side with the targets of DESIGN.md §11 (instantiate p50 <= 1 ms,
// call-empty p50 <= 50 us).
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const TARGETS = { instantiate: 1e-3, "call-empty": 50e-6 };

function parseLines(text, add) {
  const rows = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line);
    add(r.suite, r.name, r.runner, r.metric, r.value, r.unit);
    rows.push(r);
  }
  return rows;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function benchDaemon({ root, bin, quick, add }) {
  const need = ["wasmcd", "wasmctl", "bench-daemon", "bench-inproc", "bench-nng-echo"].map((b) => join(bin, b));
  const missing = need.filter((p) => !existsSync(p));
  if (missing.length) {
    console.log(`daemon: not built (${missing.join(", ")}); suite failed`);
    return false;
  }
  const dir = mkdtempSync(join(tmpdir(), "wasmc-bench-"));
  const sock = join(dir, "run", "wasmcd.sock");
  execFileSync("node", [join(root, "tests/tools/wat2wasm.mjs"), dir,
    join(root, "tests/integration/fixtures/basic.wat")]);
  const wasm = join(dir, "basic.wasm");
  const daemon = spawn(join(bin, "wasmcd"), ["--foreground", "--socket", sock, "--cache",
    join(dir, "cache"), "--pool", "8", "--log-level", "warning"], { stdio: ["ignore", "ignore", "inherit"] });
  let rows = [];
  let ok = true;
  try {
    let up = false;
    for (let i = 0; i < 200 && !up; i++) {
      up = spawnSync(join(bin, "wasmctl"), ["--socket", sock, "status"]).status === 0;
      if (!up) await sleep(50);
    }
    if (!up) throw new Error("wasmcd did not come up");
    const extra = quick ? ["--quick"] : [];
    const d = spawnSync(join(bin, "bench-daemon"), ["--socket", sock, wasm, ...extra],
      { encoding: "utf8", timeout: 600_000 });
    if (d.status !== 0) throw new Error(`bench-daemon: ${d.stderr || d.signal}`);
    rows = rows.concat(parseLines(d.stdout, add));
    const p = spawnSync(join(bin, "bench-inproc"), [wasm, ...extra],
      { encoding: "utf8", timeout: 600_000 });
    if (p.status !== 0) throw new Error(`bench-inproc: ${p.stderr || p.signal}`);
    rows = rows.concat(parseLines(p.stdout, add));
    const q = spawnSync(join(bin, "bench-nng-echo"), [join(dir, "echo.sock"), ...extra],
      { encoding: "utf8", timeout: 600_000 });
    if (q.status !== 0) throw new Error(`bench-nng-echo: ${q.stderr || q.signal}`);
    rows = rows.concat(parseLines(q.stdout, add));
  } catch (e) {
    console.log(`daemon: ${e.message}`);
    ok = false;
  } finally {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
  const get = (name, runner, metric) =>
    rows.find((r) => r.name === name && r.runner === runner && r.metric === metric)?.value;
  const fmt = (v, unit) => v === undefined ? "n/a" :
    unit === "s" ? (v < 1e-3 ? `${(v * 1e6).toFixed(1)} us` : `${(v * 1e3).toFixed(2)} ms`) :
    `${Math.round(v).toLocaleString("en")}/s`;
  console.log("daemon: wasmcd through libwasmc vs the engine in process (nng-echo: bare nng round trip)");
  console.log("  name            metric        wasmcd        in-process    nng-echo      target");
  for (const [name, metrics] of [["instantiate", ["p50", "p99"]], ["call-empty", ["p50", "p99"]],
    ["throughput-1", ["calls_per_s"]], ["throughput-4", ["calls_per_s"]],
    ["throughput-16", ["calls_per_s"]]]) {
    for (const m of metrics) {
      const unit = m === "calls_per_s" ? "1/s" : "s";
      const a = get(name, "wasmcd", m), b = get(name, "in-process", m);
      const c = get(name, "nng-echo", m);
      let target = "";
      if (m === "p50" && TARGETS[name] !== undefined)
        target = `<= ${fmt(TARGETS[name], "s")}: ${a !== undefined && a <= TARGETS[name] ? "met" : "MISSED"}`;
      console.log(`  ${name.padEnd(15)} ${m.padEnd(13)} ${fmt(a, unit).padStart(12)}  ${fmt(b, unit).padStart(12)}  ` +
        `${(c === undefined ? "" : fmt(c, unit)).padStart(12)}    ${target}`);
    }
  }
  return ok;
}
