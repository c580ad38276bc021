// Helpers of the node scripts: the real-tools convention, processes, ports,
// and a reader for Prometheus text 0.0.4 samples.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const demoDir = join(dirname(fileURLToPath(import.meta.url)), "..");

// The raw module cargo writes (profile wasm-size), honouring CARGO_TARGET_DIR.
export function rawWasmPath() {
  const target = process.env.CARGO_TARGET_DIR
    ? resolve(demoDir, process.env.CARGO_TARGET_DIR)
    : join(demoDir, "..", "target");
  return join(target, "wasm32-unknown-unknown", "wasm-size", "omnimetrics_wasm.wasm");
}

// Project convention: checks that need external tools run only with
// OMNIMETRICS_REAL_TOOLS=1, and then a missing tool is a failure.
export function requireRealTools(what) {
  if (process.env.OMNIMETRICS_REAL_TOOLS !== "1") {
    console.log(`note: skipping ${what} (set OMNIMETRICS_REAL_TOOLS=1 to run it)`);
    process.exit(0);
  }
}

export function requireCommand(cmd, hint) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} not found; ${hint}`);
  return r.stdout.trim();
}

// A port nobody listens on right now (the kernel's choice), on loopback.
export async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `check` (async, returns a truthy value when done) until it succeeds
// or `timeoutMs` passes; throws with `what` on timeout.
export async function waitFor(what, check, timeoutMs = 10_000, everyMs = 50) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await sleep(everyMs);
  }
}

// A Debian prometheus-pushgateway on 127.0.0.1:port, in memory only.
export async function startPushgateway(port) {
  const child = spawn(
    "prometheus-pushgateway",
    [`--web.listen-address=127.0.0.1:${port}`, "--persistence.file=", "--log.level=warn"],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  const exited = once(child, "exit");
  const base = `http://127.0.0.1:${port}`;
  await waitFor("the Pushgateway to be ready", async () => {
    if (child.exitCode !== null) throw new Error(`pushgateway exited with ${child.exitCode}`);
    const r = await fetch(`${base}/-/ready`);
    return r.ok;
  });
  return {
    base,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

// A TCP server that accepts connections and never answers: a gateway that
// hangs. Pushes to it can only end by their own timeout.
export async function startBlackHole() {
  const sockets = new Set();
  let connections = 0;
  const server = createServer((s) => {
    connections += 1;
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    accepted: () => connections,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

// Samples of a Prometheus text 0.0.4 exposition: [{ name, labels, value }].
export function parseText(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    const body = m[2] ?? "";
    let lm;
    let consumed = 0;
    while ((lm = re.exec(body)) !== null) {
      labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
      consumed = re.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${JSON.stringify(line)}`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

// The sum of the samples called `name` whose labels include `filter`.
export function total(samples, name, filter = {}) {
  return samples
    .filter((s) => s.name === name && Object.entries(filter).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

export function compatibilityDate() {
  const toml = readFileSync(join(demoDir, "wrangler.toml"), "utf8");
  const m = toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m);
  if (!m) throw new Error("wrangler.toml has no compatibility_date");
  return m[1];
}

export function wranglerMain() {
  const toml = readFileSync(join(demoDir, "wrangler.toml"), "utf8");
  const m = toml.match(/^main\s*=\s*"([^"]+)"/m);
  if (!m) throw new Error("wrangler.toml has no main");
  return m[1];
}

// Miniflare options that run a worker from `root` as wrangler would: its
// ES modules and compiled wasm modules, the compatibility date of
// wrangler.toml, and `extra` (bindings, host, port) on top. `script` is
// the worker's entry, relative to `root` (default: wrangler.toml's main).
export function workerOptions({ root = demoDir, script = wranglerMain(), ...extra } = {}) {
  return {
    modules: true,
    scriptPath: join(root, script),
    modulesRoot: root,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: compatibilityDate(),
    ...extra,
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
