// The module as deployed (pkg/, built by scripts/build.mjs: no std, its own
// allocator) in plain node, through the worker's adapter: its memory levels
// off under a steady load, and what it answers stays right.
// Run with `node --test test/` after the build.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { adapter } from "../worker/adapter.mjs";

const wasmPath = fileURLToPath(new URL("../pkg/omnimetrics_wasm_bg.wasm", import.meta.url));
const built = existsSync(wasmPath);

async function load() {
  const raw = await import("../pkg/omnimetrics_wasm.js");
  const exports = raw.initSync({ module: readFileSync(wasmPath) });
  return { raw, om: adapter(raw, exports.memory), memory: exports.memory };
}

test(
  "memory levels off under a steady load, and the counts stay exact",
  { skip: !built && "pkg/ is not built (node scripts/build.mjs)" },
  async () => {
    const { om, memory } = await load();
    assert.equal(om.useManualClock(), true);
    om.enablePushMetrics();
    // Input and output of every size the worker sees, and some larger.
    const round = (i) => {
      om.setTimeMillis(i);
      assert.equal(om.handle("GET", `/items/${(i % 3) + 1}`).status, 200);
      assert.equal(om.handle("POST", `/checkout/1/${i % 9}${"0".repeat(i % 7)}`).status >= 200, true);
      assert.equal(om.handle("GET", `/x${"x".repeat(i % 5000)}`).status, 404);
      om.recordPush(i % 2 === 0);
      om.metricsText();
      om.metricsFor(`application/openmetrics-text;q=${i % 2}, ${" ".repeat(i % 3000)}*/*;q=0.1`);
      om.metricsFrames();
    };
    for (let i = 0; i < 300; i++) round(i);
    const settled = memory.buffer.byteLength;
    for (let i = 300; i < 3000; i++) round(i);
    assert.equal(memory.buffer.byteLength, settled, "memory kept growing");

    const text = om.metricsText();
    // Every root series of `handle` (failures with a variant label are
    // counted in the series that has it).
    const calls = text
      .split("\n")
      .filter((l) => l.startsWith('function_calls_total{function="handle",'))
      .filter((l) => l.includes('caller_function=""'))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    assert.equal(calls, 9000);
    assert.match(text, /^omnimetrics_pushes_total 3000$/m);
    assert.match(text, /^omnimetrics_push_failures_total 1500$/m);
  },
);

test(
  "a service name that is not UTF-8 is refused, and a later one is taken",
  { skip: !built && "pkg/ is not built (node scripts/build.mjs)" },
  async () => {
    // (The same module instance as the test above: node imports it once.)
    const { raw, om, memory } = await load();
    const bad = Uint8Array.of(0x73, 0x68, 0xff, 0x70);
    const at = raw.inputBuffer(bad.length);
    new Uint8Array(memory.buffer, at, bad.length).set(bad);
    assert.equal(raw.setServiceName(bad.length), false);
    assert.equal(raw.setServiceName(1000), false, "longer than the input");
    assert.equal(om.setServiceName("shop"), true);
    assert.equal(om.setServiceName("again"), false);
    om.handle("GET", "/");
    assert.match(om.metricsText(), /service_name="shop"/);
    assert.doesNotMatch(om.metricsText(), /service_name="omnimetrics-wasm"/);
  },
);
