// convert.mjs - the node half of the component conformance pipeline.
//
//   node tests/component/convert.mjs OUT_ROOT SUITE_ROOT WAST...
//
// Splits each component-model .wast script into its commands and writes
// OUT_ROOT/<name>/<stem>.json (a command list in the shape of wabt's
// wast2json, described in tests/component/README.md) plus one .wasm per
// component form, encoded with the pinned jco's `parse` (the wasm-tools
// text parser). <name> is the script's path relative to SUITE_ROOT without
// .wast, or ext/<absolute path without .wast> for a script elsewhere.
//
// A script is not converted again while OUT_ROOT/<name>/.converted is newer
// than the script, this file and package-lock.json. Prints one line per
// converted script; exit status 0 unless a script could not be read at all.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let jcoParse = null;
let jcoError = null;
try {
	({ parse: jcoParse } = await import("@bytecodealliance/jco"));
} catch (e) {
	jcoError = String(e && e.message ? e.message : e);
}

// ---------------------------------------------------------------------------
// Reading the script: tokens, then a tree of lists with source offsets.

class ScriptError extends Error {}

function tokenize(src) {
	const toks = [];
	let i = 0;
	let line = 1;
	const n = src.length;
	while (i < n) {
		const c = src[i];
		if (c === "\n") {
			line++;
			i++;
		} else if (c === " " || c === "\t" || c === "\r") {
			i++;
		} else if (c === ";" && src[i + 1] === ";") {
			while (i < n && src[i] !== "\n") i++;
		} else if (c === "(" && src[i + 1] === ";") {
			let depth = 0;
			do {
				if (src[i] === "(" && src[i + 1] === ";") {
					depth++;
					i += 2;
				} else if (src[i] === ";" && src[i + 1] === ")") {
					depth--;
					i += 2;
				} else {
					if (src[i] === "\n") line++;
					i++;
				}
			} while (depth > 0 && i < n);
			if (depth > 0) throw new ScriptError(`unterminated block comment (line ${line})`);
		} else if (c === "(" || c === ")") {
			toks.push({ kind: c, start: i, end: i + 1, line });
			i++;
		} else if (c === '"') {
			const start = i;
			i++;
			while (i < n && src[i] !== '"') {
				if (src[i] === "\\") i++;
				if (src[i] === "\n") line++;
				i++;
			}
			if (i >= n) throw new ScriptError(`unterminated string (line ${line})`);
			i++;
			toks.push({ kind: "str", start, end: i, line, raw: src.slice(start + 1, i - 1) });
		} else {
			const start = i;
			while (i < n && !" \t\r\n()\";".includes(src[i])) i++;
			toks.push({ kind: "atom", start, end: i, line, text: src.slice(start, i) });
		}
	}
	return toks;
}

function parseTree(toks) {
	const top = [];
	const stack = [];
	for (const t of toks) {
		if (t.kind === "(") {
			stack.push({ kind: "list", items: [], start: t.start, line: t.line });
		} else if (t.kind === ")") {
			const l = stack.pop();
			if (!l) throw new ScriptError(`unbalanced ')' (line ${t.line})`);
			l.end = t.end;
			(stack.length ? stack[stack.length - 1].items : top).push(l);
		} else {
			(stack.length ? stack[stack.length - 1].items : top).push(t);
		}
	}
	if (stack.length) throw new ScriptError(`unbalanced '(' (line ${stack[stack.length - 1].line})`);
	return top;
}

// The bytes of a string literal (the text format's escapes).
function stringBytes(raw) {
	const out = [];
	const enc = new TextEncoder();
	for (let i = 0; i < raw.length; i++) {
		const c = raw[i];
		if (c !== "\\") {
			const cp = raw.codePointAt(i);
			if (cp > 0xffff) i++;
			out.push(...enc.encode(String.fromCodePoint(cp)));
			continue;
		}
		const d = raw[++i];
		const simple = { n: 10, t: 9, r: 13, '"': 34, "'": 39, "\\": 92 };
		if (d in simple) {
			out.push(simple[d]);
		} else if (d === "u") {
			const m = /^\{([0-9a-fA-F_]+)\}/.exec(raw.slice(i + 1));
			if (!m) throw new ScriptError("invalid string escape");
			out.push(...enc.encode(String.fromCodePoint(parseInt(m[1].replace(/_/g, ""), 16))));
			i += m[0].length;
		} else if (/[0-9a-fA-F]/.test(d) && /[0-9a-fA-F]/.test(raw[i + 1] || "")) {
			out.push(parseInt(raw.slice(i, i + 2), 16));
			i++;
		} else {
			throw new ScriptError("invalid string escape");
		}
	}
	return Uint8Array.from(out);
}

