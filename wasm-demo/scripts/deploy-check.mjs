// Checks that the demo deploys as it is: `wrangler deploy --dry-run` reads
// wrangler.toml, runs its [build] command and bundles the worker with its
// wasm module into dist/ (no Cloudflare account involved); the bundle is
// then run in workerd and must answer.
//
// Runs only with OMNIMETRICS_REAL_TOOLS=1.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { demoDir, parseText, requireRealTools, total, workerOptions } from "./lib.mjs";

requireRealTools("the wrangler dry-run deploy check");
const { Miniflare } = await import("miniflare");

const dist = join(demoDir, "dist");
rmSync(dist, { recursive: true, force: true });
const wrangler = spawnSync(
  join(demoDir, "node_modules", ".bin", "wrangler"),
  ["deploy", "--dry-run", "--outdir", dist],
  {
    cwd: demoDir,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  },
);
const out = `${wrangler.stdout}${wrangler.stderr}`;
assert.equal(wrangler.status, 0, `wrangler deploy --dry-run failed:\n${out}`);
const upload = out.match(/Total Upload: .*/)?.[0] ?? "(no upload size printed)";
console.log(`wrangler deploy --dry-run: ok; ${upload}`);

const files = readdirSync(dist);
const main = files.find((f) => f.endsWith(".js"));
const wasm = files.find((f) => f.endsWith(".wasm"));
assert.ok(main && wasm, `dist/ has a worker and a wasm module: ${files}`);
console.log(`bundle: ${main} (${statSync(join(dist, main)).size} bytes), ${wasm} (${statSync(join(dist, wasm)).size} bytes)`);

const mf = new Miniflare(
  workerOptions({
    root: dist,
    script: main,
    bindings: { PUSHGATEWAY_URL: "", SERVICE_NAME: "deploy-check" },
  }),
);
try {
  const item = await mf.dispatchFetch("http://demo.test/items/2");
  assert.equal(item.status, 200);
  assert.equal(await item.text(), "kettle: 4000 cents, 2 in stock\n");
  const missing = await mf.dispatchFetch("http://demo.test/items/4");
  assert.equal(missing.status, 404);
  await missing.text();
  const metrics = parseText(await (await mf.dispatchFetch("http://demo.test/metrics")).text());
  assert.equal(total(metrics, "function_calls_total", { function: "handle", service_name: "deploy-check" }), 2);
  console.log("the bundled worker answers in workerd: ok");
} finally {
  await mf.dispose();
}
