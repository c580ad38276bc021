// Runs the demo Worker locally in workerd (through miniflare) on
// http://127.0.0.1:$PORT (default 8787), with the [vars] of wrangler.toml
// overridable from the environment (PUSHGATEWAY_URL, PUSH_JOB, ...).
// Needs `npm run build` first. Stop it with Ctrl-C.
import { Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { demoDir, workerOptions } from "./lib.mjs";

// The string [vars] of wrangler.toml (one `KEY = "value"` per line).
function wranglerVars() {
  const toml = readFileSync(join(demoDir, "wrangler.toml"), "utf8");
  const section = toml.split(/^\[vars\]$/m)[1]?.split(/^\[/m)[0] ?? "";
  const vars = {};
  for (const m of section.matchAll(/^([A-Z_][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)) vars[m[1]] = m[2];
  return vars;
}

const vars = wranglerVars();
for (const key of [...Object.keys(vars), "PUSH_AUTHORIZATION"]) {
  if (process.env[key] !== undefined) vars[key] = process.env[key];
}
const port = Number(process.env.PORT ?? 8787);
const mf = new Miniflare(workerOptions({ bindings: vars, host: "127.0.0.1", port }));
const url = await mf.ready;
console.log(`demo worker on ${url} (try ${url}items/1 and ${url}metrics)`);
console.log(`pushing to: ${vars.PUSHGATEWAY_URL || "(nowhere: PUSHGATEWAY_URL is empty)"}`);
const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
