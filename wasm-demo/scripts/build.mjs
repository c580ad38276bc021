// Builds the worker's wasm module into pkg/:
//   1. cargo, profile `wasm-size` (.cargo/config.toml), wasm32-unknown-unknown;
//   2. wasm-bindgen --target web (the CLI must be the exact version of the
//      `wasm-bindgen` crate in Cargo.lock: the two share a schema);
//   3. wasm-opt -Oz from the pinned npm `binaryen` (Debian's v108 writes
//      modules that fail to load).
// Writes pkg/size.json with the size after steps 2 and 3.
//
// Usage: node scripts/build.mjs [--no-opt]
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rawWasmPath } from "./lib.mjs";

const demo = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(demo, "..");
const pkg = join(demo, "pkg");
const crate = "omnimetrics_wasm";

function run(cmd, args, opts = {}) {
  console.log(`+ ${cmd} ${args.join(" ")}`);
  return execFileSync(cmd, args, { cwd: demo, stdio: "inherit", ...opts });
}

// The wasm-bindgen version Cargo.lock pins.
export function lockedWasmBindgen() {
  const lock = readFileSync(join(root, "Cargo.lock"), "utf8");
  const m = lock.match(/\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error("Cargo.lock has no wasm-bindgen package");
  return m[1];
}

function checkCli(version) {
  let got;
  try {
    got = execFileSync("wasm-bindgen", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    got = "(not found)";
  }
  if (got !== `wasm-bindgen ${version}`) {
    throw new Error(
      `wasm-bindgen CLI is ${got}; Cargo.lock needs ${version}:\n` +
        `  cargo install wasm-bindgen-cli --version ${version} --locked`,
    );
  }
}

function main() {
  const noOpt = process.argv.includes("--no-opt");
  const version = lockedWasmBindgen();
  checkCli(version);

  run("cargo", [
    "build",
    "--locked",
    "--target",
    "wasm32-unknown-unknown",
    "--profile",
    "wasm-size",
    "-p",
    "omnimetrics-wasm",
  ]);
  const raw = rawWasmPath();

  mkdirSync(pkg, { recursive: true });
  // Names and producers are debug information: left out of the "after
  // wasm-bindgen" figure, as wasm-opt would drop them anyway.
  run("wasm-bindgen", [
    "--target",
    "web",
    "--remove-name-section",
    "--remove-producers-section",
    "--out-dir",
    pkg,
    "--out-name",
    crate,
    raw,
  ]);
  const bindgen = join(pkg, `${crate}_bg.wasm`);
  const afterBindgen = statSync(bindgen).size;
  copyFileSync(bindgen, join(pkg, `${crate}_bg.unoptimized.wasm`));

  let afterOpt = null;
  if (!noOpt) {
    const wasmOpt = join(demo, "node_modules", ".bin", "wasm-opt");
    // `--converge` repeats the passes while they still shrink the module;
    // the target-features section only tells tools which features the
    // module was compiled with (nothing that loads it reads it).
    run(wasmOpt, [
      "-Oz",
      "--converge",
      "--strip-debug",
      "--strip-producers",
      "--strip-target-features",
      bindgen,
      "-o",
      bindgen,
    ]);
    afterOpt = statSync(bindgen).size;
  }
  const wasmOptVersion = noOpt
    ? null
    : execFileSync(join(demo, "node_modules", ".bin", "wasm-opt"), ["--version"], {
        encoding: "utf8",
      }).trim();
  writeFileSync(
    join(pkg, "size.json"),
    `${JSON.stringify({ wasmBindgen: version, wasmOpt: wasmOptVersion, afterBindgen, afterOpt }, null, 2)}\n`,
  );
  console.log(`pkg/${crate}_bg.wasm: ${afterBindgen} bytes after wasm-bindgen, ${afterOpt ?? "-"} after wasm-opt -Oz`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
