// The demo Worker (module syntax): a shop written in Rust, instrumented with
// #[autometrics], compiled to wasm and driven from here.
//
//   GET  /                      index
//   GET  /items/{id}            an item (400 on a bad id, 404 on an unknown one)
//   POST /checkout/{id}/{qty}   an order (also 409 when out of stock)
//   GET  /metrics               this isolate's snapshot (Prometheus text, or
//                               OpenMetrics when the Accept header asks)
//   GET  /metrics/frames        the snapshot as postcard+COBS frames
//
// After every other request, when PUSHGATEWAY_URL is set, the snapshot is
// pushed inside ctx.waitUntil(): the response goes out first, and a push
// that fails is counted (omnimetrics_push_failures_total), never reported
// to the client.
import wasm from "../pkg/omnimetrics_wasm_bg.wasm";
import * as raw from "../pkg/omnimetrics_wasm.js";
import { adapter } from "./adapter.mjs";
import { pushConfig, pushSnapshot } from "./push.mjs";

const om = adapter(raw, raw.initSync({ module: wasm }).memory);
// Durations from performance.now(). In a deployed Worker that clock only
// moves across I/O, so the demo's synchronous functions all measure 0 s;
// locally, workerd's clock ticks in whole milliseconds (see README.md,
// "What the durations mean").
om.useHostClock();

// Per-isolate state, made on the first request: Workers do not allow random
// values at global scope, and `env` only arrives with a request.
let isolate = null;

function isolateState(env) {
  if (isolate === null) {
    const id = crypto.randomUUID();
    if (env.SERVICE_NAME) om.setServiceName(env.SERVICE_NAME);
    om.setFrameBootId(crypto.getRandomValues(new Uint32Array(1))[0]);
    const push = pushConfig(env, id);
    if (push) om.enablePushMetrics();
    isolate = { id, push };
  }
  return isolate;
}

function text(body, status, state, contentType = "text/plain; charset=utf-8") {
  return new Response(body, {
    status,
    headers: { "content-type": contentType, "x-isolate-id": state.id },
  });
}

export default {
  fetch(request, env, ctx) {
    const state = isolateState(env);
    const url = new URL(request.url);

    if (url.pathname === "/metrics") {
      const scrape = om.metricsFor(request.headers.get("accept"));
      return text(scrape.body, 200, state, scrape.contentType);
    }
    if (url.pathname === "/metrics/frames") {
      return new Response(om.metricsFrames(), {
        headers: { "content-type": "application/octet-stream", "x-isolate-id": state.id },
      });
    }

    const reply = om.handle(request.method, url.pathname);
    const response = text(reply.body, reply.status, state);
    if (state.push) ctx.waitUntil(pushSnapshot(state.push, om));
    return response;
  },
};