function stringText(tok) {
	return new TextDecoder("utf-8", { fatal: true }).decode(stringBytes(tok.raw));
}

const isAtom = (x, text) => x && x.kind === "atom" && (text === undefined || x.text === text);
const isName = (x) => isAtom(x) && x.text.startsWith("$");
const isList = (x, head) => x && x.kind === "list" && (head === undefined || isAtom(x.items[0], head));

// ---------------------------------------------------------------------------
// Values: the script's constant forms as JSON trees (README.md).

function intText(type, lit) {
	const s = lit.replace(/_/g, "");
	const neg = s.startsWith("-");
	const body = s.replace(/^[+-]/, "");
	let v;
	if (/^0x[0-9a-fA-F]+$/.test(body)) v = BigInt(body);
	else if (/^[0-9]+$/.test(body)) v = BigInt(body);
	else throw new ScriptError(`bad ${type} literal ${lit}`);
	if (neg) v = -v;
	const bits = BigInt(type.slice(1));
	const signed = type[0] === "s";
	const lo = signed ? -(1n << (bits - 1n)) : 0n;
	const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
	// A negative literal for an unsigned type, or a hex pattern above the
	// signed range, wraps the way the text format does.
	if (v < lo || v > hi) {
		const mod = 1n << bits;
		v = ((v % mod) + mod) % mod;
		if (signed && v > hi) v -= mod;
		if (v < lo || v > hi) throw new ScriptError(`${type} literal out of range: ${lit}`);
	}
	return v.toString();
}

const INT_TYPES = new Set(["u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64"]);

// `items` is a value form's contents: [head atom, args...].
function valueOf(items) {
	const head = items[0];
	if (!isAtom(head)) throw new ScriptError("expected a value");
	const h = head.text;
	const args = items.slice(1);
	const one = () => {
		if (args.length !== 1) throw new ScriptError(`${h} takes one argument`);
		return args[0];
	};
	const sub = (x) => {
		if (!isList(x)) throw new ScriptError(`expected a value in ${h}`);
		return valueOf(x.items);
	};
	const dot = h.indexOf(".");
	const ty = dot > 0 ? h.slice(0, dot) : h;
	switch (h) {
	case "bool.const": {
		const a = one();
		if (!isAtom(a) || (a.text !== "true" && a.text !== "false")) throw new ScriptError("bad bool");
		return { type: "bool", value: a.text };
	}
	case "f32.const":
	case "f64.const": {
		const a = one();
		if (!isAtom(a)) throw new ScriptError(`bad ${h}`);
		return { type: ty, value: a.text };
	}
	case "char.const": {
		const a = one();
		if (a.kind !== "str") throw new ScriptError("bad char");
		const s = stringText(a);
		if ([...s].length !== 1) throw new ScriptError("char.const needs exactly one character");
		return { type: "char", value: s };
	}
	case "str.const": {
		const a = one();
		if (a.kind !== "str") throw new ScriptError("bad string");
		return { type: "string", value: stringText(a) };
	}
	case "list.const":
		return { type: "list", value: args.map(sub) };
	case "tuple.const":
		return { type: "tuple", value: args.map(sub) };
	case "record.const":
		return {
			type: "record",
			value: args.map((f) => {
				if (!isList(f, "field") || f.items.length < 3 || f.items[1].kind !== "str")
					throw new ScriptError("bad record field");
				const rest = f.items.slice(2);
				const v = rest.length === 1 && isList(rest[0]) ? sub(rest[0]) : valueOf(rest);
				return { name: stringText(f.items[1]), value: v };
			}),
		};
	case "variant.const": {
		if (!args.length || args[0].kind !== "str") throw new ScriptError("bad variant");
		const v = { type: "variant", case: stringText(args[0]) };
		if (args.length > 2) throw new ScriptError("variant takes at most one payload");
		if (args.length === 2) v.value = sub(args[1]);
		return v;
	}
	case "enum.const": {
		const a = one();
		if (a.kind !== "str") throw new ScriptError("bad enum");
		return { type: "enum", value: stringText(a) };
	}
	case "flags.const":
		return {
			type: "flags",
			value: args.map((a) => {
				if (a.kind !== "str") throw new ScriptError("bad flag");
				return stringText(a);
			}),
		};
	case "option.none":
		if (args.length) throw new ScriptError("option.none takes no argument");
		return { type: "option", value: null };
	case "option.some":
		return { type: "option", value: sub(one()) };
	case "result.ok":
	case "result.err": {
		const v = { type: "result", case: h === "result.ok" ? "ok" : "err" };
		if (args.length > 1) throw new ScriptError(`${h} takes at most one payload`);
		if (args.length === 1) v.value = sub(args[0]);
		return v;
	}
	default:
		if (h.endsWith(".const") && INT_TYPES.has(ty)) {
			const a = one();
			if (!isAtom(a)) throw new ScriptError(`bad ${h}`);
			return { type: ty, value: intText(ty, a.text) };
		}
		throw new ScriptError(`unknown value form ${h}`);
	}
}

