// End to end: the demo Worker inside workerd (through miniflare), pushing to
// a real Pushgateway (Debian's prometheus-pushgateway) on loopback.
//
//   A. gateway up:   a known mix of requests; /metrics totals exact; the
//                    gateway holds the isolate's group with the same totals.
//   B. gateway down: the same mix still answers, as fast as in A; every
//                    push failure is counted.
//   C. gateway back: the next push carries the failure count to it.
//   D. gateway hangs (accepts, never answers): responses still fast; the
//                    pushes time out in the background and are counted.
//
// Needs `npm run build` first. Runs only with OMNIMETRICS_REAL_TOOLS=1.
import assert from "node:assert/strict";
import {
  freePort,
  median,
  parseText,
  requireCommand,
  requireRealTools,
  startBlackHole,
  startPushgateway,
  total,
  waitFor,
  workerOptions,
} from "./lib.mjs";

requireRealTools("the workerd + Pushgateway end-to-end test");
requireCommand(
  "prometheus-pushgateway",
  "apt-get install -y --no-install-recommends prometheus-pushgateway",
);
const { Miniflare } = await import("miniflare");

const JOB = "omnimetrics-e2e";
const SERVICE = "omnimetrics-wasm-e2e";

// The mix: method, path, expected status.
const MIX = [
  ["GET", "/", 200],
  ["GET", "/items/1", 200],
  ["GET", "/items/2", 200],
  ["GET", "/items/3", 200],
  ["GET", "/items/9", 404],
  ["GET", "/items/zero", 400],
  ["POST", "/checkout/1/2", 200],
  ["POST", "/checkout/3/10", 200],
  ["POST", "/checkout/2/5", 409],
  ["POST", "/checkout/8/1", 404],
  ["GET", "/checkout/1/1", 405],
  ["GET", "/nowhere", 404],
];

// What one pass of MIX adds to function_calls_total, worked out by hand
// from the routes (src/demo.rs): [labels, count].
const PER_MIX = [
  [{ function: "handle", result: "ok" }, 6],
  [{ function: "handle", result: "error" }, 6],
  [{ function: "handle", error: "NotFound" }, 2],
  [{ function: "handle", error: "BadNumber" }, 1],
  [{ function: "handle", error: "OutOfStock" }, 1],
  [{ function: "handle", error: "MethodNotAllowed" }, 1],
  [{ function: "handle", error: "NoRoute" }, 1],
  [{ function: "get_item", caller_function: "handle", result: "ok" }, 3],
  [{ function: "get_item", caller_function: "handle", result: "error" }, 2],
  [{ function: "get_item", caller_function: "checkout", result: "ok" }, 3],
  [{ function: "get_item", caller_function: "checkout", result: "error" }, 1],
  [{ function: "checkout", caller_function: "handle", result: "ok" }, 2],
  [{ function: "checkout", caller_function: "handle", result: "error" }, 2],
  [{ function: "parse_number", caller_function: "get_item", result: "ok" }, 8],
  [{ function: "parse_number", caller_function: "get_item", result: "error" }, 1],
  [{ function: "parse_number", caller_function: "checkout", result: "ok" }, 3],
  [{ function: "find_item", caller_function: "get_item", result: "ok" }, 6],
  [{ function: "find_item", caller_function: "get_item", result: "error" }, 2],
  [{ function: "reserve", caller_function: "checkout", result: "ok" }, 2],
  [{ function: "reserve", caller_function: "checkout", result: "error" }, 1],
];
// One extra `GET /` (a request whose push is the last one in flight).
const ONE_INDEX = [[{ function: "handle", result: "ok" }, 1]];

function expected(...parts) {
  // parts: [table, times]
  const out = new Map();
  for (const [table, times] of parts) {
    for (const [filter, n] of table) {
      const key = JSON.stringify(filter);
      out.set(key, (out.get(key) ?? 0) + n * times);
    }
  }
  return out;
}

function checkTotals(where, samples, want) {
  for (const [key, n] of want) {
    const filter = JSON.parse(key);
    assert.equal(
      total(samples, "function_calls_total", { service_name: SERVICE, ...filter }),
      n,
      `${where}: function_calls_total${key}`,
    );
  }
}

function newWorker(bindings) {
  return new Miniflare(
    workerOptions({
      bindings: { PUSH_JOB: JOB, SERVICE_NAME: SERVICE, PUSH_TIMEOUT_MS: "5000", ...bindings },
    }),
  );
}

