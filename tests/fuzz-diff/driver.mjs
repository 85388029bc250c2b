// driver.mjs - the differential fuzzer (make fuzz-diff): random modules from
// binaryen's `wasm-opt -ttf`, run by wasmc in both tiers (fuzz-diff-run), by
// V8 (v8.mjs in a node child) and by wabt's wasm-interp; wasmc must agree
// with the references wherever the references agree with each other.
//
//   node driver.mjs --run BIN/fuzz-diff-run --out DIR [--seconds N] [--seed S]
//                   [--profiles 'mvp simd reftypes tailcall memory64'] [--jobs J]
//
// What is compared, per call of each exported function without parameters
// (in export order, on one instance, as `wasm-interp --run-all-exports`):
// the calls of imported functions with their arguments, then the results
// or the trap. Values: integers exactly; floats exactly against V8 (every
// NaN equal to every NaN), to wabt's printed precision against wabt; v128
// against wabt, exactly or lane by lane with every NaN equal to every NaN
// (--denan leaves SIMD alone: f64x2.add of a NaN with any payload returns
// the input's payload on x86, the canonical NaN in wabt, and Wasm allows
// both); references as null / non-null. Traps by kind: V8 and wabt
// word them differently, and V8 does not tell a NaN from an overflow in a
// float-to-int conversion, nor a null entry from a signature mismatch in
// call_indirect (wabt does). The contents of the exported memory after each
// call are compared with V8's (a hash); the two tiers' traces must be the
// same, byte for byte. A call that exhausts the stack in any engine ends the
// comparison of its module (the depth differs between engines, and so may
// what the deeper frames did). Modules are generated with --denan (every
// float result that is a NaN becomes 0): which NaN an operation returns is
// not deterministic in Wasm (the canonical one or any arithmetic NaN), and
// the bits reach memory, integers and hashes; NaN conversion traps are left
// to the conformance suite and tests/wast. A module counts only when V8 and wabt agree
// on everything both ran; modules that wasmc refuses as an unsupported
// feature, or that a reference cannot run, are counted apart.
//
// A mismatch keeps the module, the input bytes and the three traces under
// DIR/mismatch-SEED-N/ with a one-line reproducer (repro.txt). Closing
// line: `N modules, M calls compared, K mismatches`; exit 1 on a mismatch.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WASM_OPT = "/usr/bin/wasm-opt"; // Debian binaryen (node_modules has another)
const WASM_INTERP = "wasm-interp";

// Wasm 2.0 without SIMD, and the proposals on top of it.
const BASE = ["--enable-sign-ext", "--enable-mutable-globals", "--enable-nontrapping-float-to-int",
	"--enable-bulk-memory", "--enable-multivalue"];
// wabt 1.0.32 has Wasm 2.0 on by default; its --enable-all (function
// references) rejects ref.func where a funcref is expected.
const PROFILES = {
	mvp: { ttf: BASE, node: [], wabt: [] },
	simd: { ttf: [...BASE, "--enable-simd"], node: [], wabt: [] },
	reftypes: { ttf: [...BASE, "--enable-reference-types"], node: [], wabt: [] },
	tailcall: { ttf: [...BASE, "--enable-tail-call"], node: [], wabt: ["--enable-tail-call"] },
	memory64: { ttf: [...BASE, "--enable-memory64"], node: ["--experimental-wasm-memory64"],
		wabt: ["--enable-memory64"] },
};

function parseArgs(argv) {
	const a = { seconds: 60, seed: Date.now() % 1000000, profiles: Object.keys(PROFILES), jobs: 2 };
	for (let i = 0; i < argv.length; i++) {
		const k = argv[i], v = argv[i + 1];
		if (k === "--run") a.run = v, i++;
		else if (k === "--out") a.out = v, i++;
		else if (k === "--seconds") a.seconds = Number(v), i++;
		else if (k === "--seed") a.seed = Number(v), i++;
		else if (k === "--jobs") a.jobs = Number(v), i++;
		else if (k === "--profiles") a.profiles = v.split(/[\s,]+/).filter(Boolean), i++;
		else throw new Error(`driver.mjs: unknown argument ${k}`);
	}
	if (!a.run || !a.out) throw new Error("driver.mjs: --run and --out are required");
	for (const p of a.profiles) if (!PROFILES[p]) throw new Error(`driver.mjs: unknown profile ${p}`);
	if (!Number.isFinite(a.seconds) || a.seconds <= 0) throw new Error("driver.mjs: bad --seconds");
	if (!Number.isInteger(a.seed)) throw new Error("driver.mjs: bad --seed");
	return a;
}