// ---------------------------------------------------------------------------
// Commands.

class Converter {
	constructor(src, outDir, stem) {
		this.src = src;
		this.outDir = outDir;
		this.stem = stem;
		this.count = 0;
		this.jobs = [];
	}

	// A component form: writes the text (or the bytes, for binary forms)
	// and returns the fields of its command.
	component(node) {
		const it = node.items;
		if (!isAtom(it[0], "component")) throw new ScriptError("expected (component ...)");
		let k = 1;
		const out = {};
		if (isAtom(it[k], "definition")) {
			out.definition = true;
			k++;
		}
		if (isName(it[k])) {
			out.name = it[k].text;
			k++;
		}
		const base = `${this.stem}.${this.count++}`;
		if (isAtom(it[k], "binary") || isAtom(it[k], "quote")) {
			const kind = it[k].text;
			const strs = it.slice(k + 1);
			if (strs.some((s) => s.kind !== "str")) throw new ScriptError(`${kind} takes strings`);
			const parts = strs.map((s) => stringBytes(s.raw));
			const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
			let o = 0;
			for (const p of parts) {
				bytes.set(p, o);
				o += p.length;
			}
			if (kind === "binary") {
				fs.writeFileSync(path.join(this.outDir, base + ".wasm"), bytes);
				Object.assign(out, { filename: base + ".wasm", module_type: "binary" });
				return out;
			}
			const text = "(component " + Buffer.from(bytes).toString("latin1") + ")";
			fs.writeFileSync(path.join(this.outDir, base + ".wat"), Buffer.from(text, "latin1"));
			Object.assign(out, { filename: base + ".wat", module_type: "text", quote: true });
			return out;
		}
		// Text: the form as written, minus `definition` (not component text).
		const restStart = k < it.length ? it[k].start : node.end - 1;
		const text = "(component " + (out.name ? out.name + " " : "") +
			this.src.slice(restStart, node.end);
		fs.writeFileSync(path.join(this.outDir, base + ".wat"), text);
		Object.assign(out, { filename: base + ".wat", module_type: "text" });
		return out;
	}

	action(node) {
		if (!isList(node, "invoke")) throw new ScriptError("expected (invoke ...)");
		const it = node.items;
		let k = 1;
		const a = { type: "invoke" };
		if (isName(it[k])) a.module = it[k++].text;
		if (!it[k] || it[k].kind !== "str") throw new ScriptError("invoke needs an export name");
		a.field = stringText(it[k++]);
		a.args = it.slice(k).map((x) => {
			if (!isList(x)) throw new ScriptError("bad argument");
			return valueOf(x.items);
		});
		return a;
	}

	// The command with its component's fields; text is queued for jco.
	withComponent(cmd, node, extra) {
		Object.assign(cmd, this.component(node), extra || {});
		if (cmd.module_type === "text") this.jobs.push(cmd);
		return cmd;
	}

	command(node) {
		const line = node.line;
		if (!isList(node)) throw new ScriptError("expected a command");
		const head = isAtom(node.items[0]) ? node.items[0].text : "?";
		const it = node.items;
		const msgOf = (x) => {
			if (!x || x.kind !== "str") throw new ScriptError(`${head} needs a message`);
			return stringText(x);
		};
		try {
			switch (head) {
			case "component":
				if (isAtom(it[1], "instance")) {
					const c = { type: "module_instance", line };
					if (isName(it[2])) c.instance = it[2].text;
					if (isName(it[3])) c.module = it[3].text;
					return c;
				}
				return this.withComponent({ type: "module", line }, node);
			case "assert_invalid":
			case "assert_malformed":
			case "assert_unlinkable":
				return this.withComponent({ type: head, line }, it[1], { text: msgOf(it[2]) });
			case "assert_trap":
				if (isList(it[1], "component"))
					return this.withComponent({ type: "assert_uninstantiable", line }, it[1], { text: msgOf(it[2]) });
				return { type: head, line, action: this.action(it[1]), text: msgOf(it[2]) };
			case "assert_return":
				return {
					type: head,
					line,
					action: this.action(it[1]),
					expected: it.slice(2).map((x) => {
						if (!isList(x)) throw new ScriptError("bad result");
						return valueOf(x.items);
					}),
				};
			case "invoke":
				return { type: "action", line, action: this.action(node) };
			case "register": {
				const c = { type: "register", line, as: msgOf(it[1]) };
				if (isName(it[2])) c.name = it[2].text;
				return c;
			}
			default:
				return { type: head, line, skip_reason: `unsupported command ${head}` };
			}
		} catch (e) {
			if (!(e instanceof ScriptError)) throw e;
			return { type: head, line, skip_reason: `cannot convert: ${e.message}` };
		}
	}
}

