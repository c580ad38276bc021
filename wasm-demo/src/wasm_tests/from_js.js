// The JavaScript side of the wasm-bindgen tests: every call into the module
// goes through the generated bindings, as a worker's would.
//
// wasm-bindgen-test-runner (node, ES modules) writes the bindings of the test
// build to `wasm-bindgen-test.js` and this file to
// `snippets/<crate>/src/wasm_tests/from_js.js` beside it, hence the path.
import * as api from "../../../../wasm-bindgen-test.js";

// Method, path and the status the demo must answer with.
export const REQUESTS = [
  ["GET", "/", 200],
  ["GET", "/items/1", 200],
  ["GET", "/items/3?ref=js", 200],
  ["GET", "/items/42", 404],
  ["GET", "/items/x1", 400],
  ["POST", "/checkout/1/5", 200],
  ["POST", "/checkout/2/9", 409],
  ["POST", "/checkout/0/1", 400],
  ["DELETE", "/items/1", 405],
  ["GET", "/no/such/route", 404],
];

// Sends every request of REQUESTS through `handle`; returns the statuses
// and bodies it got, in order.
export function driveDemo() {
  const got = [];
  for (const [method, path] of REQUESTS) {
    const reply = api.handle(method, path);
    got.push({ status: reply.status, body: reply.body });
    reply.free();
  }
  return got;
}

export function expectedStatuses() {
  return REQUESTS.map(([, , status]) => status);
}

// Durations from performance.now(): choose the host clock (once per
// instance), then spend `ms` milliseconds inside an instrumented function.
export function useHostClockAndSpin(ms) {
  const installed = api.useHostClock();
  const before = performance.now();
  api.spin(ms);
  return { installed, elapsed: performance.now() - before };
}

// Everything the host can read, as the host reads it.
export function readExports() {
  return {
    text: api.metricsText(),
    openMetrics: api.metricsOpenMetrics(),
    negotiated: api.metricsFor(
      "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3",
    ),
    negotiatedType: api.contentTypeFor(
      "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3",
    ),
    defaultType: api.contentTypeFor(undefined),
    frames: api.metricsFrames(),
    framesAgain: api.metricsFrames(),
  };
}

// Push bookkeeping: registered at zero, then one success and two failures.
export function recordPushes() {
  api.enablePushMetrics();
  const atZero = api.metricsText();
  api.recordPush(true);
  api.recordPush(false);
  api.recordPush(false);
  return { atZero, after: api.metricsText() };
}

// setServiceName works once; the second call is refused.
export function nameTheService(name) {
  return [api.setServiceName(name), api.setServiceName("ignored")];
}

// Hostile input must come back as an answer, never as a trap.
export function hostileInput() {
  const paths = [
    "",
    "?",
    "//",
    "/items/",
    "/items/99999999999999999999",
    "/items/\u00e9\u{1F600}",
    "/checkout/1/\u0000",
    "/items/1/../../etc",
    "\ud800",
  ];
  const statuses = [];
  for (const path of paths) {
    const reply = api.handle("G\u00cbT", path);
    statuses.push(reply.status);
    reply.free();
    const again = api.handle("GET", path);
    statuses.push(again.status);
    again.free();
  }
  api.setTimeMillis(Number.NaN);
  api.setTimeMillis(-1);
  api.setTimeMillis(Infinity);
  api.setFrameBootId(4294967295);
  return statuses;
}
