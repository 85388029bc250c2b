// tests/tools/wat2wasm.mjs - encodes text-format fixtures into binary
// modules with jco's `parse` (the wasm-tools text parser), as
// tests/spec/wast-split.mjs does for the spec scripts.
//
//   node tests/tools/wat2wasm.mjs OUTDIR FILE.wat...
//
// Writes OUTDIR/NAME.wasm for each FILE.wat (no validation: invalid.wat
// stays invalid). Exit 1 when jco is missing or a file does not parse.
import fs from "node:fs";
import path from "node:path";

const [outDir, ...files] = process.argv.slice(2);
let parse;
try {
  ({ parse } = await import("@bytecodealliance/jco"));
} catch (e) {
  console.error(`wat2wasm: cannot load @bytecodealliance/jco (make deps): ${e.message}`);
  process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });
for (const f of files) {
  const bytes = await parse(fs.readFileSync(f, "utf8"));
  fs.writeFileSync(path.join(outDir, path.basename(f, ".wat") + ".wasm"), bytes);
}