function parserMessage(e) {
	const s = String(e && e.message !== undefined ? e.message : e);
	const kind = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(s);
	if (kind) return kind[1].replace(/\\(.)/g, "$1");
	return s.replace(/\s+/g, " ").slice(0, 500);
}

async function encode(cmd, dir) {
	const text = fs.readFileSync(path.join(dir, cmd.filename));
	if (!jcoParse) {
		cmd.skip_reason = `text converter unavailable (run npm ci): ${jcoError}`;
		return false;
	}
	let str;
	try {
		str = new TextDecoder("utf-8", { fatal: true }).decode(text);
	} catch {
		cmd.text_error = "malformed UTF-8 encoding";
		return false;
	}
	try {
		const bin = await jcoParse(str);
		const name = cmd.filename.replace(/\.wat$/, ".wasm");
		fs.writeFileSync(path.join(dir, name), bin);
		cmd.text_filename = cmd.filename;
		cmd.filename = name;
		cmd.module_type = "binary";
		return true;
	} catch (e) {
		cmd.text_error = parserMessage(e);
		return false;
	}
}

function writeJson(file, obj) {
	const tmp = file + ".tmp";
	const lines = obj.commands.map((c) => "  " + JSON.stringify(c));
	fs.writeFileSync(tmp, `{"source_filename": ${JSON.stringify(obj.source_filename)},\n "commands": [\n` +
		lines.join(",\n") + "\n]}\n");
	fs.renameSync(tmp, file);
}

async function convert(wast, outDir, rel) {
	const stem = path.basename(wast, ".wast");
	fs.rmSync(outDir, { recursive: true, force: true });
	fs.mkdirSync(outDir, { recursive: true });
	const src = fs.readFileSync(wast, "utf8");
	const conv = new Converter(src, outDir, stem);
	const commands = [];
	let tree;
	try {
		tree = parseTree(tokenize(src));
	} catch (e) {
		if (!(e instanceof ScriptError)) throw e;
		commands.push({ type: "script", line: 0, skip_reason: `cannot read the script: ${e.message}` });
		tree = [];
	}
	for (const node of tree) commands.push(conv.command(node));
	let encoded = 0;
	let rejected = 0;
	for (const c of conv.jobs) {
		if (await encode(c, outDir)) encoded++;
		else rejected++;
	}
	writeJson(path.join(outDir, stem + ".json"), { source_filename: rel, commands });
	fs.writeFileSync(path.join(outDir, ".converted"), "convert.mjs\n");
	console.log(`component-spec: converted ${rel}: ${commands.length} commands, ` +
		`${encoded} text components encoded, ${rejected} rejected by the text parser`);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const deps = [fileURLToPath(import.meta.url), path.join(here, "../../package-lock.json")];

function fresh(wast, outDir, stem) {
	const stamp = path.join(outDir, ".converted");
	if (!fs.existsSync(stamp) || !fs.existsSync(path.join(outDir, stem + ".json"))) return false;
	const t = fs.statSync(stamp).mtimeMs;
	return [wast, ...deps].every((d) => !fs.existsSync(d) || fs.statSync(d).mtimeMs < t);
}

async function main() {
	const [outRoot, suiteRoot, ...files] = process.argv.slice(2);
	if (!outRoot || !suiteRoot) {
		console.error("usage: convert.mjs OUT_ROOT SUITE_ROOT WAST...");
		process.exit(2);
	}
	if (!jcoParse) console.log(`component-spec: warning: jco not loadable (${jcoError}); run npm ci`);
	const suite = fs.realpathSync(suiteRoot);
	let status = 0;
	for (const f of files) {
		const abs = fs.realpathSync(f);
		const inSuite = abs.startsWith(suite + path.sep);
		const rel = inSuite ? path.relative(suite, abs) : "ext" + abs;
		const outDir = path.join(outRoot, rel.replace(/\.wast$/, ""));
		const stem = path.basename(abs, ".wast");
		if (fresh(abs, outDir, stem)) continue;
		try {
			await convert(abs, outDir, inSuite ? rel : abs);
		} catch (e) {
			console.error(`component-spec: ${rel}: ${e && e.stack ? e.stack : e}`);
			status = 1;
		}
	}
	process.exit(status);
}

await main();
