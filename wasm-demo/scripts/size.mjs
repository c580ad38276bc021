// The size report of the demo's .wasm (written by `npm run build` to
// pkg/size.json): after wasm-bindgen and after wasm-opt -Oz, against the
// 24 KiB goal, with the code of the raw cargo output broken down by crate
// (from its "name" section) to show where the bytes go. Exits non-zero when
// the optimised module is over the goal (issue 7), so CI keeps it met.
//
// Usage: node scripts/size.mjs
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoDir, rawWasmPath } from "./lib.mjs";

const GOAL = 24 * 1024;

// Reads an unsigned LEB128 at `pos`; returns [value, next position].
function leb(buf, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, pos];
    shift += 7;
  }
}

function str(buf, pos) {
  const [len, p] = leb(buf, pos);
  return [new TextDecoder().decode(buf.subarray(p, p + len)), p + len];
}

// Code bytes per function name, data bytes, and custom section sizes.
export function inspect(buf) {
  let pos = 8;
  let imported = 0;
  const bodies = [];
  const names = new Map();
  let data = 0;
  const custom = {};
  while (pos < buf.length) {
    const id = buf[pos];
    const [size, start] = leb(buf, pos + 1);
    const end = start + size;
    if (id === 2) {
      let [n, p] = leb(buf, start);
      for (let i = 0; i < n; i++) {
        [, p] = str(buf, p);
        [, p] = str(buf, p);
        const kind = buf[p++];
        if (kind === 0) {
          imported++;
          [, p] = leb(buf, p);
        } else if (kind === 1 || kind === 2) {
          if (kind === 1) p++; // reftype
          const flags = buf[p++];
          [, p] = leb(buf, p);
          if (flags & 1) [, p] = leb(buf, p);
        } else if (kind === 3) {
          p += 2;
        } else {
          p++;
          [, p] = leb(buf, p);
        }
      }
    } else if (id === 10) {
      let [n, p] = leb(buf, start);
      for (let i = 0; i < n; i++) {
        const [len, q] = leb(buf, p);
        bodies.push(len + (q - p));
        p = q + len;
      }
    } else if (id === 11) {
      data = size;
    } else if (id === 0) {
      const [name, p0] = str(buf, start);
      custom[name] = size;
      if (name === "name") {
        let p = p0;
        while (p < end) {
          const sub = buf[p];
          const [subSize, q] = leb(buf, p + 1);
          if (sub === 1) {
            let [n, r] = leb(buf, q);
            for (let i = 0; i < n; i++) {
              let idx;
              let fname;
              [idx, r] = leb(buf, r);
              [fname, r] = str(buf, r);
              names.set(idx, fname);
            }
          }
          p = q + subSize;
        }
      }
    }
    pos = end;
  }
  const functions = bodies.map((bytes, i) => ({ name: names.get(imported + i) ?? `func${imported + i}`, bytes }));
  return { functions, data, custom };
}

