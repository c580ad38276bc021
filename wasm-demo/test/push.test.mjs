// The worker's push helper in plain node (no wasm, no workerd): the
// grouping key, the settings, and that a push never rejects and is counted.
// Run with `node --test test/`.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { test } from "node:test";
import { groupingPair, pushConfig, pushSnapshot } from "../worker/push.mjs";

function fakeModule() {
  const outcomes = [];
  return {
    outcomes,
    metricsText: () => "# TYPE x_total counter\nx_total 1\n",
    recordPush: (ok) => outcomes.push(ok),
  };
}

async function server(handler) {
  const requests = [];
  const s = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res);
    });
  });
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  return {
    base: `http://127.0.0.1:${s.address().port}`,
    requests,
    close: () => new Promise((r) => s.close(r)),
  };
}

test("grouping key pairs: plain, escaped, and base64 for '/' or empty", () => {
  assert.equal(groupingPair("job", "shop"), "/job/shop");
  assert.equal(groupingPair("instance", "a b"), "/instance/a%20b");
  assert.equal(groupingPair("job", "a/b"), "/job@base64/YS9i");
  assert.equal(groupingPair("job", ""), "/job@base64/=");
  // base64url, not base64: "??>" is "Pz8-" rather than "Pz8+".
  assert.equal(groupingPair("job", "??>/"), "/job@base64/Pz8-Lw==");
});

test("push settings from the environment", () => {
  assert.equal(pushConfig({}, "i"), null);
  assert.equal(pushConfig({ PUSHGATEWAY_URL: "  " }, "i"), null);
  const c = pushConfig({ PUSHGATEWAY_URL: "http://gw:9091/", PUSH_JOB: "shop" }, "1234");
  assert.equal(c.url, "http://gw:9091/metrics/job/shop/instance/1234");
  assert.equal(c.timeoutMs, 5000);
  assert.equal(c.authorization, null);
  const d = pushConfig(
    { PUSHGATEWAY_URL: "http://gw", PUSH_TIMEOUT_MS: "250", PUSH_AUTHORIZATION: "Bearer t" },
    "x",
  );
  assert.equal(d.url, "http://gw/metrics/job/omnimetrics-wasm-demo/instance/x");
  assert.equal(d.timeoutMs, 250);
  assert.equal(d.authorization, "Bearer t");
  assert.equal(pushConfig({ PUSHGATEWAY_URL: "http://gw", PUSH_TIMEOUT_MS: "soon" }, "x").timeoutMs, 5000);
});

test("a push is a PUT of Prometheus text to the grouping key, counted as ok", async () => {
  const gw = await server((req, res) => res.end());
  try {
    const om = fakeModule();
    const config = pushConfig({ PUSHGATEWAY_URL: gw.base, PUSH_AUTHORIZATION: "Basic eDp5" }, "iso");
    assert.equal(await pushSnapshot(config, om), true);
    assert.deepEqual(om.outcomes, [true]);
    const [r] = gw.requests;
    assert.equal(r.method, "PUT");
    assert.equal(r.url, "/metrics/job/omnimetrics-wasm-demo/instance/iso");
    assert.equal(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(r.headers.authorization, "Basic eDp5");
    assert.equal(r.body, "# TYPE x_total counter\nx_total 1\n");
  } finally {
    await gw.close();
  }
});

test("refused, rejected, hanging and throwing pushes resolve to false and are counted", async () => {
  const rejecting = await server((req, res) => {
    res.statusCode = 400;
    res.end("pushed metrics are invalid");
  });
  const hanging = await server(() => {});
  const refusedPort = new URL(rejecting.base).port;
  await rejecting.close(); // now nothing listens there
  const rejecting2 = await server((req, res) => {
    res.statusCode = 503;
    res.end();
  });
  try {
    const om = fakeModule();
    const cases = [
      pushConfig({ PUSHGATEWAY_URL: `http://127.0.0.1:${refusedPort}` }, "a"),
      pushConfig({ PUSHGATEWAY_URL: rejecting2.base }, "b"),
      pushConfig({ PUSHGATEWAY_URL: hanging.base, PUSH_TIMEOUT_MS: "200" }, "c"),
      pushConfig({ PUSHGATEWAY_URL: "not a url" }, "d"),
    ];
    for (const c of cases) assert.equal(await pushSnapshot(c, om), false);
    const throwing = { ...fakeModule(), metricsText: () => { throw new Error("trap"); } };
    assert.equal(await pushSnapshot(cases[1], throwing), false);
    assert.deepEqual(throwing.outcomes, [false]);
    const unrecordable = { metricsText: () => "", recordPush: () => { throw new Error("x"); } };
    assert.equal(await pushSnapshot(cases[1], unrecordable), false);
    assert.deepEqual(om.outcomes, [false, false, false, false]);
  } finally {
    await rejecting2.close();
    hanging.close();
  }
});
