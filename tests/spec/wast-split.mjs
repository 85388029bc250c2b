// wast-split.mjs - the node half of the spec conformance pipeline.
//
//   node tests/spec/wast-split.mjs JOBS_FILE
//
// JOBS_FILE has one job a line, tab-separated:
//
//   split <TAB> WAST <TAB> OUTDIR <TAB> REL
//       Split the script WAST ourselves (tokenizer + command reader below) and
//       write OUTDIR/<stem>.json and its module files, in wast2json's shape.
//   post  <TAB> WAST <TAB> OUTDIR <TAB> REL
//       OUTDIR/<stem>.json was just written by wast2json: repair the JSON it
//       sometimes gets wrong, then treat its text modules as below. When the
//       JSON cannot be repaired, fall back to `split`.
//
// REL is the script's path relative to the test suite folder
// (core/address.wast); it becomes "source_filename" so the runner knows
// which file (and so which feature set) a JSON file belongs to.
//
// Text modules: every module that is still text after splitting (the
// `(module quote ...)` forms, and any module the splitter could not encode)
// is handed to jco's `parse` (the wasm-tools text parser). On success the
// binary is written next to it, "filename" names the binary,
// "module_type" becomes "binary" and "text_filename" keeps the text. On
// failure "module_type" stays "text" and "text_error" holds the parser's
// message. The C runner therefore reads binary modules only.
//
// After each job OUTDIR/.converted is written (its content names the
// converter); run.sh uses it to decide whether a script must be converted
// again.
//
// JSON shape: wast2json's (wabt 1.0.32). Integers are unsigned decimal
// strings, floats the unsigned decimal of their bit pattern or
// "nan:canonical" / "nan:arithmetic", v128 is {"type":"v128","lane_type":T,
// "value":[lane strings]}, module and thread names keep their `$`.
// Additions for what wast2json has no spelling for (the names follow
// `wasm-tools json-from-wast` where it has one):
//   {"type":"module", ..., "definition":true}  (module definition ...):
//        decode and validate, do not instantiate.
//   {"type":"module_instance","line","instance":"$I"?,"module":"$M"?}
//        (no "module": the latest module definition)
//   {"type":"thread","line","name":"$T","shared_module":"$M"?,"commands":[...]}
//   {"type":"wait","line","thread":"$T"}
//   {"type":"assert_exception","line","action":{...}}
//   {"type":"assert_malformed_custom"/"assert_invalid_custom", like
//        assert_malformed/assert_invalid}
//   "text_filename", "text_error" on module-carrying commands (see above);
//   "skip_reason" on a command this converter could not convert (the command
//        keeps its own "type" and "line").
// Reference values (arguments and results):
//   (ref.null HT)     {"type": X, "value": "null"} with X = "funcref",
//                     "externref", "anyref", "eqref", "i31ref", "structref",
//                     "arrayref", "exnref", "contref", "nullref" (none),
//                     "nullfuncref" (nofunc), "nullexternref" (noextern),
//                     "nullexnref" (noexn), "nullcontref" (nocont).
//                     (wasm-tools writes the abstract bottom types and eq/
//                     struct/array/i31 without "value", which would make
//                     (ref.null eq) and (ref.eq) the same; every null here
//                     carries "value":"null".) A (ref.null $t) with a
//                     concrete type writes {"type":"refnull","heap_type":"$t"}.
//   (ref.null)        {"type": "refnull"}  (any null reference)
//   (ref.extern N)    {"type": "externref", "value": "N"}
//   (ref.host N)      {"type": "anyref", "value": "N"}
//   (ref.func N)      {"type": "funcref", "value": "N"}
//   (ref.extern) (ref.func) (ref.any) (ref.eq) (ref.struct) (ref.array)
//   (ref.i31) (ref.exn) (ref.i31_shared)
//                     {"type": "externref" | "funcref" | "anyref" | "eqref" |
//                      "structref" | "arrayref" | "i31ref" | "exnref" |
//                      "i31refshared"}  (any non-null reference of that type)
//   (either R...)     {"type": "either", "values": [R...]}

import fs from "node:fs";
import path from "node:path";

let jcoParse = null;
let jcoLoadError = null;
try {
	({ parse: jcoParse } = await import("@bytecodealliance/jco"));
} catch (e) {
	jcoLoadError = String(e && e.message ? e.message : e);
}

// ---------------------------------------------------------------------------
// Tokenizer and tree reader for the S-expression syntax of .wast scripts.

class SyntaxError_ extends Error {}

