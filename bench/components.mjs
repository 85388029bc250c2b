// bench/components.mjs - suite "components" of bench/run.mjs: the
// component model's costs.
//
// Today: build/bin/bench-abi (bench/components/bench_abi.c), lowering then
// lifting a 1 MiB list<u8> and a 1 MiB string through the canonical ABI
// (runner "wasmc") beside a plain memcpy of the same bytes (runner
// "native-memcpy"), in MB/s. The daemon figures of issue 11
// (instantiate-greet, call-greet) join this suite when components run
// through wasmcd.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export function benchComponents({ bin, add }) {
  const exe = join(bin, "bench-abi");
  if (!existsSync(exe)) {
    console.log(`components: ${exe} is not built (make bench-abi); suite skipped`);
    return true;
  }
  const r = spawnSync(exe, [], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) {
    console.log(`components: bench-abi failed: ${r.stderr || r.signal}`);
    return false;
  }
  const rows = [];
  for (const line of r.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const o = JSON.parse(line);
    add(o.suite, o.name, o.runner, o.metric, o.value, o.unit);
    rows.push(o);
  }
  console.log("components: canonical ABI lowering+lifting (MB/s)");
  console.log("  name            wasmc         native-memcpy");
  for (const name of [...new Set(rows.map((o) => o.name))]) {
    const get = (runner) => rows.find((o) => o.name === name && o.runner === runner);
    const a = get("wasmc"), b = get("native-memcpy");
    console.log(`  ${name.padEnd(16)}${(a ? a.value.toFixed(1) : "-").padStart(10)}` +
      `    ${(b ? b.value.toFixed(1) : "-").padStart(10)}`);
  }
  return true;
}