async function send(mf, method, path, wantStatus) {
  const t0 = performance.now();
  const res = await mf.dispatchFetch(`http://demo.test${path}`, { method });
  const body = await res.text();
  const ms = performance.now() - t0;
  assert.equal(res.status, wantStatus, `${method} ${path}: ${body}`);
  return { ms, isolate: res.headers.get("x-isolate-id") };
}

async function runMix(mf) {
  const times = [];
  let isolate;
  for (const [method, path, status] of MIX) {
    const r = await send(mf, method, path, status);
    times.push(r.ms);
    isolate ??= r.isolate;
    assert.equal(r.isolate, isolate, "one isolate serves every request");
  }
  return { times, isolate };
}

async function scrape(mf, accept) {
  const res = await mf.dispatchFetch("http://demo.test/metrics", {
    headers: accept ? { accept } : {},
  });
  assert.equal(res.status, 200);
  return { type: res.headers.get("content-type"), text: await res.text() };
}

async function workerSamples(mf) {
  return parseText((await scrape(mf)).text);
}

// Waits until the worker has counted `pushes` pushes (their outcome is
// recorded after the gateway answers, in the background).
async function settled(mf, pushes) {
  return waitFor(`${pushes} pushes to be recorded`, async () => {
    const s = await workerSamples(mf);
    return total(s, "omnimetrics_pushes_total") >= pushes ? s : null;
  });
}

// The gateway's samples for this isolate's group (job + instance).
async function gatewaySamples(gateway, isolate) {
  const res = await fetch(`${gateway.base}/metrics`);
  assert.equal(res.status, 200);
  return parseText(await res.text()).filter(
    (s) => s.labels.job === JOB && s.labels.instance === isolate,
  );
}

// Same latency class as the reference run: the median at most 4x the
// reference's, or 25 ms above it (a busy 2-core CI machine jitters by that
// much). A response that waited for its push would take the push's time:
// at least the 1.5 s timeout in D.
function sameClass(times, reference) {
  return median(times) <= Math.max(4 * median(reference), median(reference) + 25);
}

function stats(times) {
  return `median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`;
}