// Rust's legacy mangling: _ZN <len><segment>... E, with $LT$, $GT$, $u20$
// and ".." standing for <, >, space and ::. Returns the path, hash left out.
export function demangle(name) {
  if (!name.startsWith("_ZN")) return name;
  const parts = [];
  let i = 3;
  while (i < name.length && name[i] !== "E") {
    const m = name.slice(i).match(/^(\d+)/);
    if (!m) break;
    const len = Number(m[1]);
    i += m[1].length;
    parts.push(name.slice(i, i + len));
    i += len;
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
  const decode = (s) =>
    s
      .replace(/^_\$/, "$")
      .replaceAll("$LT$", "<")
      .replaceAll("$GT$", ">")
      .replaceAll("$u20$", " ")
      .replaceAll("$RF$", "&")
      .replaceAll("$BP$", "*")
      .replaceAll("$C$", ",")
      .replaceAll("$u7b$", "{")
      .replaceAll("$u7d$", "}")
      .replaceAll("..", "::");
  return parts.map(decode).join("::");
}

// The crate a function comes from: "core::fmt::..." -> "core",
// "<omnimetrics_sinks::x as y>::z" -> "omnimetrics_sinks", a v0-mangled
// "_RNvNtCs..._4core3fmt..." -> "core" (the first crate root it names),
// "<T as core::x::Y>::f" -> "core" (a generic impl: the trait's crate).
export function crateOf(rawName) {
  const name = demangle(rawName);
  if (/^__wbg|^__wbindgen|^__externref/.test(name)) return "wasm_bindgen";
  if (name.startsWith("_R")) {
    const m = name.match(/C(?:s[0-9A-Za-z]*_)?(\d+)/);
    if (m) {
      // v0: a "_" separates the length from an identifier starting with "_".
      const at = m.index + m[0].length + (name[m.index + m[0].length] === "_" ? 1 : 0);
      return name.slice(at, at + Number(m[1])) || "(other)";
    }
  }
  // `<T as c::Trait>`, `<&T as …>`, `<*mut T as …>`: the trait's crate.
  const generic = name.match(/^<(?:&|\*(?:const|mut) )?(?:mut )?[A-Z][A-Za-z0-9]* as ([A-Za-z_][A-Za-z0-9_]*)::/);
  if (generic) return generic[1];
  const m = name.replace(/^[<&*\s]+/, "").replace(/^(dyn|impl) /, "").match(/^([A-Za-z_][A-Za-z0-9_]*)/);
  if (!m || !name.includes("::")) return "(exported functions, compiler builtins)";
  const c = m[1].replace(/\[[0-9a-f]+\]$/, "");
  if (/^(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|char|str|bool|f32|f64)$/.test(c)) return "core";
  return c;
}

function kib(n) {
  return `${(n / 1024).toFixed(1)} KiB`;
}

function main() {
  const pkg = join(demoDir, "pkg");
  const size = JSON.parse(readFileSync(join(pkg, "size.json"), "utf8"));
  const raw = readFileSync(rawWasmPath());
  const { functions, data, custom } = inspect(raw);
  const byCrate = new Map();
  for (const f of functions) byCrate.set(crateOf(f.name), (byCrate.get(crateOf(f.name)) ?? 0) + f.bytes);
  const code = functions.reduce((a, f) => a + f.bytes, 0);

  console.log("== wasm size report: omnimetrics-wasm demo (pkg/omnimetrics_wasm_bg.wasm)");
  console.log(`cargo (profile wasm-size), raw:        ${String(raw.length).padStart(7)} bytes  (${kib(raw.length)}, of which "name" section ${custom.name ?? 0})`);
  console.log(`after wasm-bindgen ${size.wasmBindgen}:          ${String(size.afterBindgen).padStart(7)} bytes  (${kib(size.afterBindgen)})`);
  if (size.afterOpt !== null) {
    console.log(`after wasm-opt -Oz (${size.wasmOpt}): ${String(size.afterOpt).padStart(7)} bytes  (${kib(size.afterOpt)})`);
  }
  const final = size.afterOpt ?? size.afterBindgen;
  const verdict = final <= GOAL ? "met" : `NOT met: ${final - GOAL} bytes over (see README.md, "Size")`;
  console.log(`goal <= 24 KiB (${GOAL} bytes) after wasm-opt: ${verdict}`);
  if (size.afterOpt !== null && size.afterOpt > GOAL) {
    console.error(`FAILED: ${size.afterOpt} bytes after wasm-opt -Oz is over the ${GOAL}-byte goal`);
    process.exitCode = 1;
  }
  console.log(`\ncode of the raw module by crate (${code} bytes of code, ${data} bytes of data segments):`);
  for (const [c, bytes] of [...byCrate].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${String(bytes).padStart(6)}  ${(100 * bytes / code).toFixed(1).padStart(5)}%  ${c}`);
  }
  // Formatting, panic messages and the Unicode tables they print with, in
  // v0 mangling: core::fmt, core::panicking, core::unicode, str's slice
  // error, char::escape_debug.
  const fmt = functions
    .filter((f) => /_4core(3fmt|9panicking|7unicode|3str19slice_error|5slice5index|4char7methods16escape_debug)/.test(f.name))
    .reduce((a, f) => a + f.bytes, 0);
  console.log(`  of which formatting for panic messages (core::fmt, core::panicking, Unicode tables): ${fmt} bytes`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