// mulberry32: a small deterministic generator; one per module.
function rng(seed) {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function run(cmd, args, timeoutMs) {
	return new Promise((resolve) => {
		const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
		const out = [], err = [];
		p.on("error", (e) => resolve({ code: null, signal: null, timedOut: false, stdout: "",
			stderr: `cannot run ${cmd}: ${e.message}` }));
		let size = 0, timedOut = false;
		const t = setTimeout(() => { timedOut = true; p.kill("SIGKILL"); }, timeoutMs);
		p.stdout.on("data", (d) => {
			size += d.length;
			if (size > 256 << 20) p.kill("SIGKILL");
			else out.push(d);
		});
		p.stderr.on("data", (d) => err.push(d));
		p.on("close", (code, signal) => {
			clearTimeout(t);
			resolve({ code, signal, timedOut, stdout: Buffer.concat(out).toString(),
				stderr: Buffer.concat(err).toString() });
		});
	});
}

// ---------------------------------------------------------------------------
// Traces: [{ name, events: [[module.field, [values]]], outcome }] where an
// outcome is { results: [values] } or { trap: kind, msg }.

function trapKind(msg) {
	const m = msg.toLowerCase();
	if (/call stack exhausted|maximum call stack/.test(m)) return "stack";
	if (/out of bounds memory|memory access out of bounds|data segment/.test(m)) return "mem-oob";
	if (/divide by zero|remainder by zero/.test(m)) return "div-zero";
	if (/float unrepresentable/.test(m)) return "trunc"; // V8: NaN or overflow
	if (/invalid conversion to integer/.test(m)) return "conversion";
	if (/integer overflow|divide result unrepresentable/.test(m)) return "int-overflow";
	if (/unreachable/.test(m)) return "unreachable";
	if (/null function or function signature mismatch/.test(m)) return "null-or-sig"; // V8
	if (/undefined element|undefined table index|table index is out of bounds|out of bounds table|table access|table.*out of bounds|element segment/.test(m)) return "table-oob";
	if (/uninitialized (table )?element|null function|null reference/.test(m)) return "null";
	if (/indirect call (type|signature) mismatch|signature mismatch/.test(m)) return "sig";
	return `other: ${msg}`;
}

// Whether the reference trap kind `ref` admits wasmc's kind `got`.
function kindsAgree(ref, got) {
	if (ref === got) return true;
	if (ref === "trunc") return got === "conversion" || got === "int-overflow";
	if (ref === "null-or-sig") return got === "null" || got === "sig";
	return false;
}

function parseWasmc(text) {
	const calls = [];
	let error = null, memory = null, cur = null;
	for (const line of text.split("\n")) {
		if (!line) continue;
		const sp = line.indexOf(" ");
		const tag = sp < 0 ? line : line.slice(0, sp), rest = sp < 0 ? "" : line.slice(sp + 1);
		if (tag === "call") {
			const m = /^(\S+) \((.*)\) -> \((.*)\)$/.exec(rest);
			cur = { name: m[1], results: m[3] ? m[3].split(" ") : [], events: [], outcome: null };
			calls.push(cur);
		} else if (tag === "import") {
			const [name, ...vals] = rest.split(" ");
			cur ? cur.events.push([name, vals]) : null;
		} else if (tag === "result") {
			cur.outcome = { results: rest ? rest.split(" ") : [] };
		} else if (tag === "trap") {
			cur.outcome = { trap: trapKind(rest), msg: rest };
		} else if (tag === "memory") {
			memory = rest;
			if (cur) cur.memory = rest;
		} else if (tag === "error") {
			error = rest;
		}
	}
	return { calls, error, memory };
}

function parseWabt(text) {
	const calls = [];
	let events = [], error = null;
	for (const line of text.split("\n")) {
		if (!line) continue;
		let m;
		if ((m = /^called host (\S+?)\((.*)\) =>/.exec(line))) {
			events.push([m[1], m[2] ? m[2].split(", ") : []]);
		} else if ((m = /^(\S+)\(\) => error: (.*)$/.exec(line))) {
			calls.push({ name: m[1], events, outcome: { trap: trapKind(m[2]), msg: m[2] } });
			events = [];
		} else if ((m = /^(\S+)\(\) =>(?: (.*))?$/.exec(line))) {
			calls.push({ name: m[1], events, outcome: { results: m[2] ? m[2].split(", ") : [] } });
			events = [];
		} else if (/^error/.test(line)) {
			error = line;
		}
	}
	return { calls, error };
}

function parseV8(text) {
	const calls = [];
	let error = null, memory = null, stop = null, cur = null;
	for (const line of text.split("\n")) {
		if (!line) continue;
		const o = JSON.parse(line);
		if (o.call !== undefined) calls.push(cur = { name: o.call, events: [], outcome: null });
		else if (o.import !== undefined) cur ? cur.events.push([o.import, o.args]) : null;
		else if (o.result) cur.outcome = { results: o.result };
		else if (o.trap) cur.outcome = { trap: trapKind(o.trap), msg: o.trap };
		else if (o.stop) stop = o.stop, calls.pop();
		else if (o.memory) { memory = o.memory; if (cur) cur.memory = o.memory; }
		else if (o.error) error = o.error;
	}
	return { calls, error, memory, stop };
}

// ---------------------------------------------------------------------------
// Values. wasmc's: "T:HEX". wabt's: "i32:4294967295", "f32:0.100000",
// "f32:nan", "v128 i32x4:0x00000001 0x...", "externref:0". V8's: {i}, {n}
// (the bits of a double), {ref}.

function f32FromBits(hex) {
	const b = new DataView(new ArrayBuffer(4));
	b.setUint32(0, parseInt(hex, 16));
	return b.getFloat32(0);
}
function f64FromBits(hex) {
	const b = new DataView(new ArrayBuffer(8));
	b.setBigUint64(0, BigInt("0x" + hex));
	return b.getFloat64(0);
}
function wasmcNumber(v) {
	const [t, hex] = v.split(":");
	if (t === "f32") return f32FromBits(hex);
	if (t === "f64") return f64FromBits(hex);
	return null;
}

function agreeV8(w, v) {
	const [t, hex] = w.split(":");
	if (v.undef) return false;
	switch (t) {
		case "i32": {
			if (v.n === undefined) return false;
			return f64FromBits(v.n) === (parseInt(hex, 16) | 0);
		}
		case "i64":
			return v.i !== undefined && BigInt.asUintN(64, BigInt(v.i)) === BigInt("0x" + hex);
		case "f32": case "f64": {
			if (v.n === undefined) return false;
			return Object.is(wasmcNumber(w), f64FromBits(v.n));
		}
		case "externref": case "funcref":
			return v.ref === hex;
		default:
			return false;
	}
}

// Two v128 values (32 hex digits, most significant first) that differ
// only in lanes of `digits` hex digits (8: f32x4, 16: f64x2) where both are
// NaNs.
function v128NanEqual(a, b, digits) {
	for (let i = 0; i < 32; i += digits) {
		const x = a.slice(i, i + digits), y = b.slice(i, i + digits);
		if (x === y) continue;
		const nan = (h) => digits === 8 ? Number.isNaN(f32FromBits(h)) : Number.isNaN(f64FromBits(h));
		if (!nan(x) || !nan(y)) return false;
	}
	return true;
}

function agreeWabt(w, s) {
	const [t, hex] = w.split(":");
	if (t === "v128") {
		const m = /^v128 i32x4:(.*)$/.exec(s);
		if (!m) return false;
		const lanes = m[1].split(" ").map((x) => x.replace(/^0x/, "").padStart(8, "0"));
		const theirs = lanes.reverse().join("");
		return theirs === hex || v128NanEqual(theirs, hex, 8) || v128NanEqual(theirs, hex, 16);
	}
	const c = s.indexOf(":"), st = s.slice(0, c), sv = s.slice(c + 1);
	if (st !== t) return false;
	switch (t) {
		case "i32": return BigInt(sv) === BigInt("0x" + hex);
		case "i64": return BigInt(sv) === BigInt("0x" + hex);
		case "f32": case "f64": {
			const x = wasmcNumber(w);
			if (/nan/.test(sv)) return Number.isNaN(x);
			const y = parseFloat(sv);
			return !Number.isNaN(x) && Math.abs(x - y) <= 5e-7 + Math.abs(x) * 1e-15;
		}
		case "externref": case "funcref":
			return (sv === "0" || sv === "null") === (hex === "null");
		default: return false;
	}
}

// V8 and wabt on the same value, with its wasmc type only known from
// wasmc's trace (`t`): floats by wabt's printed precision.
function refsAgree(t, v, s) {
	if (t === "v128") return true; // V8 never returns one
	const c = s.indexOf(":"), sv = s.slice(c + 1);
	if (v.undef) return false;
	switch (t) {
		case "i32": return v.n !== undefined && BigInt(f64FromBits(v.n)) === BigInt.asIntN(32, BigInt(sv));
		case "i64": return v.i !== undefined && BigInt.asUintN(64, BigInt(v.i)) === BigInt(sv);
		case "f32": case "f64": {
			if (v.n === undefined) return false;
			const x = f64FromBits(v.n);
			if (/nan/.test(sv)) return Number.isNaN(x);
			return !Number.isNaN(x) && Math.abs(x - parseFloat(sv)) <= 5e-7 + Math.abs(x) * 1e-15;
		}
		default:
			return (v.ref === "null") === (sv === "0" || sv === "null");
	}
}

// ---------------------------------------------------------------------------
// Comparison of one module.

// The first difference of wasmc's trace from the references, or null; and
// how many calls were compared. `refs` is { v8, wabt } (parsed).
function compare(w, refs) {
	const { v8, wabt } = refs;
	let compared = 0;
	for (let i = 0; i < wabt.calls.length; i++) {
		const b = wabt.calls[i], g = w.calls[i], v = i < v8.calls.length ? v8.calls[i] : null;
		if (!g) return { compared, diff: `call ${i} (${b.name}): wasmc did not run it` };
		if (g.name !== b.name) return { compared, diff: `call ${i}: wasmc ran ${g.name}, wabt ${b.name}` };
		const stack = [b, g, v].some((c) => c && c.outcome && c.outcome.trap === "stack");
		if (stack) {
			if (!(g.outcome.trap === "stack" && b.outcome.trap === "stack"))
				return { compared, diff: `call ${i} (${b.name}): wasmc ${show(g.outcome)}, wabt ${show(b.outcome)}` };
			return { compared: compared + 1, diff: null, stopped: "stack" };
		}
		// events
		if (g.events.length !== b.events.length)
			return { compared, diff: `call ${i} (${b.name}): wasmc made ${g.events.length} import calls, wabt ${b.events.length}` };
		for (let k = 0; k < g.events.length; k++) {
			const [gn, gv] = g.events[k], [bn, bv] = b.events[k];
			const vv = v ? v.events[k] : null;
			if (gn !== bn || gv.length !== bv.length || !gv.every((x, j) => agreeWabt(x, bv[j])))
				return { compared, diff: `call ${i} (${b.name}) import call ${k}: wasmc ${gn}(${gv}), wabt ${bn}(${bv})` };
			if (vv && !gv.every((x, j) => agreeV8(x, vv[1][j])))
				return { compared, diff: `call ${i} (${b.name}) import call ${k}: wasmc ${gn}(${gv}), V8 ${JSON.stringify(vv)}` };
		}
		// outcome
		const go = g.outcome, bo = b.outcome;
		if (!go) return { compared, diff: `call ${i} (${b.name}): wasmc gave no outcome (crash?)` };
		if (bo.trap || go.trap) {
			if (!(bo.trap && go.trap && kindsAgree(bo.trap, go.trap)) ||
				(v && !(v.outcome.trap && kindsAgree(v.outcome.trap, go.trap))))
				return { compared, diff: `call ${i} (${b.name}): wasmc ${show(go)}, wabt ${show(bo)}${v ? `, V8 ${show(v.outcome)}` : ""}` };
		} else {
			const gr = go.results, br = bo.results;
			if (gr.length !== br.length || !gr.every((x, j) => agreeWabt(x, br[j])))
				return { compared, diff: `call ${i} (${b.name}): wasmc ${gr}, wabt ${br}` };
			if (v && !(v.outcome.results && v.outcome.results.length === gr.length &&
				gr.every((x, j) => agreeV8(x, v.outcome.results[j]))))
				return { compared, diff: `call ${i} (${b.name}): wasmc ${gr}, V8 ${JSON.stringify(v.outcome)}` };
		}
		if (v && v.memory !== undefined && g.memory !== v.memory)
			return { compared, diff: `call ${i} (${b.name}): the memory after it differs from V8's` };
		compared++;
	}
	if (w.calls.length !== wabt.calls.length)
		return { compared, diff: `wasmc ran ${w.calls.length} calls, wabt ${wabt.calls.length}` };
	if (!v8.stop && v8.memory && w.memory !== v8.memory)
		return { compared, diff: `final memory differs from V8's` };
	return { compared, diff: null };
}

function show(o) {
	return o.trap ? `trap ${o.msg}` : `returned ${o.results}`;
}

// Whether V8 and wabt agree on every call both ran (with wasmc's types).
function referencesAgree(refs, w) {
	const { v8, wabt } = refs;
	for (let i = 0; i < v8.calls.length; i++) {
		const v = v8.calls[i], b = wabt.calls[i], g = w.calls[i];
		if (!b || !g || v.name !== b.name) return `call ${i}: V8 ran ${v.name}, wabt ${b && b.name}`;
		if ([v, b].some((c) => c.outcome.trap === "stack")) return null;
		if (v.events.length !== b.events.length) return `call ${i}: import calls differ`;
		for (let k = 0; k < v.events.length; k++) {
			const types = g.events[k] ? g.events[k][1].map((x) => x.split(":")[0]) : [];
			if (v.events[k][0] !== b.events[k][0] ||
				!types.every((t, j) => refsAgree(t, v.events[k][1][j], b.events[k][1][j])))
				return `call ${i}: import call ${k} differs`;
		}
		const vo = v.outcome, bo = b.outcome;
		if (vo.trap || bo.trap) {
			if (!(vo.trap && bo.trap && kindsAgree(vo.trap, bo.trap))) return `call ${i}: ${show(vo)} / ${show(bo)}`;
		} else if (vo.results.length !== bo.results.length ||
			!g.results.every((t, j) => refsAgree(t, vo.results[j], bo.results[j]))) {
			return `call ${i}: results differ`;
		}
	}
	return null;
}

// ---------------------------------------------------------------------------

async function oneModule(a, n, profile, tmp) {
	const r = rng(a.seed * 1000003 + n);
	const size = 512 + Math.floor(r() * 16384);
	const input = Buffer.alloc(size);
	for (let i = 0; i < size; i++) input[i] = Math.floor(r() * 256);
	const dir = path.join(tmp, `m${n}`);
	fs.mkdirSync(dir, { recursive: true });
	const inFile = path.join(dir, "input.dat"), wasm = path.join(dir, "module.wasm");
	fs.writeFileSync(inFile, input);
	const P = PROFILES[profile];
	const gen = await run(WASM_OPT, ["-ttf", inFile, "-o", wasm, "--denan", ...P.ttf], 60000);
	const res = { profile, status: "", calls: 0, dir };
	if (gen.code !== 0) return { ...res, status: "generator-failed" };
	const wabt = await run(WASM_INTERP, ["--run-all-exports", "--dummy-import-func", ...P.wabt, wasm], 120000);
	const refs = { v8: null, wabt: parseWabt(wabt.stdout) };
	if (wabt.code !== 0 || wabt.timedOut || refs.wabt.error) {
		// Both references reject the module as invalid (binaryen 108 makes
		// such modules with reference types): wasmc must reject it too.
		const v8 = await run(process.execPath, [...P.node, path.join(HERE, "v8.mjs"), wasm], 120000);
		const ve = v8.code === 0 ? parseV8(v8.stdout).error : null;
		if (!(wabt.code === 1 && /error:/.test(wabt.stderr) && !/=>/.test(wabt.stdout) &&
			ve && /CompileError/.test(ve) && !/enable with/.test(ve)))
			return { ...res, status: "wabt-failed" };
		const fast = await run(a.run, ["--tier", "fast", wasm], 300000);
		const w = parseWasmc(fast.stdout);
		if (w.error && /^(malformed|invalid) module/.test(w.error)) return { ...res, status: "agreed-invalid" };
		return keepMismatch(a, n, profile, res, wasm, inFile, { fast, wabt, v8 },
			{ tier: "fast", text: `V8 and wabt reject the module (${ve}), wasmc ${w.error || "accepts it"}` }, 0);
	}
	const [fast, opt, v8] = await Promise.all([
		run(a.run, ["--tier", "fast", wasm], 300000),
		run(a.run, ["--tier", "optimized", wasm], 300000),
		run(process.execPath, [...P.node, path.join(HERE, "v8.mjs"), wasm], 120000),
	]);
	if (v8.code !== 0 || v8.timedOut) return { ...res, status: "v8-failed" };
	refs.v8 = parseV8(v8.stdout);
	if (refs.v8.error) return { ...res, status: "v8-failed" };
	const traces = { fast, opt, wabt, v8 };
	let diff = null, compared = Infinity;
	for (const [tier, p] of [["fast", fast], ["optimized", opt]]) {
		const w = parseWasmc(p.stdout);
		if (w.error && /unsupported feature/.test(w.error)) return { ...res, status: "unsupported" };
		if (p.code !== 0 || p.signal || p.timedOut || w.error) {
			diff = diff || { tier, text: `wasmc ${tier} ${p.timedOut ? "timed out" : p.signal ? `died of ${p.signal}` : `failed: ${w.error || p.stderr.trim()}`}` };
			compared = 0;
			continue;
		}
		const disagree = referencesAgree(refs, w);
		if (disagree) return { ...res, status: "references-disagree", why: disagree };
		const c = compare(w, refs);
		compared = Math.min(compared, c.compared);
		if (c.diff && !diff) diff = { tier, text: c.diff };
	}
	// the two tiers: the same trace, exactly (NaN bits aside: --denan)
	if (!diff && fast.stdout !== opt.stdout)
		diff = { tier: "optimized", text: "the fast and optimized tiers' traces differ" };
	if (diff) return keepMismatch(a, n, profile, res, wasm, inFile, traces, diff, compared);
	return { ...res, status: "compared", calls: compared };
}

// Keeps a mismatching module, its input and the traces, with a reproducer.
function keepMismatch(a, n, profile, res, wasm, inFile, traces, diff, compared) {
	const keep = path.join(a.out, `mismatch-${a.seed}-${n}`);
	fs.mkdirSync(keep, { recursive: true });
	fs.copyFileSync(wasm, path.join(keep, "module.wasm"));
	fs.copyFileSync(inFile, path.join(keep, "input.dat"));
	for (const [k, p] of Object.entries(traces)) fs.writeFileSync(path.join(keep, `${k}.trace`), p.stdout + p.stderr);
	const line = `${a.run} --tier ${diff.tier} ${path.join(keep, "module.wasm")}   # ${profile}: ${diff.text}`;
	fs.writeFileSync(path.join(keep, "repro.txt"), line + "\n");
	return { ...res, status: "mismatch", calls: compared === Infinity ? 0 : compared, repro: line };
}

async function main() {
	const a = parseArgs(process.argv.slice(2));
	fs.mkdirSync(a.out, { recursive: true });
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fuzz-diff-"));
	const deadline = Date.now() + a.seconds * 1000;
	const per = {};
	for (const p of a.profiles) per[p] = { modules: 0, calls: 0, mismatches: 0, skipped: {} };
	let next = 0;
	console.log(`fuzz-diff: seed ${a.seed}, ${a.seconds} s, profiles ${a.profiles.join(" ")}, ${a.jobs} jobs`);
	async function worker() {
		while (Date.now() < deadline) {
			const n = next++;
			const profile = a.profiles[n % a.profiles.length];
			const r = await oneModule(a, n, profile, tmp);
			fs.rmSync(r.dir, { recursive: true, force: true });
			const s = per[profile];
			if (r.status === "compared" || r.status === "mismatch") {
				s.modules++;
				s.calls += r.calls;
				if (r.status === "mismatch") {
					s.mismatches++;
					console.log(`MISMATCH ${r.repro}`);
				}
			} else {
				s.skipped[r.status] = (s.skipped[r.status] || 0) + 1;
			}
		}
	}
	await Promise.all(Array.from({ length: a.jobs }, worker));
	fs.rmSync(tmp, { recursive: true, force: true });
	let N = 0, M = 0, K = 0;
	for (const p of a.profiles) {
		const s = per[p];
		const sk = Object.entries(s.skipped).map(([k, v]) => `${v} ${k}`).join(", ");
		console.log(`${p}: ${s.modules} modules, ${s.calls} calls compared, ${s.mismatches} mismatches` +
			(sk ? ` (not counted: ${sk})` : ""));
		N += s.modules, M += s.calls, K += s.mismatches;
	}
	console.log(`${N} modules, ${M} calls compared, ${K} mismatches`);
	process.exit(K > 0 ? 1 : 0);
}

main().catch((e) => {
	console.error(e.stack || String(e));
	process.exit(2);
});
