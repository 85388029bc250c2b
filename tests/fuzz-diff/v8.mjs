// v8.mjs - V8's side of the differential fuzzer: runs one module the way
// wabt's `wasm-interp --run-all-exports --dummy-import-func` does and prints
// its trace as JSON lines (driver.mjs reads them): after each call, the
// SHA-256 of the memory exported as "memory".
//
//   node [--experimental-wasm-memory64] v8.mjs FILE.wasm
//
// Every imported function records its call and returns nothing (zero);
// every exported function of no parameters is called in export order.
// Numbers are printed as the bits of the JS double (exact), BigInts in
// decimal. A function JavaScript cannot call (a v128 in its signature)
// ends the run ({"stop": "v128"}): wabt and wasmc ran it, V8 cannot, so
// V8's state differs from there on.
import crypto from "node:crypto";
import fs from "node:fs";

const out = [];
const emit = (o) => out.push(JSON.stringify(o));

function enc(v) {
	if (typeof v === "bigint") return { i: v.toString() };
	if (typeof v === "number") {
		const b = new DataView(new ArrayBuffer(8));
		b.setFloat64(0, v);
		return { n: b.getBigUint64(0).toString(16).padStart(16, "0") };
	}
	if (v === null) return { ref: "null" };
	if (v === undefined) return { undef: true };
	return { ref: "nonnull" };
}

let mod, inst;
try {
	mod = new WebAssembly.Module(fs.readFileSync(process.argv[2]));
	const imports = {};
	for (const im of WebAssembly.Module.imports(mod)) {
		if (im.kind !== "function") throw new Error(`import ${im.module}.${im.name} is a ${im.kind}`);
		(imports[im.module] ??= {})[im.name] = (...args) => {
			emit({ import: `${im.module}.${im.name}`, args: args.map(enc) });
		};
	}
	inst = new WebAssembly.Instance(mod, imports);
} catch (e) {
	emit({ error: `${e.constructor.name}: ${e.message}` });
	process.stdout.write(out.join("\n") + "\n");
	process.exit(0);
}

for (const ex of WebAssembly.Module.exports(mod)) {
	if (ex.kind !== "function") continue;
	const f = inst.exports[ex.name];
	if (f.length !== 0) continue;
	emit({ call: ex.name });
	try {
		const r = f();
		emit({ result: r === undefined ? [] : Array.isArray(r) ? r.map(enc) : [enc(r)] });
	} catch (e) {
		if (e instanceof TypeError && /type incompatib|v128|BigInt/i.test(e.message)) {
			emit({ stop: `TypeError: ${e.message}` });
			break;
		}
		emit({ trap: `${e.constructor.name}: ${e.message}` });
	}
	const mem = inst.exports.memory;
	if (mem instanceof WebAssembly.Memory)
		emit({ memory: crypto.createHash("sha256").update(new Uint8Array(mem.buffer)).digest("hex") });
}
process.stdout.write(out.join("\n") + "\n");