function isSpace(c) {
	return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

// Whether src[j] ends an atom (a keyword, number, id or reserved token): a
// space, a parenthesis, a string, or a `;;` line comment. A lone `;` is a
// reserved character, as are `,` `[` `]` `{` `}`.
function endsAtom(src, j) {
	const c = src.charCodeAt(j);
	return isSpace(c) || c === 0x28 /* ( */ || c === 0x29 /* ) */ ||
		c === 0x22 /* " */ || (c === 0x3b && src.charCodeAt(j + 1) === 0x3b);
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Reads the string literal starting at src[i] == '"'. Returns its bytes and
// the index just past the closing quote.
function readString(src, i) {
	const bytes = [];
	let j = i + 1;
	for (;;) {
		if (j >= src.length) throw new SyntaxError_("unclosed string");
		const ch = src[j];
		if (ch === '"') break;
		if (ch === "\n") throw new SyntaxError_("newline in string");
		if (ch !== "\\") {
			const cp = src.codePointAt(j);
			const s = String.fromCodePoint(cp);
			for (const b of utf8.encode(s)) bytes.push(b);
			j += s.length;
			continue;
		}
		const e = src[j + 1];
		j += 2;
		switch (e) {
		case "n": bytes.push(0x0a); break;
		case "t": bytes.push(0x09); break;
		case "r": bytes.push(0x0d); break;
		case "\\": bytes.push(0x5c); break;
		case "'": bytes.push(0x27); break;
		case '"': bytes.push(0x22); break;
		case "u": {
			const m = /^\{([0-9a-fA-F_]+)\}/.exec(src.slice(j, j + 16));
			if (!m) throw new SyntaxError_("bad \\u escape");
			const cp = parseInt(m[1].replace(/_/g, ""), 16);
			if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
				throw new SyntaxError_("bad \\u escape");
			for (const b of utf8.encode(String.fromCodePoint(cp))) bytes.push(b);
			j += m[0].length;
			break;
		}
		default: {
			const h = src.slice(j - 1, j + 1);
			if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new SyntaxError_("bad escape");
			bytes.push(parseInt(h, 16));
			j += 1;
		}
		}
	}
	return { bytes: Uint8Array.from(bytes), end: j + 1 };
}

// Parses the whole script into a list of top-level nodes:
//   {kind:"list", items, start, end}   items excludes annotations
//   {kind:"atom", text, start, end}    text of an id `$"x"` is `$x` when x
//                                      is plain, else kept raw
//   {kind:"str", bytes, start, end}
// Annotations `(@name ...)` and comments are dropped (module text is taken
// from the source itself, so nothing inside modules is lost).
function readScript(src) {
	const stack = [{ kind: "list", items: [], start: 0 }];
	let annotDepth = 0; // > 0 while inside an annotation
	let i = 0;
	const n = src.length;
	while (i < n) {
		const c = src.charCodeAt(i);
		if (isSpace(c)) { i++; continue; }
		if (c === 0x3b /* ; */ && src.charCodeAt(i + 1) === 0x3b) {
			const nl = src.indexOf("\n", i);
			i = nl < 0 ? n : nl + 1;
			continue;
		}
		if (c === 0x28 /* ( */ && src.charCodeAt(i + 1) === 0x3b /* ; */) {
			let depth = 1;
			let j = i + 2;
			while (depth > 0) {
				if (j >= n) throw new SyntaxError_("unclosed block comment");
				if (src.startsWith("(;", j)) { depth++; j += 2; }
				else if (src.startsWith(";)", j)) { depth--; j += 2; }
				else j++;
			}
			i = j;
			continue;
		}
		if (c === 0x28 /* ( */) {
			const annot = src.charCodeAt(i + 1) === 0x40 /* @ */;
			if (annot || annotDepth > 0) annotDepth++;
			stack.push({ kind: "list", items: [], start: i, annot: annotDepth > 0 });
			i++;
			continue;
		}
		if (c === 0x29 /* ) */) {
			if (stack.length === 1) throw new SyntaxError_(`unexpected ) at ${lineOf(src, i)}`);
			const node = stack.pop();
			node.end = i + 1;
			if (annotDepth > 0) annotDepth--;
			if (!node.annot) stack[stack.length - 1].items.push(node);
			i++;
			continue;
		}
		if (c === 0x22 /* " */) {
			const { bytes, end } = readString(src, i);
			stack[stack.length - 1].items.push({ kind: "str", bytes, start: i, end });
			i = end;
			continue;
		}
		// An atom; `$"..."` is a quoted identifier.
		if (c === 0x24 /* $ */ && src.charCodeAt(i + 1) === 0x22) {
			const { bytes, end } = readString(src, i + 1);
			let text;
			try {
				const s = strictUtf8.decode(bytes);
				text = /^[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+$/.test(s) ? "$" + s : src.slice(i, end);
			} catch {
				text = src.slice(i, end);
			}
			stack[stack.length - 1].items.push({ kind: "atom", text, start: i, end });
			i = end;
			continue;
		}
		let j = i;
		while (j < n && !endsAtom(src, j)) j++;
		stack[stack.length - 1].items.push({ kind: "atom", text: src.slice(i, j), start: i, end: j });
		i = j;
	}
	if (stack.length !== 1) throw new SyntaxError_("unclosed (");
	return stack[0].items;
}

function lineOf(src, off) {
	let line = 1;
	for (let k = src.indexOf("\n"); k >= 0 && k < off; k = src.indexOf("\n", k + 1)) line++;
	return line;
}

// Line numbers by binary search over line starts.
function makeLineTable(src) {
	const starts = [0];
	for (let k = src.indexOf("\n"); k >= 0; k = src.indexOf("\n", k + 1)) starts.push(k + 1);
	return (off) => {
		let lo = 0, hi = starts.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (starts[mid] <= off) lo = mid; else hi = mid - 1;
		}
		return lo + 1;
	};
}

// ---------------------------------------------------------------------------
// Numbers.

class ConvertError extends Error {}

function parseIntLit(text, bits) {
	const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(text);
	if (!m) throw new ConvertError(`bad integer ${text}`);
	let v = BigInt(m[2].replace(/_/g, ""));
	if (m[1] === "-") v = -v;
	const mod = 1n << BigInt(bits);
	if (v >= mod || v < -(mod >> 1n)) throw new ConvertError(`integer out of range ${text}`);
	return ((v % mod) + mod) % mod;
}

const FMT = {
	32: { mbits: 23n, ebits: 8n, total: 32n },
	64: { mbits: 52n, ebits: 11n, total: 64n },
};

function bitLength(x) {
	return x === 0n ? 0 : x.toString(2).length;
}

// Rounds the exact value num/den (num, den > 0) to the nearest float of the
// format, ties to even. Returns the bits without the sign.
function roundToFloat(num, den, f) {
	const bias = (1n << (f.ebits - 1n)) - 1n;
	const emin = 1n - bias;
	let e = BigInt(bitLength(num) - bitLength(den));
	const below = e >= 0n ? num < (den << e) : (num << -e) < den;
	if (below) e -= 1n;
	if (e < emin) e = emin;
	const q = e - f.mbits; // weight of the last mantissa bit
	let nn = num, dd = den;
	if (q <= 0n) nn <<= -q; else dd <<= q;
	let mant = nn / dd;
	const rem2 = (nn % dd) * 2n;
	if (rem2 > dd || (rem2 === dd && (mant & 1n))) mant += 1n;
	if (mant === (1n << (f.mbits + 1n))) { mant >>= 1n; e += 1n; }
	const maxBiased = (1n << f.ebits) - 1n;
	if (mant < (1n << f.mbits)) return mant; // subnormal (or zero)
	const biased = e + bias;
	if (biased >= maxBiased) throw new ConvertError("constant out of range");
	return (biased << f.mbits) | (mant & ((1n << f.mbits) - 1n));
}

// Float literal -> bit pattern as a BigInt, or the strings "nan:canonical" /
// "nan:arithmetic" when `patterns` allows them.
function parseFloatLit(text, bits, patterns) {
	const f = FMT[bits];
	if (patterns && (text === "nan:canonical" || text === "nan:arithmetic")) return text;
	let sign = 0n;
	let t = text;
	if (t[0] === "+" || t[0] === "-") { sign = t[0] === "-" ? 1n : 0n; t = t.slice(1); }
	const signBit = sign << (f.total - 1n);
	const expAll = ((1n << f.ebits) - 1n) << f.mbits;
	if (t === "inf") return signBit | expAll;
	if (t === "nan") return signBit | expAll | (1n << (f.mbits - 1n));
	let m = /^nan:0x([0-9a-fA-F](?:_?[0-9a-fA-F])*)$/.exec(t);
	if (m) {
		const payload = BigInt("0x" + m[1].replace(/_/g, ""));
		if (payload === 0n || payload >= (1n << f.mbits)) throw new ConvertError(`bad nan payload ${text}`);
		return signBit | expAll | payload;
	}
	const hd = "[0-9a-fA-F](?:_?[0-9a-fA-F])*";
	const dd = "[0-9](?:_?[0-9])*";
	m = new RegExp(`^0x(${hd})(?:\\.(${hd})?)?(?:[pP]([+-]?${dd}))?$`).exec(t);
	let num, den;
	if (m) {
		const ip = m[1].replace(/_/g, "");
		const fp = (m[2] || "").replace(/_/g, "");
		let exp = BigInt((m[3] || "0").replace(/_/g, "")) - 4n * BigInt(fp.length);
		num = BigInt("0x" + ip + fp);
		den = 1n;
		if (exp >= 0n) num <<= exp; else den <<= -exp;
	} else {
		m = new RegExp(`^(${dd})(?:\\.(${dd})?)?(?:[eE]([+-]?${dd}))?$`).exec(t);
		if (!m) throw new ConvertError(`bad float ${text}`);
		const ip = m[1].replace(/_/g, "");
		const fp = (m[2] || "").replace(/_/g, "");
		const exp = BigInt((m[3] || "0").replace(/_/g, "")) - BigInt(fp.length);
		num = BigInt(ip + fp);
		den = 1n;
		if (exp >= 0n) num *= 10n ** exp; else den = 10n ** -exp;
	}
	if (num === 0n) return signBit;
	return signBit | roundToFloat(num, den, f);
}

// ---------------------------------------------------------------------------
// Values (arguments and expected results).

const NULL_TYPES = {
	func: "funcref", extern: "externref", any: "anyref", eq: "eqref",
	i31: "i31ref", struct: "structref", array: "arrayref", exn: "exnref",
	cont: "contref", none: "nullref", nofunc: "nullfuncref",
	noextern: "nullexternref", noexn: "nullexnref", nocont: "nullcontref",
};
const NONNULL_TYPES = {
	"ref.extern": "externref", "ref.func": "funcref", "ref.any": "anyref",
	"ref.eq": "eqref", "ref.struct": "structref", "ref.array": "arrayref",
	"ref.i31": "i31ref", "ref.exn": "exnref", "ref.i31_shared": "i31refshared",
};
const LANES = {
	i8x16: ["i8", 16, 8], i16x8: ["i16", 8, 16], i32x4: ["i32", 4, 32],
	i64x2: ["i64", 2, 64], f32x4: ["f32", 4, 32], f64x2: ["f64", 2, 64],
};

function atomText(node) {
	if (!node || node.kind !== "atom") throw new ConvertError("expected an atom");
	return node.text;
}

function value(node, isResult) {
	if (node.kind !== "list" || node.items.length === 0 || node.items[0].kind !== "atom")
		throw new ConvertError("expected a value");
	const head = node.items[0].text;
	const args = node.items.slice(1);
	const one = () => {
		if (args.length !== 1) throw new ConvertError(`${head}: expected one operand`);
		return atomText(args[0]);
	};
	switch (head) {
	case "i32.const": return { type: "i32", value: parseIntLit(one(), 32).toString() };
	case "i64.const": return { type: "i64", value: parseIntLit(one(), 64).toString() };
	case "f32.const": return { type: "f32", value: parseFloatLit(one(), 32, isResult).toString() };
	case "f64.const": return { type: "f64", value: parseFloatLit(one(), 64, isResult).toString() };
	case "v128.const": {
		const shape = LANES[atomText(args[0])];
		if (!shape) throw new ConvertError(`v128.const: bad shape`);
		const [lane, count, bits] = shape;
		const lanes = args.slice(1).map(atomText);
		if (lanes.length !== count) throw new ConvertError(`v128.const: expected ${count} lanes`);
		const vals = lanes.map((l) => lane[0] === "f"
			? parseFloatLit(l, bits, isResult).toString()
			: parseIntLit(l, bits).toString());
		return { type: "v128", lane_type: lane, value: vals };
	}
	case "ref.null": {
		if (args.length === 0) {
			if (!isResult) throw new ConvertError("ref.null without a heap type");
			return { type: "refnull" };
		}
		const ht = args.length === 1 && args[0].kind === "atom" ? args[0].text : null;
		if (ht !== null && NULL_TYPES[ht]) return { type: NULL_TYPES[ht], value: "null" };
		if (ht !== null && (ht[0] === "$" || /^[0-9]+$/.test(ht)))
			return { type: "refnull", heap_type: ht };
		throw new ConvertError(`ref.null: unsupported heap type`);
	}
	case "ref.host":
		return { type: "anyref", value: parseIntLit(one(), 32).toString() };
	case "either":
		if (!isResult) throw new ConvertError("either as an argument");
		return { type: "either", values: args.map((a) => value(a, true)) };
	default:
		if (NONNULL_TYPES[head]) {
			if (args.length === 0) {
				if (!isResult) throw new ConvertError(`${head} without a value as an argument`);
				return { type: NONNULL_TYPES[head] };
			}
			if ((head === "ref.extern" || head === "ref.func") && args.length === 1)
				return { type: NONNULL_TYPES[head], value: parseIntLit(one(), 32).toString() };
		}
		throw new ConvertError(`unsupported value ${head}`);
	}
}

// ---------------------------------------------------------------------------
// Commands.

function decodeName(node) {
	if (!node || node.kind !== "str") throw new ConvertError("expected a string");
	try {
		return strictUtf8.decode(node.bytes);
	} catch {
		throw new ConvertError("name is not UTF-8");
	}
}

function concatStrings(nodes) {
	let len = 0;
	for (const s of nodes) {
		if (s.kind !== "str") throw new ConvertError("expected strings");
		len += s.bytes.length;
	}
	const out = new Uint8Array(len);
	let o = 0;
	for (const s of nodes) { out.set(s.bytes, o); o += s.bytes.length; }
	return out;
}

class Splitter {
	constructor(src, outDir, stem) {
		this.src = src;
		this.outDir = outDir;
		this.stem = stem;
		this.fileNo = 0;
		this.line = makeLineTable(src);
		this.textJobs = []; // commands whose module is text, for encodeTexts
	}

	newFile(ext, bytes) {
		const name = `${this.stem}.${this.fileNo++}.${ext}`;
		fs.writeFileSync(path.join(this.outDir, name), bytes);
		return name;
	}

	// Reads a module form; returns the fields to merge into the command.
	// `forAssert` lets `(module quote ...)` stay text for the later pass.
	module(node) {
		const items = node.items;
		if (items.length === 0 || items[0].kind !== "atom" || items[0].text !== "module")
			throw new ConvertError("expected a module");
		let k = 1;
		const out = {};
		let defTok = null;
		if (items[k] && items[k].kind === "atom" && items[k].text === "definition") {
			defTok = items[k];
			out.definition = true;
			k++;
		}
		if (items[k] && items[k].kind === "atom" && items[k].text[0] === "$") {
			out.name = items[k].text;
			k++;
		}
		const kind = items[k] && items[k].kind === "atom" ? items[k].text : null;
		if (kind === "binary") {
			const bytes = concatStrings(items.slice(k + 1));
			out.filename = this.newFile("wasm", bytes);
			out.module_type = "binary";
			return out;
		}
		if (kind === "quote") {
			const bytes = concatStrings(items.slice(k + 1));
			out.filename = this.newFile("wat", bytes);
			out.module_type = "text";
			return out;
		}
		// A text module: hand its own source text to the text parser.
		let text;
		if (node.inline) text = this.src;
		else if (defTok) text = "(module" + this.src.slice(defTok.end, node.end);
		else text = this.src.slice(node.start, node.end);
		out.filename = this.newFile("wat", utf8.encode(text));
		out.module_type = "text";
		return out;
	}

	action(node) {
		if (node.kind !== "list" || node.items.length < 2 || node.items[0].kind !== "atom")
			throw new ConvertError("expected an action");
		const head = node.items[0].text;
		let k = 1;
		const act = { type: head };
		if (head !== "invoke" && head !== "get") throw new ConvertError(`unsupported action ${head}`);
		if (node.items[k].kind === "atom" && node.items[k].text[0] === "$") {
			act.module = node.items[k].text;
			k++;
		}
		act.field = decodeName(node.items[k++]);
		if (head === "invoke") act.args = node.items.slice(k).map((a) => value(a, false));
		else if (k !== node.items.length) throw new ConvertError("get: extra operands");
		return act;
	}

	isModule(node) {
		return node && node.kind === "list" && node.items[0] &&
			node.items[0].kind === "atom" && node.items[0].text === "module";
	}

	message(node) {
		return decodeName(node);
	}

	command(node) {
		if (node.kind !== "list" || !node.items[0] || node.items[0].kind !== "atom")
			return { type: "unknown", line: this.line(node.start), skip_reason: "not a command" };
		const head = node.items[0].text;
		const line = this.line(node.start);
		const it = node.items;
		try {
			switch (head) {
			case "module": {
				if (it[1] && it[1].kind === "atom" && it[1].text === "instance") {
					const cmd = { type: "module_instance", line };
					const ids = it.slice(2).map(atomText);
					if (ids.length > 2 || ids.some((s) => s[0] !== "$"))
						throw new ConvertError("module instance: expected $instance? $module?");
					// (module instance $I? $M?): a single id names the
					// instance; without $M, the latest definition is meant.
					if (ids.length >= 1) cmd.instance = ids[0];
					if (ids.length === 2) cmd.module = ids[1];
					return cmd;
				}
				return this.withModule({ type: "module", line }, node);
			}
			case "register": {
				const cmd = { type: "register", line };
				cmd.as = decodeName(it[1]);
				if (it[2]) cmd.name = atomText(it[2]);
				return cmd;
			}
			case "invoke":
			case "get":
				return { type: "action", line, action: this.action(node) };
			case "assert_return": {
				const cmd = { type: "assert_return", line: this.line(it[1].start) };
				cmd.action = this.action(it[1]);
				cmd.expected = it.slice(2).map((r) => value(r, true));
				return cmd;
			}
			case "assert_trap":
				if (this.isModule(it[1])) {
					const cmd = { type: "assert_uninstantiable", line: this.line(it[1].start) };
					this.withModule(cmd, it[1]);
					cmd.text = this.message(it[2]);
					return cmd;
				}
			// fall through
			case "assert_exhaustion":
				return { type: head, line: this.line(it[1].start), action: this.action(it[1]), text: this.message(it[2]) };
			case "assert_exception":
				return { type: head, line: this.line(it[1].start), action: this.action(it[1]) };
			case "assert_malformed":
			case "assert_invalid":
			case "assert_unlinkable":
			case "assert_uninstantiable":
			case "assert_malformed_custom":
			case "assert_invalid_custom": {
				const cmd = { type: head, line: this.line(it[1].start) };
				this.withModule(cmd, it[1]);
				cmd.text = this.message(it[2]);
				return cmd;
			}
			case "thread": {
				const cmd = { type: "thread", line, name: atomText(it[1]) };
				let k = 2;
				for (; it[k] && it[k].kind === "list" && it[k].items[0] &&
				       it[k].items[0].kind === "atom" && it[k].items[0].text === "shared"; k++) {
					const inner = it[k].items[1];
					if (!inner || inner.kind !== "list" || atomText(inner.items[0]) !== "module")
						throw new ConvertError("thread: bad shared form");
					const id = atomText(inner.items[1]);
					if (cmd.shared_module !== undefined)
						throw new ConvertError("thread: more than one shared module");
					cmd.shared_module = id;
				}
				cmd.commands = it.slice(k).map((c) => this.command(c));
				return cmd;
			}
			case "wait":
				return { type: "wait", line, thread: atomText(it[1]) };
			default:
				return { type: head, line, skip_reason: `unsupported command ${head}` };
			}
		} catch (e) {
			if (!(e instanceof ConvertError)) throw e;
			return { type: head, line, skip_reason: `cannot convert: ${e.message}` };
		}
	}

	withModule(cmd, node) {
		Object.assign(cmd, this.module(node));
		if (cmd.module_type === "text") this.textJobs.push(cmd);
		return cmd;
	}
}

// ---------------------------------------------------------------------------
// Text modules -> binary with jco.

function parserMessage(e) {
	const s = String(e && e.message !== undefined ? e.message : e);
	// jco surfaces the Rust Debug form of wast::Error; keep its message and
	// position when they can be found.
	const kind = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(s);
	const lc = /line: (\d+), col: (\d+)/.exec(s);
	if (kind) {
		let msg = kind[1].replace(/\\(.)/g, "$1");
		if (lc) msg += ` (text line ${Number(lc[1]) + 1}, column ${Number(lc[2]) + 1})`;
		return msg;
	}
	return s.replace(/\s+/g, " ").slice(0, 500);
}

async function encodeText(cmd, dir, stats) {
	if (cmd.module_type !== "text") return;
	const watName = cmd.filename;
	const bytes = fs.readFileSync(path.join(dir, watName));
	let text;
	try {
		text = strictUtf8.decode(bytes);
	} catch {
		cmd.text_error = "malformed UTF-8 encoding";
		stats.rejected++;
		return;
	}
	if (!jcoParse) {
		cmd.skip_reason = `text converter unavailable (run npm ci): ${jcoLoadError}`;
		stats.unavailable++;
		return;
	}
	try {
		const bin = await jcoParse(text);
		const binName = watName.replace(/\.wat$/, ".wasm");
		fs.writeFileSync(path.join(dir, binName), bin);
		cmd.text_filename = watName;
		cmd.filename = binName;
		cmd.module_type = "binary";
		stats.encoded++;
	} catch (e) {
		cmd.text_error = parserMessage(e);
		stats.rejected++;
	}
}

function* walk(cmds) {
	for (const c of cmds) {
		yield c;
		if (Array.isArray(c.commands)) yield* walk(c.commands);
	}
}

// ---------------------------------------------------------------------------
// Jobs.

function writeJson(file, obj) {
	const lines = obj.commands.map((c) => "  " + JSON.stringify(c));
	const head = `{"source_filename": ${JSON.stringify(obj.source_filename)},\n` +
		` "converter": ${JSON.stringify(obj.converter)},\n "commands": [\n`;
	const tmp = file + ".tmp";
	fs.writeFileSync(tmp, head + lines.join(",\n") + "\n]}\n");
	fs.renameSync(tmp, file);
}

function cleanDir(dir) {
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(dir, { recursive: true });
}

const MODULE_FIELDS = new Set(["type", "rec", "import", "func", "table", "memory",
	"global", "export", "start", "elem", "data", "tag"]);
function isModuleField(node) {
	return node.kind === "list" && node.items[0] && node.items[0].kind === "atom" &&
		MODULE_FIELDS.has(node.items[0].text);
}

function split(wast, outDir, rel, stem) {
	cleanDir(outDir);
	const src = fs.readFileSync(wast, "utf8");
	const sp = new Splitter(src, outDir, stem);
	let commands;
	try {
		const nodes = readScript(src);
		if (nodes.length > 0 && isModuleField(nodes[0])) {
			// A script of module fields only abbreviates one module.
			commands = [sp.withModule({ type: "module", line: sp.line(nodes[0].start) },
				{ kind: "list", items: [{ kind: "atom", text: "module" }], start: 0, end: src.length, inline: true })];
		} else {
			commands = nodes.map((n) => sp.command(n));
		}
	} catch (e) {
		if (!(e instanceof SyntaxError_)) throw e;
		commands = [{ type: "script", line: 1, skip_reason: `cannot read script: ${e.message}` }];
	}
	return { source_filename: rel, converter: "wast-split", commands };
}

// wabt 1.0.32 writes `"expected": [{"type": "i32"}{"type": "i64"}]` (no
// commas) for assert_trap/assert_exhaustion/action with several results,
// and an assert_return whose result is `(either ...)` as
// `"either": [alternatives]` instead of `"expected"`.
function repairWabtJson(text) {
	let obj;
	try {
		obj = JSON.parse(text);
	} catch {
		obj = JSON.parse(text.replace(/\}\{"type"/g, '}, {"type"'));
	}
	for (const c of walk(obj.commands)) {
		if (c.either === undefined) continue;
		if (c.expected !== undefined) throw new Error(`line ${c.line}: either among several results`);
		c.expected = [{ type: "either", values: c.either }];
		delete c.either;
	}
	return obj;
}

async function runJob(mode, wast, outDir, rel, stats) {
	const stem = path.basename(wast, ".wast");
	const jsonFile = path.join(outDir, stem + ".json");
	let obj = null;
	if (mode === "post") {
		try {
			obj = repairWabtJson(fs.readFileSync(jsonFile, "utf8"));
			obj.source_filename = rel;
			obj.converter = "wast2json";
		} catch (e) {
			console.log(`spec: ${rel}: wast2json output unreadable (${e.message}); using wast-split`);
			obj = null;
		}
	}
	if (!obj) obj = split(wast, outDir, rel, stem);
	const fstats = { encoded: 0, rejected: 0, unavailable: 0 };
	for (const c of walk(obj.commands)) await encodeText(c, outDir, fstats);
	writeJson(jsonFile, obj);
	fs.writeFileSync(path.join(outDir, ".converted"), obj.converter + "\n");
	let skipped = 0;
	for (const c of walk(obj.commands)) if (c.skip_reason) skipped++;
	stats.files++;
	stats.encoded += fstats.encoded;
	stats.rejected += fstats.rejected;
	stats.skipped += skipped;
	if (skipped || fstats.unavailable)
		console.log(`spec: ${rel}: ${skipped} command(s) not convertible (skipped)`);
}

// `node wast-split.mjs --self-test`: checks the number and script readers
// against values worked out by hand (bit patterns from the IEEE formats).
function selfTest() {
	const cases = [
		// [literal, bits, expected bits (unsigned decimal or pattern)]
		["0", 32, "0"], ["-0", 32, "2147483648"], ["1", 32, "1065353216"],
		["0x1p-149", 32, "1"], ["-0x1p-149", 32, "2147483649"],
		["0x1p-150", 32, "0"], ["0x1.000001p-149", 32, "1"], ["0x1.8p-149", 32, "2"],
		["0x1.fffffep127", 32, "2139095039"], ["0x1.fffffefffffffffffp127", 32, "2139095039"],
		["inf", 32, "2139095040"], ["-inf", 64, "18442240474082181120"],
		["nan", 32, "2143289344"], ["-nan", 64, "18444492273895866368"],
		["nan:0x200000", 32, "2141192192"], ["nan:canonical", 32, "nan:canonical"],
		// ties to even, in decimal: 1 + 2^-24 is halfway between 1 and 1+2^-23
		["1.000000059604644775390625", 32, "1065353216"],
		["1.000000059604644775390626", 32, "1065353217"],
		["-0x1.fffffffffffffp-1023", 64, "9227875636482146304"],
		["1e308", 64, "9214871658872686752"], ["4.9406564584124654e-324", 64, "1"],
		["0x1.fffffffffffffp1023", 64, "9218868437227405311"],
		["1_000.5e-1_0", 64, String(new BigUint64Array(new Float64Array([1000.5e-10]).buffer)[0])],
		["0.1", 64, String(new BigUint64Array(new Float64Array([0.1]).buffer)[0])],
		["0.1", 32, String(new Uint32Array(new Float32Array([0.1]).buffer)[0])],
	];
	let bad = 0;
	for (const [lit, bits, want] of cases) {
		const got = parseFloatLit(lit, bits, true).toString();
		if (got !== want) { console.log(`self-test: f${bits} ${lit}: got ${got}, want ${want}`); bad++; }
	}
	const ints = [["-1", 32, "4294967295"], ["0xffff_ffff", 32, "4294967295"],
		["-0x8000_0000_0000_0000", 64, "9223372036854775808"], ["-128", 8, "128"]];
	for (const [lit, bits, want] of ints) {
		const got = parseIntLit(lit, bits).toString();
		if (got !== want) { console.log(`self-test: i${bits} ${lit}: got ${got}, want ${want}`); bad++; }
	}
	const nodes = readScript(String.raw`(a (; x (; y ;) ;) $"b" "c\\\u{41}\41" (@an (x) ; ,) d;e ;; z` + "\n)");
	const items = nodes[0].items.map((n) => n.kind === "str" ? strictUtf8.decode(n.bytes) : n.text);
	if (JSON.stringify(items) !== JSON.stringify(["a", "$b", "c\\AA", "d;e"])) {
		console.log(`self-test: script reader: got ${JSON.stringify(items)}`);
		bad++;
	}
	console.log(bad ? `self-test: ${bad} failure(s)` : "self-test: ok");
	process.exit(bad ? 1 : 0);
}

async function main() {
	if (process.argv[2] === "--self-test") selfTest();
	const jobsFile = process.argv[2];
	if (!jobsFile) {
		console.error("usage: node wast-split.mjs JOBS_FILE");
		process.exit(2);
	}
	if (!jcoParse) console.log(`spec: warning: jco not loadable (${jcoLoadError}); run npm ci`);
	const stats = { files: 0, encoded: 0, rejected: 0, skipped: 0 };
	const lines = fs.readFileSync(jobsFile, "utf8").split("\n").filter((l) => l.length > 0);
	for (const l of lines) {
		const [mode, wast, outDir, rel] = l.split("\t");
		try {
			await runJob(mode, wast, outDir, rel, stats);
		} catch (e) {
			// A converter bug must not hide the other scripts: report it and
			// leave one skipped command for the script.
			console.log(`spec: ${rel}: converter error: ${e && e.stack ? e.stack : e}`);
			const stem = path.basename(wast, ".wast");
			cleanDir(outDir);
			writeJson(path.join(outDir, stem + ".json"), {
				source_filename: rel, converter: "none",
				commands: [{ type: "script", line: 1, skip_reason: `converter error: ${e && e.message}` }],
			});
			stats.files++;
			stats.skipped++;
		}
	}
	console.log(`spec: converted ${stats.files} script(s); text modules: ` +
		`${stats.encoded} encoded, ${stats.rejected} rejected by the text parser; ` +
		`${stats.skipped} command(s) not convertible`);
}

await main();