const port = await freePort();
let gateway = await startPushgateway(port);
const mf = newWorker({ PUSHGATEWAY_URL: gateway.base });
const hole = await startBlackHole();
let mfHang = null;
try {
  // ---- A: gateway up
  // One request first, so that the isolate exists and workerd is warm
  // before timing starts; it is part of the expected totals.
  const warm = await send(mf, "GET", "/", 200);
  const a = await runMix(mf);
  assert.equal(a.isolate, warm.isolate);
  let samples = await settled(mf, 1 + MIX.length);
  checkTotals("A /metrics", samples, expected([PER_MIX, 1], [ONE_INDEX, 1]));
  assert.equal(total(samples, "omnimetrics_pushes_total"), 1 + MIX.length);
  assert.equal(total(samples, "omnimetrics_push_failures_total"), 0);
  // Every call was timed (count) by the host clock.
  assert.equal(
    total(samples, "function_calls_duration_seconds_count", { function: "handle" }),
    1 + MIX.length,
  );
  // workerd's performance.now() ticks in whole milliseconds: every
  // duration it measures, and so every sum, is a multiple of 1 ms.
  const sums = samples.filter((s) => s.name === "function_calls_duration_seconds_sum");
  assert.ok(sums.length >= 6, "a duration histogram per instrumented function");
  for (const s of sums) {
    const ms = s.value * 1000;
    assert.ok(Math.abs(ms - Math.round(ms)) < 1e-6, `${s.labels.function}: ${s.value} s is not whole ms`);
  }
  const handleSum = total(samples, "function_calls_duration_seconds_sum", { function: "handle" });
  console.log(`A: ${1 + MIX.length} requests, ${stats(a.times)}; handle's durations in workerd add up to ${handleSum} s (1 ms ticks)`);

  // The last push of the mix may still be in flight behind an earlier one;
  // one more request, sent after all pushes were recorded, is the last word.
  await send(mf, "GET", "/", 200);
  samples = await settled(mf, 2 + MIX.length);
  const atGateway = await waitFor("the gateway to hold the last push", async () => {
    const g = await gatewaySamples(gateway, a.isolate);
    return total(g, "omnimetrics_pushes_total") === 1 + MIX.length ? g : null;
  });
  checkTotals("A gateway", atGateway, expected([PER_MIX, 1], [ONE_INDEX, 2]));
  assert.equal(total(atGateway, "omnimetrics_push_failures_total"), 0);
  assert.equal(
    total(atGateway, "function_calls_duration_seconds_count", { function: "handle" }),
    2 + MIX.length,
  );
  assert.equal(total(atGateway, "build_info", { service_name: SERVICE }), 1);
  assert.equal(total(atGateway, "push_time_seconds") > 0, true);
  console.log(`A: the Pushgateway holds job="${JOB}", instance="${a.isolate}" with the right totals`);

  // OpenMetrics when asked; frames as bytes.
  const om = await scrape(mf, "application/openmetrics-text;version=1.0.0");
  assert.match(om.type, /^application\/openmetrics-text; version=1.0.0/);
  assert.ok(om.text.endsWith("# EOF\n"));
  const frames = await mf.dispatchFetch("http://demo.test/metrics/frames");
  const bytes = new Uint8Array(await frames.arrayBuffer());
  assert.equal(frames.headers.get("content-type"), "application/octet-stream");
  assert.ok(bytes.length > 0 && bytes.at(-1) === 0, "frames end with 0x00");

  // ---- B: gateway down
  await gateway.stop();
  const b = await runMix(mf);
  assert.equal(b.isolate, a.isolate);
  samples = await settled(mf, 2 + 2 * MIX.length);
  assert.equal(total(samples, "omnimetrics_push_failures_total"), MIX.length);
  assert.equal(total(samples, "omnimetrics_pushes_total"), 2 + 2 * MIX.length);
  checkTotals("B /metrics", samples, expected([PER_MIX, 2], [ONE_INDEX, 2]));
  console.log(`B: gateway stopped: ${MIX.length} requests, ${stats(b.times)}; ${MIX.length} failed pushes counted`);
  // Same latency class: no request waited for its failed push.
  assert.ok(sameClass(b.times, a.times), `gateway down: ${stats(b.times)} vs up: ${stats(a.times)}`);

  // ---- C: gateway back (empty: no persistence); the next push tells it
  // how many pushes it missed.
  gateway = await startPushgateway(port);
  await send(mf, "GET", "/", 200);
  await settled(mf, 3 + 2 * MIX.length);
  const back = await waitFor("the gateway to receive a push again", async () => {
    const g = await gatewaySamples(gateway, a.isolate);
    return g.length > 0 ? g : null;
  });
  assert.equal(total(back, "omnimetrics_push_failures_total"), MIX.length);
  assert.equal(total(back, "omnimetrics_pushes_total"), 2 + 2 * MIX.length);
  checkTotals("C gateway", back, expected([PER_MIX, 2], [ONE_INDEX, 3]));
  console.log(`C: gateway restarted: it now shows omnimetrics_push_failures_total ${MIX.length}`);

  // ---- D: a gateway that accepts and never answers, with a 1.5 s push
  // timeout. Responses must not wait for it.
  mfHang = newWorker({ PUSHGATEWAY_URL: hole.base, PUSH_TIMEOUT_MS: "1500" });
  await send(mfHang, "GET", "/", 200);
  const d = await runMix(mfHang);
  console.log(`D: gateway hanging: ${MIX.length} requests, ${stats(d.times)}`);
  assert.ok(
    Math.max(...d.times) < 750,
    `a response waited for a hanging push: ${stats(d.times)}`,
  );
  assert.ok(sameClass(d.times, a.times), `gateway hanging: ${stats(d.times)} vs up: ${stats(a.times)}`);
  assert.ok(hole.accepted() > 0, "the pushes reached the hanging gateway");
  const dSamples = await waitFor(
    "the hanging pushes to time out",
    async () => {
      const s = await workerSamples(mfHang);
      return total(s, "omnimetrics_push_failures_total") === 1 + MIX.length ? s : null;
    },
    15_000,
    200,
  );
  assert.equal(total(dSamples, "omnimetrics_pushes_total"), 1 + MIX.length);
  console.log(`D: ${1 + MIX.length} timed-out pushes counted as failures`);
  console.log("e2e: ok");
} finally {
  await mf.dispose();
  if (mfHang) await mfHang.dispose();
  await hole.close();
  await gateway.stop();
}
