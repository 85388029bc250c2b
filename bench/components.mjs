// bench/components.mjs - suite "components" of bench/run.mjs: what the
// component model costs, in one run:
//   - build/bin/bench-greet (bench/components/bench_greet.c) against a
//     wasmcd started here on a temporary socket and cache: instantiation
//     of the cached greet component (instantiate-greet) and a call of
//     `greet` with its host call (call-greet), p50/p99 in s, runner wasmcd;
//     targets p50 <= 2 ms and <= 60 us (issue 11);
//   - build/bin/bench-abi (bench/components/bench_abi.c): lowering then
//     lifting a 1 MiB list<u8> and a 1 MiB string through the canonical
//     ABI (runner wasmc) beside a plain memcpy of the same bytes (runner
//     native-memcpy), in MB/s.
// The greet component is the C fixture (make component-fixtures).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TARGETS = { "instantiate-greet": 2e-3, "call-greet": 60e-6 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function lines(text, add, rows) {
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const o = JSON.parse(line);
    add(o.suite, o.name, o.runner, o.metric, o.value, o.unit);
    rows.push(o);
  }
}

async function greet({ root, bin, quick, add, rows }) {
  const wasm = join(root, "build/fixtures/components/greet-c.wasm");
  const exe = join(bin, "bench-greet");
  if (!existsSync(exe) || !existsSync(wasm)) {
    console.log(`components: ${exe} or ${wasm} missing (make bench-components); greet skipped`);
    return false;
  }
  const dir = mkdtempSync(join(tmpdir(), "wasmc-bench-comp-"));
  const sock = join(dir, "run", "wasmcd.sock");
  const daemon = spawn(join(bin, "wasmcd"), ["--foreground", "--socket", sock, "--cache",
    join(dir, "cache"), "--pool", "8", "--log-level", "warning"], { stdio: ["ignore", "ignore", "inherit"] });
  try {
    let up = false;
    for (let i = 0; i < 200 && !up; i++) {
      up = spawnSync(join(bin, "wasmctl"), ["--socket", sock, "status"]).status === 0;
      if (!up) await sleep(50);
    }
    if (!up) throw new Error("wasmcd did not come up");
    const r = spawnSync(exe, ["--socket", sock, wasm, ...(quick ? ["--quick"] : [])],
      { encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) throw new Error(`bench-greet: ${r.stderr || r.signal}`);
    lines(r.stdout, add, rows);
    return true;
  } catch (e) {
    console.log(`components: ${e.message}`);
    return false;
  } finally {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchComponents({ root, bin, quick, add }) {
  const rows = [];
  let ok = await greet({ root, bin, quick, add, rows });
  const abi = join(bin, "bench-abi");
  if (!existsSync(abi)) {
    console.log(`components: ${abi} is not built (make bench-components); abi skipped`);
    ok = false;
  } else {
    const r = spawnSync(abi, [], { encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) {
      console.log(`components: bench-abi failed: ${r.stderr || r.signal}`);
      ok = false;
    } else lines(r.stdout, add, rows);
  }
  const get = (name, runner, metric) =>
    rows.find((o) => o.name === name && o.runner === runner && o.metric === metric);
  const fmt = (v, unit) => v === undefined ? "-" : unit === "s"
    ? (v >= 1e-3 ? `${(v * 1e3).toFixed(2)} ms` : `${(v * 1e6).toFixed(1)} us`)
    : `${v.toFixed(1)} MB/s`;
  console.log("components: the seed example through wasmcd, and the canonical ABI");
  console.log("  name               metric      wasmcd/wasmc   native-memcpy  target");
  for (const [name, metrics] of [["instantiate-greet", ["p50", "p99"]], ["call-greet", ["p50", "p99"]],
    ["list-u8-1mib", ["throughput"]], ["string-1mib", ["throughput"]]]) {
    for (const m of metrics) {
      const a = get(name, "wasmcd", m) || get(name, "wasmc", m), b = get(name, "native-memcpy", m);
      let target = "";
      if (m === "p50" && TARGETS[name] !== undefined && a)
        target = `<= ${fmt(TARGETS[name], "s")}: ${a.value <= TARGETS[name] ? "met" : "MISSED"}`;
      console.log(`  ${name.padEnd(19)}${m.padEnd(12)}${fmt(a?.value, a?.unit).padStart(12)}` +
        `   ${fmt(b?.value, b?.unit).padStart(13)}  ${target}`);
    }
  }
  return ok;
}
